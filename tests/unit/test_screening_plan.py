"""Grouped screening (bot/domain/screening/plan.py) and the profile's `screening.groups`."""
import copy

import pytest
import yaml

from bot.domain import screening
from bot.domain.errors import ProfileError
from bot.domain.profile import load_profile
from bot.settings import PROJECT_ROOT

PROFILE_PATH = PROJECT_ROOT / "clinic" / "profile.yml"
PROFILE = load_profile(PROFILE_PATH)
GROUPS = PROFILE.screening.groups


def no(key):
    return {"value": {"answer": "no"}, "flags": []}


@pytest.mark.parametrize("concern, turns", [(None, 4), ("migraine", 5), ("sweating", 5), ("acne", 4)])
def test_nothing_to_report_takes_at_most_five_turns(concern, turns):
    questions = screening.questions_for(PROFILE, concern)
    answers, asked = {}, 0
    while (step := screening.next_step(questions, GROUPS, answers)) is not None:
        asked += 1
        assert (step.number, step.total) == (asked, turns)
        answers.update({question.key: no(question.key) for question in step.questions})
    assert asked == turns and set(answers) == {question.key for question in questions}


def test_an_expanded_group_is_asked_one_by_one_and_keeps_its_number():
    questions = screening.questions_for(PROFILE, None)
    answers = {screening.GROUP_ENTRY + GROUPS[0].key: {"expanded": True}}
    step = screening.next_step(questions, GROUPS, answers)
    assert not step.is_group and step.item.key == "toxin_allergy" and step.number == 1
    answers["toxin_allergy"] = no("toxin_allergy")
    assert screening.next_step(questions, GROUPS, answers).item.key == "neuromuscular_disease"


def test_a_group_with_one_answer_already_asks_the_rest_together():
    questions = screening.questions_for(PROFILE, None)
    step = screening.next_step(questions, GROUPS, {"toxin_allergy": no("toxin_allergy")})
    assert step.is_group and [q.key for q in step.questions] == [
        "neuromuscular_disease", "swallowing_breathing", "bleeding"]


def raw_profile():
    return copy.deepcopy(yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))["screening"])


@pytest.mark.parametrize("change, message", [
    (lambda raw: raw["groups"][0].update(questions=["toxin_allergy"]), "two or more"),
    (lambda raw: raw["groups"][1]["questions"].append("bleeding"), "already in group"),
    (lambda raw: raw["groups"][0]["questions"].append("no_such_question"), "not a general yes/no question"),
    (lambda raw: raw["general"][0].pop("short"), "needs a `short` wording"),
])
def test_bad_groups_are_refused_naming_the_key(change, message):
    raw = raw_profile()
    change(raw)
    with pytest.raises(ProfileError) as error:
        screening.validate_screening(raw)
    assert message in str(error.value) and "screening" in str(error.value)
