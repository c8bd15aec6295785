"""Work out which concern a visitor means, from what the NLU found in one message.

Three sources, most specific first: a concern chosen on a button (entity `concern`), spans the
spaCy entity ruler labelled with a concern key (clinic/concern_lexicon.yml), and the intent
classifier (`concern_<key>`). Two different concerns, or none, means: ask, don't guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml
from rapidfuzz import fuzz

# The concern vocabulary, defined here once. domain.yml (intents, entities, slot values), config.yml
# (SpacyEntityExtractor dimensions), clinic/concern_lexicon.yml and the profile must list the same
# keys: tests/unit/test_vocabulary.py checks that they agree.
CONCERN_KEYS = ("sweating", "acne", "clenching", "neck_bands", "foot_pain", "migraine", "wrinkles")
CONCERN_INTENT_PREFIX = "concern_"
MIN_INTENT_CONFIDENCE = 0.5


@dataclass(frozen=True)
class ConcernReading:
    concerns: Sequence[str]  # distinct keys, in the order first seen

    @property
    def single(self) -> Optional[str]:
        return self.concerns[0] if len(self.concerns) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.concerns) != 1


def read_concern(
    entities: Iterable[Mapping], intent: Optional[str], confidence: float = 1.0
) -> ConcernReading:
    found: List[str] = []

    def add(key: Optional[str]) -> None:
        if key in CONCERN_KEYS and key not in found:
            found.append(key)

    for entity in entities:
        name, value = entity.get("entity"), entity.get("value")
        if name == "concern":
            add(str(value).strip().lower() if value else None)
        else:
            add(name)
    if not found and intent and intent.startswith(CONCERN_INTENT_PREFIX):
        if confidence >= MIN_INTENT_CONFIDENCE:
            add(intent[len(CONCERN_INTENT_PREFIX):])
    return ConcernReading(tuple(found))


# --- finding concerns in free text (misspellings, abbreviations) -----------------------------------


def read_lexicon(path: Path) -> Dict[str, List[str]]:
    """A concern lexicon file (clinic/concern_lexicon.yml, clinic/concern_areas.yml): concern key ->
    the words visitors use for it; an unknown key is an error."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    unknown = set(data) - set(CONCERN_KEYS)
    if unknown:
        raise ValueError(f"{path}: unknown concern keys {sorted(unknown)}")
    return {key: [str(p).strip() for p in data.get(key) or []] for key in CONCERN_KEYS}

_TOKEN = re.compile(r"[a-z0-9']+")
FUZZY_MIN_CHARS = 6  # shorter words match exactly only ("hh", "tmj", "acne")
_NEGATIONS = {"no", "not", "never", "without", "nor", "don't", "dont", "didn't", "didnt", "isn't", "isnt",
              "haven't", "havent", "hasn't", "aren't", "wasn't", "neither"}
_CLAUSE_BREAK = re.compile(r"[.,;!?()]|\bbut\b")
NEGATION_WINDOW = 3


def negated_before(prefix: str) -> bool:
    """Whether a concern word right after `prefix` is denied: "I never get migraines", "not for
    my acne". Looks at the last few words of the same clause."""
    clause = _CLAUSE_BREAK.split(prefix.lower())[-1]
    return bool(_NEGATIONS & set(_TOKEN.findall(clause)[-NEGATION_WINDOW:]))


# What was treated, as opposed to what the visitor feels now: "my forehead injections", "botox in
# my jaw", "had my feet done" name the treated area; "a headache since my botox" does not.
_TREATMENT = (r"(?:botox|tox|dysport|xeomin|jeuveau|daxxify|injections?|injected|shots?|jabs?|treatments?|treated"
              r"|units|done|procedure|appointment|session)")
# "botox for my migraines", "botox in my jaw for clenching", "botox last tuesday for my grinding"
_TREATED_BEFORE = re.compile(
    rf"\b{_TREATMENT}\s+(?:(?:[\w']+\s+){{0,4}}?(?:in|into|for|on|to|around|at|of|under|above|between|along)\s+"
    rf"(?:my|the|both|her|his|your)?\s*(?:[\w']+\s+)?)?$")
# "since my crows feet", "after the lip flip", "since they did my forehead", "injected my palms"
_TREATED_REFERENCE = re.compile(
    r"\b(?:since|after|following|did|done|do|doing|injected|injecting|treated|treating)\s+"
    r"(?:my|the|your|her|his)\s+(?:[\w']+\s+)?$")
