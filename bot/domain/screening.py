"""Pre-booking screening: the questions (profile.yml `screening:`), answer parsing and the flags they raise.

The questions come from clinical-safety.md and live in the clinic profile; this module only reads them,
understands a visitor's free-text answers ("yep", "no never", "about 20", "my armpits and hands") and
turns them into JSON-serialisable values plus flags for the clinician. No Rasa imports: the actions call
these functions.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

from bot.domain.profile import CONCERN_KEYS, ProfileError

YES_NO = "yes_no"
YES_NO_DETAIL = "yes_no_detail"
NUMBER = "number"
CHOICE = "choice"
TYPES = (YES_NO, YES_NO_DETAIL, NUMBER, CHOICE)
YES, NO, UNSURE = "yes", "no", "unsure"
MAX_DETAIL_CHARS = 500
STOP_FLAG_SUFFIX = "_stop"  # the flag of a stop question, and only that flag, ends so (e.g. allergy_stop)

_COMMON_FIELDS = ("key", "text", "type", "flag", "stop")
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


@dataclass(frozen=True)
class Screening:
    general: Tuple[Question, ...]
    concerns: Mapping[str, Tuple[Question, ...]]


@dataclass(frozen=True)
class ParsedAnswer:
    key: str
    answer: Union[str, int, Tuple[str, ...]]  # 'yes'|'no'|'unsure', a number, or chosen values
    detail: Optional[str] = None
    needs_detail: bool = False  # a yes to a yes_no_detail question, detail still to ask
    stop: bool = False  # copied from the question, so consultation_only needs no question list
    range: Optional[Tuple[int, int]] = None  # number given as a range ("10-15"); answer is its middle

    @property
    def value(self) -> Dict[str, Any]:
        """What is stored with the intake: plain JSON."""
        value: Dict[str, Any] = {"answer": list(self.answer) if isinstance(self.answer, tuple) else self.answer}
        if self.detail:
            value["detail"] = self.detail
        if self.range:
            value["range"] = list(self.range)
        return value


@dataclass(frozen=True)
class AnswerError:
    """The answer was not understood; `message` tells the visitor what is expected."""

    key: str
    message: str


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
        if name not in ("general", "concerns"):
            raise ProfileError(f"screening.{name}", "unknown section; expected general or concerns")
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
    return Screening(general, concerns)


def _screening(profile: Any) -> Screening:
    raw = getattr(profile, "raw", profile)
    if not isinstance(raw, Mapping):
        raise ProfileError("(top)", "the profile must be a mapping")
    return validate_screening(raw.get("screening"))


def load_questions(profile: Any) -> List[Question]:
    """The general screening questions, in the order they are asked (profile: ClinicProfile or raw mapping)."""
    return list(_screening(profile).general)


def questions_for(profile: Any, concern: Optional[str]) -> List[Question]:
    """General questions, then the extras for the visitor's concern (None: general only)."""
    screening = _screening(profile)
    if concern is not None and concern not in CONCERN_KEYS:
        raise ValueError(f"unknown concern {concern!r}; expected one of {', '.join(CONCERN_KEYS)}")
    return list(screening.general) + list(screening.concerns.get(concern, ()) if concern else [])


# --- understanding answers -----------------------------------------------------------------------

