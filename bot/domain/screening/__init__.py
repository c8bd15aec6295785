"""Pre-booking screening (clinical-safety.md): the questions of the clinic profile (questions),
reading the visitor's answers (parsing) and what they mean for the clinician (outcome)."""
from bot.domain.screening.memory import remembered
from bot.domain.screening.outcome import UNCLEAR_FLAG, consultation_only, flags_for, stop_flagged, summarize
from bot.domain.screening.parsing import (
    MAX_DETAIL_CHARS,
    NO,
    UNCLEAR,
    UNSURE,
    YES,
    AnswerError,
    ParsedAnswer,
    answer_from_value,
    parse_answer,
    unclear_answer,
    with_detail,
)
from bot.domain.screening.questions import (
    CHOICE,
    NUMBER,
    STOP_FLAG_SUFFIX,
    TYPES,
    YES_NO,
    YES_NO_DETAIL,
    Question,
    Screening,
    load_questions,
    questions_for,
    validate_screening,
)

__all__ = [
    "CHOICE", "MAX_DETAIL_CHARS", "NO", "NUMBER", "STOP_FLAG_SUFFIX", "TYPES", "UNCLEAR", "UNCLEAR_FLAG", "UNSURE",
    "YES", "YES_NO", "YES_NO_DETAIL", "AnswerError", "ParsedAnswer", "Question", "Screening", "answer_from_value",
    "consultation_only", "flags_for", "load_questions", "parse_answer", "questions_for", "remembered",
    "stop_flagged", "summarize", "unclear_answer", "validate_screening", "with_detail",
]
