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

from bot.domain.safety.detector import Cues, Finding, RedFlag
from bot.domain.safety.lexicon import ADVERSE_EFFECT, EMERGENCY


@dataclass(frozen=True)
class Thresholds:
    sure: float = 0.45  # the classifier alone raises a flag
    agree: float = 0.35  # the classifier confirms a suppressed lexicon hit
    veto: float = 0.97  # the classifier is sure it is no report: a lexicon adverse-effect hit is dropped
    veto_emergency: float = 0.995  # ... and a lexicon emergency only when it is all but certain
    veto_asked_untreated: float = 0.9  # ... or this sure, when the message asks something and names
    # no treatment had: the symptoms listed as a question ("what are the risks? voice change,
    # trouble swallowing?", "breathing problems?? are those common?")
    min_words: int = 5  # the classifier alone says nothing about shorter messages ("after 4", a name)
    revive_resolved: float = 0.9  # a hit the visitor said is over ("it went away") counts only when
    # the classifier is this sure something is happening now ("it went away but now the other side")
    doubted_effect: float = 0.8  # the classifier's adverse effect when the lexicon found it a story
    # about someone else ("my mum's brows dropped for a month"), a question ("does it cause
    # drooping eyelids?") or denied ("no drooping, no bruising"): it must be this sure
    asked_emergency: float = 0.9  # the classifier's emergency when the lexicon read the emergency
    # symptom only as asked about ("can botox make it hard to swallow?", "what if I can't breathe
    # in the night?"): it must be this sure


# Suppressions the classifier overrides only at `revive_resolved`: the visitor said it is over, or
# told it as the past ("hives after a botox years ago"), which a classifier reading words without
# their order weighs poorly.
RESOLVED_SUPPRESSORS = ("resolved", "history")
NO_TREATMENT = "no_treatment_context"  # the lexicon's reason for an effect with no treatment named
# Suppressions that say the effect is someone else's, only asked about, or denied: the classifier
# reads the symptom, not whose it is, whether it happened or the "no" before it.
DOUBTING_SUPPRESSORS = ("other_person", "hypothetical", "question", "negation")
# The suppression that says an emergency symptom is only asked about. Not someone else's story: an
# emergency beside the visitor ("my sister's lips are swelling up") is still one.
ASKING_SUPPRESSORS = ("hypothetical",)


@dataclass(frozen=True)
class Decision:
    kind: str  # 'emergency' | 'adverse_effect'
    layer: str  # 'lexicon' | 'classifier' | 'both'
    flag: Optional[RedFlag] = None  # the lexicon's match, when there is one


def _dropped_for(finding: Finding, reasons: Sequence[str], kind: Optional[str] = None) -> bool:
    """Whether the lexicon dropped the finding (of `kind`, if given) for one of `reasons`."""
    return ((kind is None or finding.flag.kind == kind)
            and (finding.suppressed_by or "").split("[")[0] in reasons)


def _resolved(finding: Finding) -> bool:
    return _dropped_for(finding, RESOLVED_SUPPRESSORS)


def decide(findings: Sequence[Finding], best: Optional[Mapping[str, float]] = None,
           whole: Optional[Mapping[str, float]] = None, limits: Thresholds = Thresholds(),
           words: Optional[int] = None, cues: Optional[Cues] = None) -> Optional[Decision]:
    """`best`: each label's highest probability over the message's sentences; `whole`: the whole
    message's; `words`: the message's length in words (None: long enough); `cues`: what the message
    says of treatment and of being fine (bot.domain.safety.detector.cues). Without a classifier
    (both None), or for a message shorter than `min_words`, the lexicon decides alone."""
    asked_untreated = cues is not None and cues.asks and not cues.treated
    decision = _decide(findings, best, whole, limits, words, asked_untreated)
    if decision is None or cues is None or decision.layer == "lexicon":
        return decision
    if decision.kind == EMERGENCY:
        # An emergency always wins: a needless 911 is far cheaper than a missed one. The one
        # exception is the classifier's emergency in a message that denies every emergency symptom
        # it names ("not having any problems breathing or swallowing", "voice is normal and
        # swallowing's fine"): a symptom word denied, and none kept or told otherwise.
        return None if _denied_emergency(findings, cues) else decision
    doubted = any(_dropped_for(f, DOUBTING_SUPPRESSORS, ADVERSE_EFFECT) for f in findings)
    if doubted and (best or {}).get(ADVERSE_EFFECT, 0.0) < limits.doubted_effect:
        return None
    # No kept lexicon hit behind it: the classifier reads words, not their sense.
    if cues.all_clear:  # "voice is normal and swallowing's fine", "everything is fine, no drooping"
        return None
    # An effect after treatment needs the treatment ("my eyelid, lower since birth"), unless the
    # lexicon found the effect and dropped it for a reason other than a missing treatment.
    revivable = any(finding.flag.kind == ADVERSE_EFFECT and finding.suppressed_by != NO_TREATMENT
                    for finding in findings)
    if decision.kind == ADVERSE_EFFECT and not cues.treated and not revivable:
        return None
    return decision


def _denied_emergency(findings: Sequence[Finding], cues: Cues) -> bool:
    emergencies = [finding for finding in findings if finding.flag.kind == EMERGENCY]
    if emergencies:
        return all(finding.suppressed_by == "negation" for finding in emergencies)
    return cues.emergency_clear


def _decide(findings: Sequence[Finding], best: Optional[Mapping[str, float]],
            whole: Optional[Mapping[str, float]], limits: Thresholds,
            words: Optional[int], asked_untreated: bool = False) -> Optional[Decision]:
    kept = next((f.flag for f in findings if f.suppressed_by is None), None)
    suppressed = {f.flag.kind: f.flag for f in reversed(findings) if f.suppressed_by is not None}
    if best is None or (words is not None and words < limits.min_words):
        return Decision(kept.kind, "lexicon", kept) if kept else None
    over = {f.flag.kind for f in findings if _resolved(f)}
    # An emergency symptom only asked about, with none kept: the classifier's emergency must be
    # sure at `asked_emergency`, else the message is read for what else it reports.
    asked = (not any(f.flag.kind == EMERGENCY and f.suppressed_by is None for f in findings)
             and any(_dropped_for(f, ASKING_SUPPRESSORS, EMERGENCY) for f in findings))

    def probability(kind: str) -> float:  # a kind told as over needs the classifier all but sure
        value = best.get(kind, 0.0)
        if kind in over and value < limits.revive_resolved:
            return 0.0
        return 0.0 if kind == EMERGENCY and asked and value < limits.asked_emergency else value

    emergency, adverse = probability(EMERGENCY), probability(ADVERSE_EFFECT)
    not_a_report = (whole or {}).get("none", 0.0)
    if kept is not None and kept.kind == EMERGENCY:
        veto = limits.veto_asked_untreated if asked_untreated else limits.veto_emergency
        if not_a_report < veto or emergency >= limits.agree:
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