_LEADING_NOISE = re.compile(r"^(?:(?:um+|uh+|erm*|hmm+|well|oh|ah|ok|okay|so|hi|hello)\b[\s,.!]*)+")
_UNSURE = re.compile(
    r"^(?:i'?m not sure|i am not sure|not sure|unsure|i (?:really )?(?:don't|do not) know|don't know|dunno"
    r"|(?:i have )?no idea|not certain|i'?m not certain|i (?:can't|cannot|don't|do not) remember"
    r"|can't remember|don't remember|maybe|perhaps|possibly|might be|not 100%)\b"
)
_NO = re.compile(
    r"^(?:no+|nope|nah|nay|never|none|nothing|negative|n|not really|not at all|not that i know of"
    r"|not that i'?m aware of|not to my knowledge|(?:i )?don't think so|(?:i )?do not think so"
    r"|probably not|definitely not|certainly not|absolutely not|of course not|no way|false|nada"
    r"|not (?:me|now|currently|anymore|any more|recently))\b"
)
_NO_STATEMENT = re.compile(
    r"^(?:i (?:do not|don't|have not|haven't|am not|did not|didn't|was not|wasn't|have never|never|have no|take no)"
    r"|i'?m not|i'?ve never|i'?ve not)\b"
)
_YES_WORD = re.compile(
    r"^(?:yes+|yeah|yea|yeh|yep|yup|ya|yah|y|sure|correct|right|affirmative|absolutely|definitely|certainly"
    r"|of course|indeed|true|i think so|probably|i believe so)\b"
)
_YES_STATEMENT = re.compile(r"^(?:i (?:do|am|have|did|was|had|take|use|got|think i)|i'?m|i'?ve|we are)\b")
_FILLER_DETAIL = re.compile(
    r"^(?:i (?:do|am|did|have|had|was|take|use)|i'm|i've|i think so|please|definitely|absolutely|sure"
    r"|of course|indeed|i did yes|i am yes|yes|yeah|correct|thanks|thank you|no|nope|never|none|never ever"
    r"|not really|not at all|not that i know of|i haven't|i don't|i'm not|i am not|i have not|i do not)?$"
)
_SEPARATED = re.compile(r"^\s*(?:[,.;:!\-\u2013\u2014]|but\b)")
_QUESTION_START = re.compile(r"^(?:what|why|how|who|which|can|could|do|does|is|are|should|would|will)\b")
_YES_NO_HELP = "Please answer yes or no. If you're not sure, that's fine: just say \"not sure\"."
_CONTRACTIONS = {
    "dont": "don't", "im": "i'm", "ive": "i've", "didnt": "didn't", "havent": "haven't", "cant": "can't",
    "wasnt": "wasn't", "isnt": "isn't", "doesnt": "doesn't", "arent": "aren't", "hasnt": "hasn't",
}


def _clean_token(token: str) -> str:
    token = token.lower().replace("\u2019", "'").replace("\u2018", "'")
    return _CONTRACTIONS.get(token, token)


def _clean(text: str) -> str:
    """Lower-case, straight apostrophes, single spaces, "dont" -> "don't"; word for word (see _rest)."""
    return " ".join(_clean_token(token) for token in text.split())


def _rest(text: str, consumed: int) -> str:
    """The visitor's original words after the first `consumed` characters of `_clean(text)`."""
    originals = text.split()
    position = 0
    for index, original in enumerate(originals):
        end = position + len(_clean_token(original))
        if consumed <= position:
            return " ".join(originals[index:])
        if consumed < end:
            return " ".join([original[len(original) - (end - consumed):], *originals[index + 1:]])
        position = end + 1
    return ""


def _detail(text: str, consumed: int) -> Optional[str]:
    """The visitor's own words after the yes/no, unless they add nothing ("yeah I am", "no never")."""
    rest = _rest(text, consumed).strip(" \t\n,.;:!-\u2013\u2014")
    rest = re.sub(r"^(?:and|but|it was|it's)\s+", "", rest, flags=re.IGNORECASE).strip()
    words = " ".join(re.sub(r"[^\w' ]+", " ", _clean(rest)).split())
    if len(re.sub(r"[^a-z0-9]", "", words)) < 2 or _FILLER_DETAIL.match(words):
        return None
    return rest[:MAX_DETAIL_CHARS]


def _parse_yes_no(question: Question, text: str) -> Union[ParsedAnswer, AnswerError]:
    cleaned = _clean(text)
    noise = _LEADING_NOISE.match(cleaned)
    start = noise.end() if noise else 0
    body = cleaned[start:]
    answer = None
    consumed = start
    for label, pattern in ((UNSURE, _UNSURE), (NO, _NO), (YES, _YES_WORD)):
        match = pattern.match(body)
        if match:
            answer, consumed = label, start + match.end()
            break
    if answer is None and _NO_STATEMENT.match(body):
        answer, consumed = NO, len(cleaned)  # "I have no allergies": nothing to add
    if answer is None and _YES_STATEMENT.match(body):
        answer = YES  # "I had Dysport in August", "I'm on aspirin": the whole sentence is the detail
    if (answer is None and question.type == YES_NO_DETAIL and len(body) > 3
            and not body.endswith("?") and not _QUESTION_START.match(body)):
        answer = YES  # "Dysport in August" answers "which product, when" by itself
    if answer is None:
        return AnswerError(question.key, _YES_NO_HELP)
    separated = _SEPARATED.match(cleaned[consumed:])
    # "never had a reaction" must not store "had a reaction": after a no, keep only a separate remark
    detail = _detail(text, consumed) if answer == YES or separated else None
    needs_detail = question.type == YES_NO_DETAIL and answer == YES and detail is None
    return ParsedAnswer(question.key, answer, detail, needs_detail, question.stop)


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_PHRASES = {"a couple of": "2", "a couple": "2", "a few": "3", "a dozen": "12", "half a dozen": "6"}
_TENS_WORDS = "|".join(_TENS)
_DIGIT_WORDS = "|".join(list(_UNITS)[1:10])
_UNIT_WORDS = "|".join(sorted(_UNITS, key=len, reverse=True))
_NUMBER_WORDS = re.compile(rf"\b(?:(?:{_TENS_WORDS})(?:[\s-]+(?:{_DIGIT_WORDS}))?|{_UNIT_WORDS})\b")
_RANGE = re.compile(r"(?:between\s+)?(\d+(?:\.\d+)?)\s*(?:-|–|to|or|and)\s*(\d+(?:\.\d+)?)")
_NUMBER = re.compile(r"(-\s*)?(\d+(?:\.\d+)?)")


