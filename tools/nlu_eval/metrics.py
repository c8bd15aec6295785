"""The measures of `make nlu-eval`, as pure functions over what was expected and what a reader got
(no Rasa, no files, no network). Every ratio is a `Ratio`, so its counts travel with it.

- concern accuracy: the concern key must match exactly; a message without a concern must get none;
- per concern: precision, recall and F1, and the confusion matrix (rows expected, columns got);
- red flags: an emergency is caught only when flagged as an emergency; an adverse effect when
  flagged as an adverse effect or an emergency; a false alarm is a message without a red flag that
  got a flag of either kind.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence

from bot.domain.statuses import AlertKind

EMERGENCY = AlertKind.EMERGENCY.value
ADVERSE_EFFECT = AlertKind.ADVERSE_EFFECT.value
NO_FLAG = "none"  # the data set's red_flag for a message without one
RED_FLAG_KINDS = (EMERGENCY, ADVERSE_EFFECT)
NO_CONCERN = "none"  # the confusion matrix's label for "no concern"

# What the assistant must reach (issue #9): the figure must be at least (>=) or at most (<=) this.
TARGETS = {
    "concern_accuracy": (">=", 0.95),
    "concern_accuracy_over_peer": (">=", 0.10),
    "red_flag_recall": (">=", 0.97),
    "emergency_recall": (">=", 1.0),
    "false_alarm_rate": ("<=", 0.02),
    "train_seconds": ("<=", 180.0),
    "rasa_peak_rss_bytes": ("<=", 1.3e9),
}


@dataclass(frozen=True)
class Ratio:
    hits: int
    total: int

    @property
    def value(self) -> Optional[float]:
        return self.hits / self.total if self.total else None

    def as_dict(self) -> Dict[str, object]:
        return {"value": self.value, "hits": self.hits, "total": self.total}


@dataclass(frozen=True)
class Outcome:
    """One message: its labels, and what one reader (the assistant, the peer) made of it."""

    id: str
    kind: str
    concern: Optional[str]
    red_flag: str  # emergency | adverse_effect | none
    got_concern: Optional[str]
    got_flag: Optional[str]  # emergency | adverse_effect | None

    @property
    def concern_right(self) -> bool:
        return self.concern == self.got_concern

    @property
    def flag_missed(self) -> bool:
        return self.red_flag != NO_FLAG and not flag_caught(self.red_flag, self.got_flag)

    @property
    def false_alarm(self) -> bool:
        return self.red_flag == NO_FLAG and self.got_flag is not None


def flag_caught(expected: str, got: Optional[str]) -> bool:
    """Whether a red flag of kind `expected` was caught by the flag `got`."""
    if expected == EMERGENCY:
        return got == EMERGENCY
    if expected == ADVERSE_EFFECT:
        return got in (ADVERSE_EFFECT, EMERGENCY)
    raise ValueError(f"not a red-flag kind: {expected!r}")


def concern_accuracy(outcomes: Iterable[Outcome]) -> Ratio:
    results = [o.concern_right for o in outcomes]
    return Ratio(sum(results), len(results))


def accuracy_by_kind(outcomes: Iterable[Outcome]) -> Dict[str, Ratio]:
    groups: Dict[str, List[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[outcome.kind].append(outcome)
    return {kind: concern_accuracy(groups[kind]) for kind in sorted(groups)}


def f1(precision: Ratio, recall: Ratio) -> Optional[float]:
    p, r = precision.value, recall.value
    if p is None or r is None:
        return None
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def per_concern(outcomes: Sequence[Outcome], keys: Sequence[str]) -> Dict[str, Dict[str, object]]:
    """Precision (of the messages given the key, how many had it), recall (of the messages with
    the key, how many got it) and F1 for each concern key."""
    scores = {}
    for key in keys:
        true_positive = sum(1 for o in outcomes if o.concern == key and o.got_concern == key)
        precision = Ratio(true_positive, sum(1 for o in outcomes if o.got_concern == key))
        recall = Ratio(true_positive, sum(1 for o in outcomes if o.concern == key))
        scores[key] = {"precision": precision, "recall": recall, "f1": f1(precision, recall),
                       "support": recall.total}
    return scores


def confusion(outcomes: Iterable[Outcome], keys: Sequence[str]) -> Dict[str, object]:
    """Counts of (expected, got) concern pairs; labels are the keys and "none", rows expected."""
    labels = [*keys, NO_CONCERN]
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for outcome in outcomes:
        expected, got = outcome.concern or NO_CONCERN, outcome.got_concern or NO_CONCERN
        if expected not in index or got not in index:
            raise ValueError(f"{outcome.id}: concern outside {labels}: {expected!r} -> {got!r}")
        matrix[index[expected]][index[got]] += 1
    return {"labels": labels, "matrix": matrix}


def red_flag_recall(outcomes: Sequence[Outcome]) -> Dict[str, Ratio]:
    """Recall over every red-flag message ("all") and per kind."""
    def recall(selected: List[Outcome]) -> Ratio:
        return Ratio(sum(1 for o in selected if not o.flag_missed), len(selected))

    flagged = [o for o in outcomes if o.red_flag != NO_FLAG]
    result = {"all": recall(flagged)}
    for kind in RED_FLAG_KINDS:
        result[kind] = recall([o for o in flagged if o.red_flag == kind])
    return result


def false_alarm_rate(outcomes: Sequence[Outcome]) -> Ratio:
    calm = [o for o in outcomes if o.red_flag == NO_FLAG]
    return Ratio(sum(1 for o in calm if o.false_alarm), len(calm))


def flag_counts(outcomes: Iterable[Outcome]) -> Dict[str, Dict[str, int]]:
    """How each expected red flag was flagged: {expected: {got or "none": count}}."""
    counts: Dict[str, Counter] = defaultdict(Counter)
    for outcome in outcomes:
        counts[outcome.red_flag][outcome.got_flag or NO_FLAG] += 1
    return {expected: dict(counts[expected]) for expected in sorted(counts)}


def summarise(outcomes: Sequence[Outcome], keys: Sequence[str]) -> Dict[str, object]:
    """Every measure for one reader (Ratio values stay Ratio; `as_json` turns them into dicts)."""
    flags = red_flag_recall(outcomes)
    return {
        "messages": len(outcomes),
        "concern_accuracy": concern_accuracy(outcomes),
        "concern_accuracy_by_kind": accuracy_by_kind(outcomes),
        "per_concern": per_concern(outcomes, keys),
        "confusion": confusion(outcomes, keys),
        "red_flag_recall": flags["all"],
        "emergency_recall": flags[EMERGENCY],
        "adverse_effect_recall": flags[ADVERSE_EFFECT],
        "false_alarm_rate": false_alarm_rate(outcomes),
        "flag_counts": flag_counts(outcomes),
    }


def misses(outcomes: Iterable[Outcome]) -> Dict[str, List[Outcome]]:
    outcomes = list(outcomes)
    return {
        "concern": [o for o in outcomes if not o.concern_right],
        "red_flag_missed": [o for o in outcomes if o.flag_missed],
        "false_alarm": [o for o in outcomes if o.false_alarm],
    }


def meets(name: str, value: Optional[float]) -> Optional[bool]:
    """Whether `value` meets TARGETS[name]; None when there is no value to judge."""
    if value is None:
        return None
    comparison, limit = TARGETS[name]
    return value >= limit - 1e-12 if comparison == ">=" else value <= limit + 1e-12


def verdicts(assistant: Mapping[str, object], peer: Mapping[str, object],
             train_seconds: Optional[float], rasa_peak_rss_bytes: Optional[float]) -> Dict[str, Optional[bool]]:
    """Each target of the assistant: met (True), missed (False) or not measured (None)."""
    accuracy = assistant["concern_accuracy"].value
    peer_accuracy = peer["concern_accuracy"].value
    margin = None if accuracy is None or peer_accuracy is None else accuracy - peer_accuracy
    return {
        "concern_accuracy": meets("concern_accuracy", accuracy),
        "concern_accuracy_over_peer": meets("concern_accuracy_over_peer", margin),
        "red_flag_recall": meets("red_flag_recall", assistant["red_flag_recall"].value),
        "emergency_recall": meets("emergency_recall", assistant["emergency_recall"].value),
        "false_alarm_rate": meets("false_alarm_rate", assistant["false_alarm_rate"].value),
        "train_seconds": meets("train_seconds", train_seconds),
        "rasa_peak_rss_bytes": meets("rasa_peak_rss_bytes", rasa_peak_rss_bytes),
    }


def as_json(value: object) -> object:
    """A summary with every Ratio turned into {"value", "hits", "total"}."""
    if isinstance(value, Ratio):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {key: as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_json(item) for item in value]
    return value
