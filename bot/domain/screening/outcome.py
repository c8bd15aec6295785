"""What screening answers mean: the flags they raise for the clinician and whether booking stops."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Union

from bot.domain.screening.parsing import UNCLEAR, UNSURE, YES, ParsedAnswer, answer_from_value
from bot.domain.screening.questions import NUMBER, STOP_FLAG_SUFFIX, YES_NO, YES_NO_DETAIL, Question

UNCLEAR_FLAG = "unclear_answer"  # the clinician should ask: the visitor's words are the detail

# --- what the answers mean -----------------------------------------------------------------------


def flags_for(question: Question, parsed: ParsedAnswer) -> List[str]:
    """Flags for the clinician raised by one answer; 'unsure' and 'unclear' count as yes (the
    clinician checks them), and 'unclear' is flagged as such."""
    if parsed.key != question.key:
        raise ValueError(f"answer for {parsed.key!r} given for question {question.key!r}")
    if parsed.answer == UNCLEAR:
        return [question.flag, UNCLEAR_FLAG] if question.flag else [UNCLEAR_FLAG]
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
        if is_stop and given in (YES, UNSURE, UNCLEAR):
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

