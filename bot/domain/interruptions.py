"""Is a message typed into a form an answer, or the visitor asking something else?

Forms take free text (names, phone numbers, times), and the intent classifier often reads a name
as something else ("Sam Park" as a parking question). So a form treats every message as its
answer unless the message also *looks* like the interruption the classifier saw: a question
that reads as a question, or a concern the lexicon recognises. Red flags and "talk to a person"
never reach this point: the forms refuse them and the rules take over.
"""
from __future__ import annotations

import re
from typing import Optional

from bot.domain.answers import QUESTION_INTENTS

QUESTION_CONFIDENCE = 0.6
_QUESTION_OPENERS = re.compile(
    r"^\s*(how|what|whats|what's|when|where|why|which|who|is|are|can|could|do|does|did|will|would|"
    r"should|may|might|am|any|tell me)\b",
    re.IGNORECASE,
)


def looks_like_question(text: str) -> bool:
    return "?" in text or bool(_QUESTION_OPENERS.match(text))


def interruption_kind(text: str, intent: Optional[str], confidence: float, names_a_concern: bool) -> Optional[str]:
    """'question', 'bot' or 'concern' when the message interrupts the form; None for an answer."""
    if intent in QUESTION_INTENTS and confidence >= QUESTION_CONFIDENCE and looks_like_question(text):
        return "question"
    if intent == "bot_challenge" and confidence >= QUESTION_CONFIDENCE and looks_like_question(text):
        return "bot"
    if names_a_concern and intent and (intent.startswith("concern_") or intent == "choose_concern"):
        return "concern"
    return None
