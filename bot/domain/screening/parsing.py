"""Understanding a visitor's free-text answer to a screening question ("yep", "no never", "about 20",
"my armpits and hands") as a JSON-serialisable value."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple, Union

from bot.domain.screening.questions import CHOICE, NUMBER, YES_NO, YES_NO_DETAIL, Question

MAX_DETAIL_CHARS = 500
YES, NO, UNSURE = "yes", "no", "unsure"
UNCLEAR = "unclear"  # not understood after asking again: stored with the visitor's words, flagged

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
    """The answer was not understood. `reason` is the wording-catalog entry that tells the visitor
    what is expected (screening.<reason>), with `values` for its placeholders; `choices` are the
    labels to list for a choice question."""

    key: str
    reason: str
    values: Mapping[str, Any] = field(default_factory=dict)
    choices: Tuple[str, ...] = ()
    multiple: bool = False

    def render(self, wording: Any) -> str:
        """The message in the catalog's language."""
        values = dict(self.values)
        if self.choices:
            listed = (self.choices[0] if len(self.choices) == 1 else
                      f"{', '.join(self.choices[:-1])} {wording.text('screening.or')} {self.choices[-1]}")
            values["choices"] = listed + (" " + wording.text("screening.pick_several") if self.multiple else "")
        if "prompt" in values and values["prompt"] is None:
            values["prompt"] = wording.text("screening.more_detail")
        return wording.text(f"screening.{self.reason}", **values)



# --- understanding answers -----------------------------------------------------------------------

_LEADING_NOISE = re.compile(
    r"^(?:(?:um+|uh+|erm*|hmm+|well|oh|ah|ok|okay|so|hi|hello|honestly|actually|lol|again"
    r"|(?:like |as )?i (?:already )?(?:told you|said|mentioned)(?: (?:before|earlier|already))?"
    r"|like i said|as i said)\b[\s,.!:-]*(?:that\b\s*)?)+")
# A negation anywhere: such a reply is never read as a silent "yes" (asked again instead).
_NEGATION = re.compile(r"\b(?:no|not|never|none|nothing|nope|nah)\b|n't\b")
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
            and not body.endswith("?") and not _QUESTION_START.match(body) and not _NEGATION.search(body)):
        answer = YES  # "Dysport in August" answers "which product, when" by itself
    if answer is None:
        return AnswerError(question.key, "yes_no_help")
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
    bounds = {"min": question.min, "max": question.max}
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
        return AnswerError(question.key, "number_expected", bounds)
    if not question.min <= found <= question.max or (span and not question.min <= span[0] <= span[1] <= question.max):
        return AnswerError(question.key, "number_wrong", bounds)
    return ParsedAnswer(question.key, found, stop=question.stop, range=span)


def _choice_error(question: Question, reason: str) -> AnswerError:
    labels = tuple(question.choice_labels.get(value, value) for value in question.choices)
    return AnswerError(question.key, reason, choices=labels, multiple=question.multiple)


_ALL = re.compile(r"^(?:all|everything)$|\b(?:all of them|all of those|all (?:of )?the above|all areas|all over"
                  r"|everywhere(?! else))\b")
_NOT_BEFORE = re.compile(r"\b(?:not|no|except|apart from|other than|but not)\s+(?:(?:my|the|on|in|under)\s+)*$")


def named_choices(question: Question, text: str) -> Tuple[str, ...]:
    """The choices the text names by their words ("my palms and my feet"), in the question's
    order; a choice denied ("not my feet") is left out."""
    cleaned = " ".join(re.sub(r"[^\w' ]+", " ", _clean(text).replace("_", " ")).split())
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
    return tuple(value for value in question.choices if value in chosen)


def _parse_choice(question: Question, text: str) -> Union[ParsedAnswer, AnswerError]:
    cleaned = " ".join(re.sub(r"[^\w' ]+", " ", _clean(text).replace("_", " ")).split())
    chosen = question.choices if _ALL.search(cleaned) else named_choices(question, text)
    if not chosen:
        return _choice_error(question, "choose_from")
    if len(chosen) > 1 and not question.multiple:
        return _choice_error(question, "choose_one")
    return ParsedAnswer(question.key, tuple(chosen), stop=question.stop)


def parse_answer(question: Question, text: str) -> Union[ParsedAnswer, AnswerError]:
    """Understand a visitor's answer to `question`; an AnswerError says what is expected instead."""
    if text is None or not str(text).strip():
        if question.type == NUMBER:
            return AnswerError(question.key, "number_expected", {"min": question.min, "max": question.max})
        if question.type == CHOICE and question.choices:
            return _choice_error(question, "choose_from")
        return AnswerError(question.key, "yes_no_help")
    if question.type in (YES_NO, YES_NO_DETAIL):
        return _parse_yes_no(question, str(text))
    if question.type == NUMBER:
        return _parse_number(question, str(text))
    return _parse_choice(question, str(text))


def unclear_answer(question: Question, text: str) -> ParsedAnswer:
    """A reply that was neither yes nor no, twice: kept in the visitor's words for the clinician."""
    detail = " ".join((text or "").split())[:MAX_DETAIL_CHARS] or None
    return ParsedAnswer(question.key, UNCLEAR, detail, False, question.stop)


def with_detail(question: Question, text: str) -> Union[ParsedAnswer, AnswerError]:
    """The yes (that needed a detail) completed by the visitor's answer to `detail_prompt`."""
    detail = " ".join((text or "").split())
    if len(re.sub(r"[^A-Za-z0-9]", "", detail)) < 2:
        return AnswerError(question.key, "detail_in_words", {"prompt": question.detail_prompt})
    return ParsedAnswer(question.key, YES, detail[:MAX_DETAIL_CHARS], False, question.stop)


def answer_from_value(question: Question, value: Mapping[str, Any]) -> ParsedAnswer:
    """Rebuild a ParsedAnswer from its stored `value` (e.g. a slot), to compute flags again later."""
    answer = value["answer"]
    if isinstance(answer, list):
        answer = tuple(answer)
    span = tuple(value["range"]) if value.get("range") else None
    needs = question.type == YES_NO_DETAIL and answer == YES and not value.get("detail")
    return ParsedAnswer(question.key, answer, value.get("detail"), needs, question.stop, span)

