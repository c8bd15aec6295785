"""The screening questions of the clinic profile (`screening:`): validated once into Question objects.

The questions come from clinical-safety.md and live in the clinic profile; an error names the key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

from bot.domain.concerns import CONCERN_KEYS
from bot.domain.errors import ProfileError

YES_NO = "yes_no"
YES_NO_DETAIL = "yes_no_detail"
NUMBER = "number"
CHOICE = "choice"
TYPES = (YES_NO, YES_NO_DETAIL, NUMBER, CHOICE)
STOP_FLAG_SUFFIX = "_stop"  # the flag of a stop question, and only that flag, ends so (e.g. allergy_stop)

_COMMON_FIELDS = ("key", "text", "type", "flag", "stop", "remember", "remember_within_days", "short")
_TYPE_FIELDS = {
    YES_NO: (),
    YES_NO_DETAIL: ("detail_prompt",),
    NUMBER: ("min", "max", "flag_below", "aliases"),
    CHOICE: ("choices", "multiple", "flag_unless"),
}
_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    type: str
    flag: Optional[str] = None
    stop: bool = False  # a yes means consultation only, no treatment booking
    choices: Tuple[str, ...] = ()  # choice values, e.g. 'back_of_knees' (also the button payload)
    min: Optional[int] = None
    max: Optional[int] = None
    detail_prompt: Optional[str] = None
    flag_below: Optional[int] = None  # number: the flag is raised for answers below this
    flag_unless: Tuple[str, ...] = ()  # choice: the flag is raised for any answer outside these
    multiple: bool = False
    aliases: Mapping[str, int] = field(default_factory=dict, hash=False)  # number: words that mean a number
    choice_labels: Mapping[str, str] = field(default_factory=dict, hash=False)  # choice value -> label
    choice_words: Mapping[str, Tuple[str, ...]] = field(default_factory=dict, hash=False)  # value -> visitors' words
    concern: Optional[str] = None  # None for the general questions
    # Words that answer the question when said earlier in the chat: phrases meaning yes (yes/no),
    # patterns with one group, the number (number), or the choices whose words count (choice: "my
    # sweaty underarms" answers the areas); see bot.domain.screening.memory.
    remember: Tuple[str, ...] = ()
    # yes/no: the remembered words count only with a time ("six weeks ago"): within these days a
    # yes, longer ago a no; without a time the question is asked (see bot.domain.screening.memory).
    remember_within_days: Optional[int] = None
    short: Optional[str] = None  # the item's words in a group's list ("a bleeding problem or blood thinners")


@dataclass(frozen=True)
class Group:
    """Questions asked together ("Does any of these apply to you?"): "none of these" answers each
    one no; anything else asks them one by one."""

    key: str
    text: str
    questions: Tuple[str, ...]  # question keys, in the profile's order


@dataclass(frozen=True)
class Screening:
    general: Tuple[Question, ...]
    concerns: Mapping[str, Tuple[Question, ...]]
    groups: Tuple[Group, ...] = ()



# --- the questions -------------------------------------------------------------------------------


def _need_text(entry: Mapping[str, Any], name: str, path: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(f"{path}.{name}", "must be non-empty text")
    return " ".join(value.split())


def _need_int(entry: Mapping[str, Any], name: str, path: str) -> int:
    value = entry.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ProfileError(f"{path}.{name}", f"must be a whole number, got {value!r}")
    return value


def _need_bool(entry: Mapping[str, Any], name: str, path: str) -> bool:
    value = entry.get(name, False)
    if not isinstance(value, bool):
        raise ProfileError(f"{path}.{name}", "must be true or false")
    return value


def _identifier(value: Any, key: str) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.match(value):
        raise ProfileError(key, f"must be a lower-case identifier like 'recent_toxin', got {value!r}")
    return value


def _choices(raw: Any, path: str) -> Dict[str, Any]:
    """`choices`, `choice_labels` and `choice_words` fields of a choice Question."""
    if not isinstance(raw, list) or not raw:
        raise ProfileError(path, "must be a non-empty list of choices")
    labels: Dict[str, str] = {}
    words_by_value: Dict[str, Tuple[str, ...]] = {}
    for index, entry in enumerate(raw):
        item = f"{path}[{index}]"
        if not isinstance(entry, dict):
            raise ProfileError(item, "must be a mapping with value, label and words")
        for name in entry:
            if name not in ("value", "label", "words"):
                raise ProfileError(f"{item}.{name}", "unknown field")
        value = _identifier(entry.get("value"), f"{item}.value")
        if value in labels:
            raise ProfileError(f"{item}.value", f"duplicate choice {value!r}")
        words = entry.get("words", [])
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise ProfileError(f"{item}.words", "must be a list of words or phrases")
        words = tuple(" ".join(word.lower().split()) for word in words)
        labels[value] = _need_text(entry, "label", item)
        words_by_value[value] = words
    return {"choices": tuple(labels), "choice_labels": labels, "choice_words": words_by_value}


def _remember(raw: Any, kind: str, path: str) -> Tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(item, str) and item.strip() for item in raw):
        raise ProfileError(path, "must be a list of phrases (for a number question, patterns; for a choice, values)")
    if kind == NUMBER:
        for item in raw:
            try:
                groups = re.compile(item).groups
            except re.error as problem:
                raise ProfileError(path, f"{item!r} is not a valid pattern: {problem}") from None
            if groups != 1:
                raise ProfileError(path, f"{item!r} must have exactly one group, the number")
        return tuple(raw)
    return tuple(" ".join(item.lower().split()) for item in raw)


def _question(entry: Any, path: str, concern: Optional[str]) -> Question:
    if not isinstance(entry, dict):
        raise ProfileError(path, "must be a mapping")
    kind = entry.get("type")
    if kind not in TYPES:
        raise ProfileError(f"{path}.type", f"must be one of {', '.join(TYPES)}, got {kind!r}")
    for name in entry:
        if name not in _COMMON_FIELDS + _TYPE_FIELDS[kind]:
            raise ProfileError(f"{path}.{name}", f"unknown field for a {kind} question")
    fields: Dict[str, Any] = {
        "key": _identifier(entry.get("key"), f"{path}.key"),
        "text": _need_text(entry, "text", path),
        "type": kind,
        "concern": concern,
        "flag": None if entry.get("flag") is None else _identifier(entry["flag"], f"{path}.flag"),
        "stop": _need_bool(entry, "stop", path),
    }
    fields["remember"] = _remember(entry.get("remember", []), kind, f"{path}.remember")
    if "remember_within_days" in entry:
        if kind not in (YES_NO, YES_NO_DETAIL) or not fields["remember"]:
            raise ProfileError(f"{path}.remember_within_days", "is only for a yes/no question with remember: words")
        fields["remember_within_days"] = _need_int(entry, "remember_within_days", path)
        if fields["remember_within_days"] <= 0:
            raise ProfileError(f"{path}.remember_within_days", "must be a positive number of days")
    fields["short"] = _need_text(entry, "short", path) if "short" in entry else None
    if fields["stop"] and kind not in (YES_NO, YES_NO_DETAIL):
        raise ProfileError(f"{path}.stop", "only a yes/no question can be a stop question")
    # Stored flags alone must tell whether booking stops (see stop_flagged), hence the naming rule.
    if fields["stop"] != (fields["flag"] or "").endswith(STOP_FLAG_SUFFIX):
        raise ProfileError(f"{path}.flag", f"a stop question's flag must end in {STOP_FLAG_SUFFIX!r}, "
                                           "and only a stop question's flag may")
    if kind == YES_NO_DETAIL:
        fields["detail_prompt"] = _need_text(entry, "detail_prompt", path)
    elif kind == NUMBER:
        low, high = _need_int(entry, "min", path), _need_int(entry, "max", path)
        if high <= low:
            raise ProfileError(f"{path}.max", "must be greater than min")
        fields.update(min=low, max=high)
        if "flag_below" in entry:
            below = _need_int(entry, "flag_below", path)
            if not low < below <= high:
                raise ProfileError(f"{path}.flag_below", f"must be within {low + 1}..{high}")
            fields["flag_below"] = below
        aliases = entry.get("aliases", {})
        if not isinstance(aliases, dict):
            raise ProfileError(f"{path}.aliases", "must map words to numbers")
        for word, number in aliases.items():
            if not isinstance(number, int) or isinstance(number, bool) or not low <= number <= high:
                raise ProfileError(f"{path}.aliases.{word}", f"must be a whole number within {low}..{high}")
        fields["aliases"] = {" ".join(str(word).lower().split()): number for word, number in aliases.items()}
        if (fields["flag"] is None) != ("flag_below" not in fields):
            raise ProfileError(f"{path}.flag_below", "a number question's flag needs flag_below, and vice versa")
    elif kind == CHOICE:
        fields.update(_choices(entry.get("choices"), f"{path}.choices"))
        fields["multiple"] = _need_bool(entry, "multiple", path)
        unless = entry.get("flag_unless", [])
        values = set(fields["choices"])
        if not isinstance(unless, list) or any(item not in values for item in unless):
            raise ProfileError(f"{path}.flag_unless", f"must list some of the choices: {', '.join(sorted(values))}")
        fields["flag_unless"] = tuple(unless)
        if any(item not in values for item in fields["remember"]):
            raise ProfileError(f"{path}.remember", f"must list some of the choices: {', '.join(sorted(values))}")
        if (fields["flag"] is None) != (not unless):
            raise ProfileError(f"{path}.flag_unless", "a choice question's flag needs flag_unless, and vice versa")
    return Question(**fields)


def _question_list(raw: Any, path: str, concern: Optional[str], seen: Dict[str, str]) -> Tuple[Question, ...]:
    if not isinstance(raw, list) or not raw:
        raise ProfileError(path, "must be a non-empty list of questions")
    questions = []
    for index, entry in enumerate(raw):
        question = _question(entry, f"{path}[{index}]", concern)
        if question.key in seen:
            raise ProfileError(f"{path}[{index}].key", f"duplicate key {question.key!r} (also {seen[question.key]})")
        seen[question.key] = f"{path}[{index}]"
        questions.append(question)
    return tuple(questions)


def validate_screening(raw: Any) -> Screening:
    """Check the profile's `screening:` mapping (a whole profile mapping is accepted too); errors name the key."""
    if isinstance(raw, dict) and "general" not in raw and "screening" in raw:
        raw = raw["screening"]
    if raw is None:
        raise ProfileError("screening", "missing")
    if not isinstance(raw, dict):
        raise ProfileError("screening", "must be a mapping with `general` and `concerns`")
    for name in raw:
        if name not in ("general", "concerns", "groups"):
            raise ProfileError(f"screening.{name}", "unknown section; expected general, concerns or groups")
    seen: Dict[str, str] = {}
    general = _question_list(raw.get("general"), "screening.general", None, seen)
    concerns_raw = raw.get("concerns") or {}
    if not isinstance(concerns_raw, dict):
        raise ProfileError("screening.concerns", "must be a mapping of concern to questions")
    concerns = {}
    for concern, questions in concerns_raw.items():
        if concern not in CONCERN_KEYS:
            expected = ", ".join(CONCERN_KEYS)
            raise ProfileError(f"screening.concerns.{concern}", f"unknown concern; expected one of {expected}")
        concerns[concern] = _question_list(questions, f"screening.concerns.{concern}", concern, seen)
    return Screening(general, concerns, _groups(raw.get("groups") or [], general))