def _words_to_digits(text: str) -> str:
    for phrase in sorted(_PHRASES, key=len, reverse=True):
        text = re.sub(rf"\b{phrase}\b", _PHRASES[phrase], text)

    def convert(match: re.Match) -> str:
        parts = re.split(r"[\s-]+", match.group())
        return str(sum(_TENS.get(part, _UNITS.get(part, 0)) for part in parts))

    return _NUMBER_WORDS.sub(convert, text)


def _round(value: float) -> int:
    return int(value + 0.5) if value >= 0 else -int(-value + 0.5)


def _parse_number(question: Question, text: str) -> Union[ParsedAnswer, AnswerError]:
    expected = f"Please answer with a number from {question.min} to {question.max}."
    cleaned = _words_to_digits(_clean(text))
    found: Optional[int] = None
    span: Optional[Tuple[int, int]] = None
    ranged = _RANGE.search(cleaned)
    if ranged:
        low, high = sorted((_round(float(ranged.group(1))), _round(float(ranged.group(2)))))
        found, span = _round((low + high) / 2), (low, high)
    else:
        number = _NUMBER.search(cleaned)
        if number:
            found = _round(float(number.group(2))) * (-1 if number.group(1) else 1)
        else:
            for alias in sorted(question.aliases, key=len, reverse=True):
                if re.search(rf"\b{re.escape(alias)}\b", cleaned):
                    found = question.aliases[alias]
                    break
    if found is None:
        return AnswerError(question.key, expected)
    if not question.min <= found <= question.max or (span and not question.min <= span[0] <= span[1] <= question.max):
        return AnswerError(question.key, f"That number doesn't look right. {expected}")
    return ParsedAnswer(question.key, found, stop=question.stop, range=span)


def _choice_list(question: Question) -> str:
    labels = [question.choice_labels.get(value, value) for value in question.choices]
    listed = labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"
    return listed + (" (you can pick more than one)" if question.multiple else "")


_ALL = re.compile(r"^(?:all|everything)$|\b(?:all of them|all of those|all (?:of )?the above|all areas|all over"
                  r"|everywhere(?! else))\b")
_NOT_BEFORE = re.compile(r"\b(?:not|no|except|apart from|other than|but not)\s+(?:(?:my|the|on|in|under)\s+)*$")


def _parse_choice(question: Question, text: str) -> Union[ParsedAnswer, AnswerError]:
    cleaned = re.sub(r"[^\w' ]+", " ", _clean(text).replace("_", " "))
    cleaned = " ".join(cleaned.split())
    if _ALL.search(cleaned):
        chosen = set(question.choices)
    else:
        names = []
        for value in question.choices:
            label = question.choice_labels.get(value, value).lower()
            for name in {label, value.replace("_", " "), *question.choice_words.get(value, ())}:
                names.append((name, value))
        chosen = set()
        remaining = cleaned
        for name, value in sorted(names, key=lambda item: len(item[0]), reverse=True):
            for match in list(re.finditer(rf"\b{re.escape(name)}\b", remaining)):
                if not _NOT_BEFORE.search(remaining[:match.start()]):
                    chosen.add(value)
                remaining = remaining[:match.start()] + " " * len(name) + remaining[match.end():]
    if not chosen:
        return AnswerError(question.key, f"Please choose from: {_choice_list(question)}.")
    if len(chosen) > 1 and not question.multiple:
        return AnswerError(question.key, f"Please choose just one: {_choice_list(question)}.")
    ordered = tuple(value for value in question.choices if value in chosen)
    return ParsedAnswer(question.key, ordered, stop=question.stop)


