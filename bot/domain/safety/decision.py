"""The red-flag decision, from both layers: the lexicon's findings (bot.domain.safety.detector) and
a trained classifier's probabilities. An emergency always wins over an adverse effect; either
layer can raise a flag on its own when it is sure; a lexicon hit the rules suppressed (a question,
a negation, someone else's story) still counts when the classifier agrees that something is
happening now; and a lexicon hit the classifier is all but certain is no report (a question the
rules missed) is dropped, an emergency only at a far stricter threshold.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Sequence

from bot.domain.safety.detector import Finding, RedFlag
from bot.domain.safety.lexicon import ADVERSE_EFFECT, EMERGENCY


@dataclass(frozen=True)
class Thresholds:
    sure: float = 0.45  # the classifier alone raises a flag
    agree: float = 0.35  # the classifier confirms a suppressed lexicon hit
    veto: float = 0.97  # the classifier is sure it is no report: a lexicon adverse-effect hit is dropped
    veto_emergency: float = 0.995  # ... and a lexicon emergency only when it is all but certain


@dataclass(frozen=True)
class Decision:
    kind: str  # 'emergency' | 'adverse_effect'
    layer: str  # 'lexicon' | 'classifier' | 'both'
    flag: Optional[RedFlag] = None  # the lexicon's match, when there is one


def decide(findings: Sequence[Finding], best: Optional[Mapping[str, float]] = None,
           whole: Optional[Mapping[str, float]] = None, limits: Thresholds = Thresholds()) -> Optional[Decision]:
    """`best`: each label's highest probability over the message's sentences; `whole`: the whole
    message's. Without a classifier (both None) the lexicon decides alone."""
    kept = next((f.flag for f in findings if f.suppressed_by is None), None)
    suppressed = {f.flag.kind: f.flag for f in reversed(findings) if f.suppressed_by is not None}
    if best is None:
        return Decision(kept.kind, "lexicon", kept) if kept else None
    emergency = best.get(EMERGENCY, 0.0)
    adverse = best.get(ADVERSE_EFFECT, 0.0)
    not_a_report = (whole or {}).get("none", 0.0)
    if kept is not None and kept.kind == EMERGENCY:
        if not_a_report < limits.veto_emergency or emergency >= limits.agree:
            return Decision(EMERGENCY, "lexicon", kept)
        kept = next((f.flag for f in findings if f.suppressed_by is None and f.flag.kind != EMERGENCY), None)
    if emergency >= limits.sure:
        return Decision(EMERGENCY, "classifier", suppressed.get(EMERGENCY))
    if EMERGENCY in suppressed and emergency >= limits.agree:
        return Decision(EMERGENCY, "both", suppressed[EMERGENCY])
    if kept is not None:  # an adverse effect by the rules
        if not_a_report >= limits.veto and adverse < limits.agree:
            return None
        return Decision(ADVERSE_EFFECT, "lexicon", kept)
    if adverse >= limits.sure:
        return Decision(ADVERSE_EFFECT, "classifier", suppressed.get(ADVERSE_EFFECT))
    if ADVERSE_EFFECT in suppressed and adverse >= limits.agree:
        return Decision(ADVERSE_EFFECT, "both", suppressed[ADVERSE_EFFECT])
    return None