def _groups(raw: Any, general: Tuple[Question, ...]) -> Tuple[Group, ...]:
    """`screening.groups`: each a key, a text and two or more general yes/no questions that have a
    `short` wording; a question in one group at most."""
    if not isinstance(raw, list):
        raise ProfileError("screening.groups", "must be a list of groups")
    by_key = {question.key: question for question in general}
    order = [question.key for question in general]
    grouped: Dict[str, str] = {}
    groups = []
    for index, entry in enumerate(raw):
        path = f"screening.groups[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"key", "text", "questions"}:
            raise ProfileError(path, "must be a mapping with key, text and questions")
        keys = entry.get("questions")
        if not isinstance(keys, list) or len(keys) < 2:
            raise ProfileError(f"{path}.questions", "must list two or more question keys")
        for key in keys:
            question = by_key.get(key)
            if question is None or question.type not in (YES_NO, YES_NO_DETAIL):
                raise ProfileError(f"{path}.questions", f"{key!r} is not a general yes/no question")
            if question.short is None:
                raise ProfileError(f"{path}.questions", f"{key!r} needs a `short` wording to be listed")
            if key in grouped:
                raise ProfileError(f"{path}.questions", f"{key!r} is already in group {grouped[key]!r}")
            grouped[key] = str(entry.get("key"))
        groups.append(Group(_identifier(entry.get("key"), f"{path}.key"), _need_text(entry, "text", path),
                            tuple(sorted(keys, key=order.index))))
    return tuple(groups)


def _screening_of(profile: Any) -> Screening:
    """A ClinicProfile's validated screening, or a profile mapping's, validated now."""
    if isinstance(profile, Mapping):
        return validate_screening(profile.get("screening"))
    return profile.screening


def load_questions(profile: Any) -> List[Question]:
    """The general screening questions, in the order they are asked (profile: ClinicProfile or mapping)."""
    return list(_screening_of(profile).general)


def questions_for(profile: Any, concern: Optional[str]) -> List[Question]:
    """General questions, then the extras for the visitor's concern (None: general only)."""
    screening = _screening_of(profile)
    if concern is not None and concern not in CONCERN_KEYS:
        raise ValueError(f"unknown concern {concern!r}; expected one of {', '.join(CONCERN_KEYS)}")
    return list(screening.general) + list(screening.concerns.get(concern, ()) if concern else [])