# The phrase names a procedure itself: "masseter botox", "forehead done", "lip flip", "nefertiti lift"
_TREATED_WORD = re.compile(rf"\b(?:{_TREATMENT}|flip|lift)\b")
# "my forehead injections", "my frown lines and neck bands done"
_TREATED_AFTER = re.compile(
    rf"^(?:'s)?\s+(?:(?!(?:since|after|from|following|because|before|with|by|due)\b)[\w']+\s+){{0,3}}?{_TREATMENT}\b"
    # "lip flip 3 days ago", "forehead on thursday", "crows feet yesterday": the area, then when
    r"|^\s+(?:on\s+|last\s+)?(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|yesterday|today|this morning"
    r"|(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|a couple of)\s+"
    r"(?:days?|weeks?|hours?|mins?|minutes?)\s+ago)\b")


TREATED_ROLE = "treated"  # the role of a concern entity named as what was treated


def named_as_treated(text: str, start: int, end: int) -> bool:
    """Whether the concern words at text[start:end] name what was treated ("my forehead
    injections", "botox for my migraines"), which is what a red-flag report's concern is."""
    lowered = (text or "").lower()
    return bool(_TREATED_WORD.search(lowered[start:end])  # the phrase itself: "masseter botox", "forehead done"
                or _TREATED_BEFORE.search(lowered[max(0, start - 50):start])
                or _TREATED_REFERENCE.search(lowered[max(0, start - 40):start])
                or _TREATED_AFTER.search(lowered[end:end + 30]))


def _cutoff(length: int) -> float:
    """How close a misspelling must be: one slip in 8 letters is not enough ("swearing")."""
    return 92.0 if length <= 8 else 86.0


Hit = Tuple[int, int, str]  # (start, end) in the text, and the concern key


class ConcernLexicon:
    """The words visitors use for each concern (clinic/concern_lexicon.yml), matched exactly and
    with misspellings (rapidfuzz, word by word): "migrane", "plantar fascitis", "hyperhydrosis",
    "crowsfeet". A word the visitor denies ("I never get migraines") is not a concern."""

    def __init__(self, phrases: Mapping[str, Sequence[str]]):
        self.phrases: Dict[int, List[Tuple[Tuple[str, ...], str]]] = {}
        for key, words in phrases.items():
            if key not in CONCERN_KEYS:
                raise ValueError(f"concern lexicon: unknown concern {key!r}")
            for phrase in words:
                tokens = tuple(_TOKEN.findall(phrase.lower()))
                if tokens:
                    self.phrases.setdefault(len(tokens), []).append((tokens, key))

    def hits(self, text: str) -> List[Hit]:
        """Every concern phrase in `text`, longest first where they overlap, in text order."""
        lowered = (text or "").lower()
        tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]
        found: List[Tuple[int, int, str, int]] = []
        for size, entries in self.phrases.items():
            for index in range(0, len(tokens) - size + 1):
                window = tuple(token for token, _, _ in tokens[index:index + size])
                key = _match(window, entries)
                glued = None
                if key is None and index + size < len(tokens) and size == 1:  # "crowsfeet", "crows feet"
                    glued = window[0] + tokens[index + 1][0]
                    key = _match_glued(glued, entries)
                if key is None:
                    continue
                last = index + size if glued is None else index + size + 1
                start, end = tokens[index][1], tokens[last - 1][2]
                if not negated_before(lowered[max(0, start - 40):start]):
                    found.append((start, end, key, end - start))
        kept: List[Hit] = []
        for start, end, key, _ in sorted(found, key=lambda hit: -hit[3]):
            if all(end <= other_start or start >= other_end for other_start, other_end, _ in kept):
                kept.append((start, end, key))
        return sorted(kept)

    def find(self, text: str) -> List[str]:
        """The concerns named in `text`, in the order they first appear."""
        return list(dict.fromkeys(key for _, _, key in self.hits(text)))


def _close(word: str, target: str) -> bool:
    if word == target:
        return True
    if min(len(word), len(target)) < FUZZY_MIN_CHARS:
        return False
    return fuzz.ratio(word, target) >= _cutoff(len(target))


def _match(window: Tuple[str, ...], entries) -> Optional[str]:
    """The concern of the phrase every word of `window` spells (allowing a slip in long words)."""
    for tokens, key in entries:
        if window == tokens:
            return key
    for tokens, key in entries:
        if all(_close(word, target) for word, target in zip(window, tokens, strict=True)):
            return key
    return None


def _match_glued(glued: str, entries) -> Optional[str]:
    """Two words written as one ("crowsfeet") against one-word phrases written without a space."""
    for tokens, key in entries:
        if len(tokens) == 1 and len(glued) >= FUZZY_MIN_CHARS and _close(glued, tokens[0]):
            return key
    return None
