"""Entity scores for the concern entity ruler (the project's spaCy pipeline), which Rasa's
`rasa test nlu` leaves out because SpacyEntityExtractor is not trained.

Every example of a `concern_<key>` intent should be labelled <key> and nothing else; the score is
per sentence (a label found or missed), micro-averaged. Usage:
    python -m tools.concern_entity_eval tests/nlu/heldout.yml data/nlu/concerns.yml
"""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

import spacy
from rasa.shared.nlu.training_data.loading import load_data

from bot.adapters.spacy_pipeline import build_pipeline, load_lexicon
from bot.domain.concerns import CONCERN_INTENT_PREFIX, CONCERN_KEYS


def concern_examples(path: str) -> List[Tuple[str, str]]:
    data = load_data(path)
    return [(m.get("text"), m.get("intent")[len(CONCERN_INTENT_PREFIX):]) for m in data.intent_examples
            if (m.get("intent") or "").startswith(CONCERN_INTENT_PREFIX)
            and m.get("intent")[len(CONCERN_INTENT_PREFIX):] in CONCERN_KEYS]


def score(nlp: spacy.language.Language, examples: List[Tuple[str, str]]) -> Dict[str, float]:
    counts: Counter = Counter()
    for text, expected in examples:
        found = {ent.label_ for ent in nlp(text).ents}
        counts["tp"] += expected in found
        counts["fn"] += expected not in found
        counts["fp"] += len(found - {expected})
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["fn"])
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"examples": len(examples), "precision": precision, "recall": recall, "f1": f1}


def main(paths: List[str]) -> int:
    nlp = build_pipeline(load_lexicon())
    for path in paths:
        result = score(nlp, concern_examples(path))
        print(f"{Path(path)}: {result['examples']} concern examples, precision {result['precision']:.3f}, "
              f"recall {result['recall']:.3f}, F1 {result['f1']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["tests/nlu/heldout.yml"]))
