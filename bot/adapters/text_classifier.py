"""A small trained text classifier (scikit-learn, which Rasa already ships): TF-IDF over words and
character n-grams, then logistic regression. Used by the NLU components for the visitor's
concern and for red flags, on the whole message and on each of its sentences, because visitors
tell a story first and put what matters in the middle.
"""
from __future__ import annotations

import hashlib
import pickle
import re
from pathlib import Path
from typing import Dict, List, Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|;\s+|\s+-\s+|\s+(?=but\s)|\s+(?=and\s+now\b)")
_WORDS = re.compile(r"\S+")
MAX_SEGMENT_WORDS = 25
_PIECE = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
# Denials, not inabilities: "can't swallow" is a symptom.
_NEGATIONS = {"no", "not", "never", "nothing", "none", "without", "nor", "neither", "don't", "doesn't", "didn't",
              "haven't", "hasn't", "hadn't", "isn't", "aren't", "wasn't", "weren't", "dont", "didnt", "havent",
              "isnt", "wasnt"}
_NEGATION_REACH = 3


def mark_negations(text: str) -> str:
    """Lower-case, and mark the few words after a negation ("no drooping" -> "no not_drooping"),
    so the classifier tells "no drooping, no headache" from a report of both."""
    out, left = [], 0
    for piece in _PIECE.findall(text.lower()):
        if not piece[0].isalnum():
            left = 0
            out.append(piece)
            continue
        out.append(f"not_{piece}" if left > 0 else piece)
        left = _NEGATION_REACH if piece in _NEGATIONS else max(0, left - 1)
    return " ".join(out)


def segments(text: str) -> List[str]:
    """The message itself, then its sentences (long run-on sentences cut every 25 words, with
    overlap), so a short sentence in a long story is read on its own too."""
    text = " ".join((text or "").split())
    if not text:
        return []
    parts = [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]
    pieces: List[str] = []
    for part in parts:
        words = _WORDS.findall(part)
        if len(words) <= MAX_SEGMENT_WORDS:
            pieces.append(part)
            continue
        step = MAX_SEGMENT_WORDS // 2
        for start in range(0, len(words) - step, step):
            pieces.append(" ".join(words[start:start + MAX_SEGMENT_WORDS]))
    return [text] + [piece for piece in pieces if piece != text]


class TextClassifier:
    """Labels texts; `scores` gives, per label, the highest probability over a text's segments."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], c: float = 8.0) -> TextClassifier:
        features = FeatureUnion([
            ("words", TfidfVectorizer(preprocessor=mark_negations, ngram_range=(1, 2), sublinear_tf=True)),
            ("chars", TfidfVectorizer(preprocessor=mark_negations, analyzer="char_wb", ngram_range=(3, 5),
                                      sublinear_tf=True, min_df=2)),
        ])
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        pipeline = Pipeline([("features", features), ("model", model)])
        pipeline.fit(list(texts), list(labels))
        return cls(pipeline)

    @property
    def labels(self) -> List[str]:
        return [str(label) for label in self.pipeline.classes_]

    def probabilities(self, texts: Sequence[str]) -> List[Dict[str, float]]:
        rows = self.pipeline.predict_proba(list(texts))
        return [dict(zip(self.labels, map(float, row), strict=True)) for row in rows]

    def scores(self, text: str) -> Dict[str, float]:
        """Each label's highest probability over the message and its sentences."""
        pieces = segments(text)
        if not pieces:
            return {}
        best: Dict[str, float] = {}
        for row in self.probabilities(pieces):
            for label, value in row.items():
                best[label] = max(best.get(label, 0.0), value)
        return best

    def whole(self, text: str) -> Dict[str, float]:
        """The probabilities for the message as a whole."""
        return self.probabilities([" ".join(text.split())])[0] if text.strip() else {}

    def save(self, path: Path) -> None:
        Path(path).write_bytes(pickle.dumps(self.pipeline))

    @classmethod
    def load(cls, path: Path) -> TextClassifier:
        # The file is the model's own, written by `save` at training time inside the model archive.
        return cls(pickle.loads(Path(path).read_bytes()))  # noqa: S301


def source_fingerprint(*paths: Path) -> str:
    """A hash of the files a trained component depends on besides its training data (its code, a
    lexicon): Rasa's training cache must not restore a component trained by older code."""
    digest = hashlib.sha256()
    for path in (Path(__file__), *map(Path, paths)):
        digest.update(path.read_bytes())
    return digest.hexdigest()
