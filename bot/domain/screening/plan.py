"""What the screening asks next: a group of questions at once ("Does any of these apply to you?",
answered "none of these" in one turn) or a single question, with its place ("2 of 5").

A group is asked as a group (its questions still without an answer) until the visitor answers it
with anything but a plain no; after that its questions are asked one by one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence, Union

from bot.domain.screening.questions import Group, Question

GROUP_ENTRY = "group:"  # screening_answers key prefix of a group answered with more than a no


@dataclass(frozen=True)
class Step:
    item: Union[Group, Question]
    questions: Sequence[Question]  # the questions this step asks (one, or the group's)
    number: int  # 1-based place among the steps
    total: int

    @property
    def is_group(self) -> bool:
        return isinstance(self.item, Group)


def _answered(answers: Mapping[str, Any], key: str) -> bool:
    return "value" in (answers.get(key) or {})


def steps(questions: Sequence[Question], groups: Sequence[Group]) -> List[List[Question]]:
    """The questions in asking order, the members of a group together at its first member's place."""
    group_of = {key: group for group in groups for key in group.questions}
    by_key = {question.key: question for question in questions}
    result: List[List[Question]] = []
    placed = set()
    for question in questions:
        group = group_of.get(question.key)
        if group is None:
            result.append([question])
        elif group.key not in placed:
            placed.add(group.key)
            result.append([by_key[key] for key in group.questions if key in by_key])
    return result


def next_step(questions: Sequence[Question], groups: Sequence[Group],
              answers: Mapping[str, Any]) -> Optional[Step]:
    """The next thing to ask, or None when every question has an answer."""
    planned = steps(questions, groups)
    group_of = {key: group for group in groups for key in group.questions}
    for number, members in enumerate(planned, start=1):
        open_questions = [question for question in members if not _answered(answers, question.key)]
        if not open_questions:
            continue
        group = group_of.get(members[0].key) if len(members) > 1 else None
        if group is not None and len(open_questions) > 1 and not answers.get(GROUP_ENTRY + group.key):
            return Step(group, open_questions, number, len(planned))
        return Step(open_questions[0], [open_questions[0]], number, len(planned))
    return None