def parse_answer(question: Question, text: str) -> Union[ParsedAnswer, AnswerError]:
    """Understand a visitor's answer to `question`; an AnswerError says what is expected instead."""
    if text is None or not str(text).strip():
        empty = {NUMBER: f"Please answer with a number from {question.min} to {question.max}.",
                 CHOICE: f"Please choose from: {_choice_list(question)}." if question.choices else ""}
        return AnswerError(question.key, empty.get(question.type) or _YES_NO_HELP)
    if question.type in (YES_NO, YES_NO_DETAIL):
        return _parse_yes_no(question, str(text))
    if question.type == NUMBER:
        return _parse_number(question, str(text))
    return _parse_choice(question, str(text))


def with_detail(question: Question, text: str) -> Union[ParsedAnswer, AnswerError]:
    """The yes (that needed a detail) completed by the visitor's answer to `detail_prompt`."""
    detail = " ".join((text or "").split())
    if len(re.sub(r"[^A-Za-z0-9]", "", detail)) < 2:
        prompt = question.detail_prompt or "Please tell me a little more."
        return AnswerError(question.key, f"Please tell me in a few words. {prompt}")
    return ParsedAnswer(question.key, YES, detail[:MAX_DETAIL_CHARS], False, question.stop)


def answer_from_value(question: Question, value: Mapping[str, Any]) -> ParsedAnswer:
    """Rebuild a ParsedAnswer from its stored `value` (e.g. a slot), to compute flags again later."""
    answer = value["answer"]
    if isinstance(answer, list):
        answer = tuple(answer)
    span = tuple(value["range"]) if value.get("range") else None
    needs = question.type == YES_NO_DETAIL and answer == YES and not value.get("detail")
    return ParsedAnswer(question.key, answer, value.get("detail"), needs, question.stop, span)


# --- what the answers mean -----------------------------------------------------------------------


def flags_for(question: Question, parsed: ParsedAnswer) -> List[str]:
    """Flags for the clinician raised by one answer; 'unsure' counts as yes (the clinician checks it)."""
    if parsed.key != question.key:
        raise ValueError(f"answer for {parsed.key!r} given for question {question.key!r}")
    if question.flag is None:
        return []
    if question.type in (YES_NO, YES_NO_DETAIL):
        raised = parsed.answer in (YES, UNSURE)
    elif question.type == NUMBER:
        raised = question.flag_below is not None and int(parsed.answer) < question.flag_below
    else:
        raised = any(value not in question.flag_unless for value in parsed.answer)
    return [question.flag] if raised else []


def stop_flagged(flag_lists: Iterable[Iterable[str]]) -> bool:
    """True when the stored flags include a stop flag: book a consultation only, no treatment."""
    return any(flag.endswith(STOP_FLAG_SUFFIX) for flags in flag_lists for flag in flags or ())


AnswerLike = Union[ParsedAnswer, Mapping[str, Any]]


def _as_parsed(question: Question, answer: AnswerLike) -> ParsedAnswer:
    return answer if isinstance(answer, ParsedAnswer) else answer_from_value(question, answer)


def consultation_only(answers: Mapping[str, AnswerLike], questions: Optional[Iterable[Question]] = None) -> bool:
    """True when a stop question (the toxin allergy) was answered yes or unsure: book a consultation only.

    `answers` maps question key to ParsedAnswer; stored values (dicts) need `questions` to know the stop items.
    """
    stop_keys = {q.key for q in questions if q.stop} if questions is not None else None
    for key, answer in answers.items():
        if stop_keys is None and not isinstance(answer, ParsedAnswer):
            raise ValueError(f"answer {key!r} is a stored value: pass `questions` to know the stop items")
        is_stop = key in stop_keys if stop_keys is not None else answer.stop
        given = answer.answer if isinstance(answer, ParsedAnswer) else answer.get("answer")
        if is_stop and given in (YES, UNSURE):
            return True
    return False


def summarize(questions: Iterable[Question], answers: Mapping[str, AnswerLike]) -> Dict[str, Any]:
    """The screening outcome as JSON for the intake record: answers, flags in question order, what is left."""
    questions = list(questions)
    flags: List[str] = []
    values: Dict[str, Any] = {}
    missing: List[str] = []
    needs_detail: List[str] = []
    for question in questions:
        if question.key not in answers:
            missing.append(question.key)
            continue
        parsed = _as_parsed(question, answers[question.key])
        values[question.key] = parsed.value
        if parsed.needs_detail:
            needs_detail.append(question.key)
        flags.extend(flag for flag in flags_for(question, parsed) if flag not in flags)
    return {
        "answers": values,
        "flags": flags,
        "consultation_only": consultation_only(answers, questions),
        "missing": missing,
        "needs_detail": needs_detail,
    }
