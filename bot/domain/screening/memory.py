"""Screening facts the visitor already told: "I'm breastfeeding" or "about 16 headache days a month"
in an earlier message answers that question, so it is confirmed, not asked again. A sentence about
someone else ("my sister is pregnant") answers nothing.

The words are the profile's (`remember:` on a question): yes/no questions list phrases that mean
yes ("breastfeeding"); a negation just before the phrase ("not pregnant") means no. Number
questions list patterns whose one group is the number. Choice questions list the choices whose
words count ("my underarms sweat like crazy" answers where), gathered over every message. A yes/no question with
`remember_within_days` ("Botox in the last 4 months") needs a time with the words: "Dysport six
weeks ago" is a yes, "Botox two years ago" a no, and "I've had Botox before" answers nothing.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from bot.domain.screening.parsing import NO, YES, ParsedAnswer, _words_to_digits, named_choices
from bot.domain.screening.questions import CHOICE, NUMBER, Question

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_SOMEONE_ELSE = re.compile(
    r"\b(?:my|her|his|our|a)\s+(?:sister|friend|wife|daughter|mom|mum|mother|cousin|partner|girlfriend"
    r"|colleague|coworker|neighbou?r|aunt|niece|husband|boyfriend|son|dad|father|brother)\b|\b(?:she|he)\s+(?:is|was|takes|has)\b",
    re.IGNORECASE)
_NEGATED_BEFORE = re.compile(r"(?:\b(?:not|no|never|nor)|n't)\s+(?:\w+\s+){0,2}$")
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_AGO = re.compile(r"\b(\d+|a|an)\s+(day|week|month|year)s?\s+(?:ago|back)\b")
_LAST = re.compile(r"\b(?:last|past|this)\s+(week|month|year)\b")


def _sentences(text: str) -> Iterable[str]:
    for match in _SENTENCE.finditer(text or ""):
        sentence = " ".join(match.group(0).split())
        if sentence:
            yield sentence


def days_ago(sentence: str) -> Optional[int]:
    """How long ago the sentence says something happened ("six weeks ago": 42), or None."""
    lowered = _words_to_digits(sentence.lower())
    match = _AGO.search(lowered)
    if match:
        count = 1 if match.group(1) in ("a", "an") else int(match.group(1))
        return count * _UNIT_DAYS[match.group(2)]
    if re.search(r"\b(?:yesterday|today|this morning|last night)\b", lowered):
        return 1
    match = _LAST.search(lowered)
    return _UNIT_DAYS[match.group(1)] if match else None


def _yes_no(question: Question, sentence: str) -> Optional[ParsedAnswer]:
    lowered = sentence.lower().replace("\u2019", "'")
    for phrase in question.remember:
        for match in re.finditer(rf"\b{re.escape(phrase)}\b", lowered):
            if _NEGATED_BEFORE.search(lowered[:match.start()]):
                return ParsedAnswer(question.key, NO, sentence, stop=question.stop)
            if question.remember_within_days is None:
                return ParsedAnswer(question.key, YES, sentence, stop=question.stop)
            ago = days_ago(sentence)
            if ago is None:
                return None
            answer = YES if ago <= question.remember_within_days else NO
            return ParsedAnswer(question.key, answer, sentence, stop=question.stop)
    return None


def _number(question: Question, sentence: str) -> Optional[ParsedAnswer]:
    lowered = _words_to_digits(sentence.lower())
    for pattern in question.remember:
        match = re.search(pattern, lowered)
        if match:
            value = int(float(match.group(1)) + 0.5)
            if question.min <= value <= question.max:
                return ParsedAnswer(question.key, value, sentence, stop=question.stop)
    return None


def _choices(question: Question, sentences: Iterable[str]) -> Optional[ParsedAnswer]:
    chosen, said = set(), []
    for sentence in sentences:
        named = set(named_choices(question, sentence)) & set(question.remember)
        if named and (question.multiple or not chosen):
            chosen |= named if question.multiple else {sorted(named)[0]}
            said.append(sentence)
    if not chosen:
        return None
    ordered = tuple(value for value in question.choices if value in chosen)
    return ParsedAnswer(question.key, ordered, " ".join(said), stop=question.stop)


def remembered(question: Question, messages: Iterable[str]) -> Optional[ParsedAnswer]:
    """The answer the visitor's earlier messages give to `question` (the latest wins; a choice
    question's choices add up), or None."""
    if not question.remember:
        return None
    own = [sentence for message in messages for sentence in _sentences(message)
           if not _SOMEONE_ELSE.search(sentence)]  # "my sister is pregnant" is not the visitor's answer
    if question.type == CHOICE:
        return _choices(question, own)
    found = None
    for sentence in own:
        answer = _number(question, sentence) if question.type == NUMBER else _yes_no(question, sentence)
        found = answer or found
    return found
