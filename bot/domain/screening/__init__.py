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
from bot.domain.screening.plan import GROUP_ENTRY, Step, next_step
from bot.domain.screening.questions import (
    CHOICE,
    NUMBER,
    STOP_FLAG_SUFFIX,
    TYPES,
    YES_NO,
    YES_NO_DETAIL,
    Group,
    Question,
    Screening,
    load_questions,
    questions_for,
    validate_screening,
)

__all__ = [
    "CHOICE", "GROUP_ENTRY", "MAX_DETAIL_CHARS", "NO", "NUMBER", "STOP_FLAG_SUFFIX", "TYPES", "UNCLEAR",
    "UNCLEAR_FLAG", "UNSURE", "YES", "YES_NO", "YES_NO_DETAIL", "AnswerError", "Group", "ParsedAnswer", "Question",
    "Screening", "Step", "answer_from_value", "consultation_only", "flags_for", "load_questions", "next_step",
    "parse_answer", "questions_for", "remembered", "stop_flagged", "summarize", "unclear_answer",
    "validate_screening", "with_detail",
]
