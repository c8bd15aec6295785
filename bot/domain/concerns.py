"""Work out which concern a visitor means, from what the NLU found in one message.

Three sources, most specific first: a concern chosen on a button (entity `concern`), spans the
spaCy entity ruler labelled with a concern key (clinic/concern_lexicon.yml), and the intent
classifier (`concern_<key>`). Two different concerns, or none, means: ask, don't guess.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Mapping, Optional, Sequence

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
