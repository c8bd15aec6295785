"""Screening questions from the clinic profile (bot/screening.py + `screening:` in clinic/profile.yml)."""
from __future__ import annotations

import copy
import json

import pytest
import yaml

from bot.domain.concerns import CONCERN_KEYS
from bot.domain.errors import ProfileError
from bot.domain.screening import (
    CHOICE,
    NUMBER,
    TYPES,
    YES_NO,
    YES_NO_DETAIL,
    AnswerError,
    ParsedAnswer,
    answer_from_value,
    consultation_only,
    flags_for,
    load_questions,
    parse_answer,
    questions_for,
    stop_flagged,
    summarize,
    validate_screening,
    with_detail,
)
from bot.settings import PROJECT_ROOT

GENERAL_KEYS = [
    "toxin_allergy", "infection_at_site", "pregnancy", "neuromuscular_disease", "swallowing_breathing",
    "bleeding", "recent_toxin", "aminoglycoside", "relaxant_allergy_sleep_meds", "surgery", "drooping_now",
    "previous_side_effect",
]
GENERAL_FLAGS = [
    "allergy_stop", "infection", "pregnancy", "neuromuscular_high_priority", "breathing_swallowing",
    "bleeding_risk", "recent_toxin", "aminoglycoside", "record", "record", "record", "record",
]


def profile_yaml():
    """The profile file as data, as validate_screening receives it."""
    return yaml.safe_load((PROJECT_ROOT / "clinic" / "profile.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def questions(profile):
    everything = questions_for(profile, None)
    for concern in CONCERN_KEYS:
        everything += questions_for(profile, concern)[len(load_questions(profile)):]
    return {question.key: question for question in everything}


def _ok(question, text):
    parsed = parse_answer(question, text)
    assert isinstance(parsed, ParsedAnswer), parsed
    return parsed


# --- the questions -------------------------------------------------------------------------------


def test_all_twelve_general_questions_load_in_order(profile):
    general = load_questions(profile)
    assert [q.key for q in general] == GENERAL_KEYS
    assert [q.flag for q in general] == GENERAL_FLAGS
    for question in general:
        assert question.type in TYPES and question.text.strip() and question.concern is None
        if question.type == YES_NO_DETAIL:
            assert question.detail_prompt


def test_only_the_allergy_question_stops_booking(profile):
    assert [q.key for q in load_questions(profile) if q.stop] == ["toxin_allergy"]
    assert "albumin" in load_questions(profile)[0].text


def test_texts_follow_clinical_safety(profile):
    texts = {q.key: q.text.lower() for q in load_questions(profile)}
    assert "4 months" in texts["recent_toxin"]
    for drug in ("gentamicin", "tobramycin", "neomycin", "amikacin"):
        assert drug in texts["aminoglycoside"]
    for disease in ("als", "myasthenia gravis", "lambert-eaton"):
        assert disease in texts["neuromuscular_disease"]
    assert "breastfeeding" in texts["pregnancy"]


@pytest.mark.parametrize("concern,extra", [
    ("migraine", ["headache_days"]),
    ("clenching", ["night_guard"]),
    ("sweating", ["sweating_areas"]),
    ("acne", []),
    (None, []),
])
def test_concern_extras_follow_the_general_questions(profile, concern, extra):
    assert [q.key for q in questions_for(profile, concern)] == GENERAL_KEYS + extra


def test_concern_extra_definitions(questions):
    days = questions["headache_days"]
    assert (days.type, days.min, days.max, days.flag_below, days.flag) == (NUMBER, 0, 31, 15, "below_chronic_threshold")
    assert days.concern == "migraine"
    guard = questions["night_guard"]
    assert (guard.type, guard.flag) == (YES_NO, "record")
    areas = questions["sweating_areas"]
    assert areas.type == CHOICE and areas.multiple
    assert areas.choices == ("underarms", "palms", "feet", "back_of_knees", "other")
    assert areas.choice_labels["back_of_knees"] == "Back of knees"
    assert "armpits" in areas.choice_words["underarms"]
    assert len({days, guard, areas}) == 3  # questions are hashable
    assert (areas.flag_unless, areas.flag) == (("underarms",), "off_label_area")


def test_unknown_concern_is_an_error(profile):
    with pytest.raises(ValueError):
        questions_for(profile, "hair_loss")


def test_whole_profile_or_section_validate_the_same(profile):
    raw = profile_yaml()
    assert validate_screening(raw) == validate_screening(raw["screening"])


# --- yes / no ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,answer", [
    ("yes", "yes"), ("Yes!", "yes"), ("yep", "yes"), ("yeah I am", "yes"), ("y", "yes"), ("Y", "yes"),
    ("sure", "yes"), ("I am", "yes"), ("I'm breastfeeding", "yes"), ("um, yes", "yes"),
    ("no", "no"), ("nope", "no"), ("No.", "no"), ("no never", "no"), ("n", "no"), ("nah", "no"),
    ("not that I know of", "no"), ("never had a reaction", "no"), ("I don't think so", "no"),
    ("I am not", "no"), ("i dont", "no"), ("I have no allergies", "no"), ("none", "no"),
    ("not sure", "unsure"), ("I'm not sure", "unsure"), ("i dont know", "unsure"), ("maybe", "unsure"),
    ("no idea", "unsure"),
])
def test_yes_no_words(questions, text, answer):
    parsed = _ok(questions["pregnancy"], text)
    assert parsed.answer == answer and parsed.value["answer"] == answer
    assert not parsed.needs_detail


@pytest.mark.parametrize("text", ["banana", "what do you mean?", "", "   ", "ok"])
def test_yes_no_not_understood(questions, text, wording):
    error = parse_answer(questions["pregnancy"], text)
    assert isinstance(error, AnswerError) and error.key == "pregnancy"
    assert error.render(wording).startswith("Please answer yes or no.")


def test_yes_no_keeps_a_separate_remark_as_detail(questions):
    assert _ok(questions["pregnancy"], "No, but we're trying next year").value == {
        "answer": "no", "detail": "we're trying next year"}
    assert _ok(questions["toxin_allergy"], "never had a reaction").value == {"answer": "no"}
    assert _ok(questions["bleeding"], "yes, I take aspirin daily").value == {
        "answer": "yes", "detail": "I take aspirin daily"}


def test_yes_no_flags(questions):
    q = questions["neuromuscular_disease"]
    assert flags_for(q, _ok(q, "yes")) == ["neuromuscular_high_priority"]
    assert flags_for(q, _ok(q, "not sure")) == ["neuromuscular_high_priority"]
    assert flags_for(q, _ok(q, "no")) == []
    guard = questions["night_guard"]
    assert flags_for(guard, _ok(guard, "yes I wear one every night")) == ["record"]


def test_flags_for_checks_the_question(questions):
    with pytest.raises(ValueError):
        flags_for(questions["pregnancy"], _ok(questions["bleeding"], "yes"))


# --- yes / no with detail ------------------------------------------------------------------------


@pytest.mark.parametrize("text,detail", [
    ("yes, Dysport in August", "Dysport in August"),
    ("Yes - Xeomin, 2 months ago", "Xeomin, 2 months ago"),
    ("I had Dysport in August", "I had Dysport in August"),
    ("Dysport in August", "Dysport in August"),
])
def test_yes_with_detail(questions, text, detail):
    parsed = _ok(questions["recent_toxin"], text)
    assert parsed.value == {"answer": "yes", "detail": detail}
    assert not parsed.needs_detail
    assert flags_for(questions["recent_toxin"], parsed) == ["recent_toxin"]


@pytest.mark.parametrize("text", ["yes", "yeah I did", "yep!"])
def test_plain_yes_needs_detail(questions, text, wording):
    question = questions["recent_toxin"]
    parsed = _ok(question, text)
    assert parsed.needs_detail and parsed.value == {"answer": "yes"}
    error = with_detail(question, "  ")
    assert isinstance(error, AnswerError) and question.detail_prompt in error.render(wording)
    completed = with_detail(question, "Botox, in March")
    assert completed.value == {"answer": "yes", "detail": "Botox, in March"} and not completed.needs_detail


def test_no_to_a_detail_question_needs_nothing_more(questions):
    parsed = _ok(questions["recent_toxin"], "no")
    assert not parsed.needs_detail and flags_for(questions["recent_toxin"], parsed) == []


def test_question_instead_of_answer_is_not_a_detail(questions):
    assert isinstance(parse_answer(questions["recent_toxin"], "why do you need this"), AnswerError)


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,number", [
    ("18", 18), ("about 20", 20), ("twenty", 20), ("15 days", 15), ("twenty-five", 25), ("twenty five", 25),
    ("every day", 30), ("none", 0), ("zero", 0), ("a couple of days", 2), ("roughly 14 a month", 14),
])
def test_numbers(questions, text, number):
    parsed = _ok(questions["headache_days"], text)
    assert parsed.answer == number and parsed.value == {"answer": number}


def test_number_range_keeps_both_ends(questions):
    parsed = _ok(questions["headache_days"], "between 10 and 20")
    assert parsed.value == {"answer": 15, "range": [10, 20]}
    assert _ok(questions["headache_days"], "10-15").value == {"answer": 13, "range": [10, 15]}


@pytest.mark.parametrize("text,flags", [
    ("14", ["below_chronic_threshold"]), ("0", ["below_chronic_threshold"]), ("15", []), ("31", []),
])
def test_headache_days_below_chronic_threshold(questions, text, flags):
    question = questions["headache_days"]
    assert flags_for(question, _ok(question, text)) == flags


@pytest.mark.parametrize("text,message", [
    ("45", "That number doesn't look right. Please answer with a number from 0 to 31."),
    ("-3", "That number doesn't look right. Please answer with a number from 0 to 31."),
    ("lots", "Please answer with a number from 0 to 31."),
    ("", "Please answer with a number from 0 to 31."),
])
def test_number_errors(questions, text, message, wording):
    error = parse_answer(questions["headache_days"], text)
    assert isinstance(error, AnswerError) and error.render(wording) == message


# --- choices -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,values", [
    ("my armpits and hands", ["underarms", "palms"]),
    ("Underarms", ["underarms"]),
    ("under my arms", ["underarms"]),
    ("back of my knees", ["back_of_knees"]),
    ("my back and feet", ["feet", "other"]),
    ("palms, soles", ["palms", "feet"]),
    ("not my feet, just underarms", ["underarms"]),
    ("back_of_knees", ["back_of_knees"]),
    ("all of the above", ["underarms", "palms", "feet", "back_of_knees", "other"]),
])
def test_choices_by_words(questions, text, values):
    assert _ok(questions["sweating_areas"], text).value == {"answer": values}


@pytest.mark.parametrize("text,flags", [
    ("armpits", []),
    ("armpits and palms", ["off_label_area"]),
    ("my feet", ["off_label_area"]),
])
def test_off_label_area_flag(questions, text, flags):
    question = questions["sweating_areas"]
    assert flags_for(question, _ok(question, text)) == flags


def test_choice_error_lists_the_choices(questions, wording):
    error = parse_answer(questions["sweating_areas"], "I don't know")
    assert isinstance(error, AnswerError)
    assert error.render(wording) == ("Please choose from: Underarms, Palms, Feet, Back of knees or Other "
                             "(you can pick more than one).")


# --- the outcome ---------------------------------------------------------------------------------


def test_consultation_only_when_the_stop_item_is_yes(profile, questions):
    allergy = questions["toxin_allergy"]
    assert consultation_only({"toxin_allergy": _ok(allergy, "yes")}) is True
    assert consultation_only({"toxin_allergy": _ok(allergy, "not sure")}) is True
    assert consultation_only({"toxin_allergy": _ok(allergy, "no")}) is False
    assert consultation_only({"pregnancy": _ok(questions["pregnancy"], "yes")}) is False
    stored = {"toxin_allergy": {"answer": "yes"}}
    assert consultation_only(stored, load_questions(profile)) is True
    with pytest.raises(ValueError):
        consultation_only(stored)


def test_stop_flagged_reads_stored_flags(profile, questions):
    stored = [flags_for(q, _ok(q, "yes")) for q in load_questions(profile)]
    assert stop_flagged(stored) is True
    assert stop_flagged(stored[1:]) is False
    assert stop_flagged([[], None, ["record"]]) is False


def test_values_are_json_and_round_trip(questions):
    for key, text in [("recent_toxin", "yes, Dysport in August"), ("headache_days", "10-15"),
                      ("sweating_areas", "hands and feet"), ("pregnancy", "no")]:
        parsed = _ok(questions[key], text)
        stored = json.loads(json.dumps(parsed.value))
        assert answer_from_value(questions[key], stored) == parsed


def test_summarize(profile, questions):
    asked = questions_for(profile, "migraine")
    answers = {q.key: _ok(q, "no") for q in asked if q.type != NUMBER}
    answers["toxin_allergy"] = _ok(questions["toxin_allergy"], "yes")
    answers["recent_toxin"] = _ok(questions["recent_toxin"], "yes")
    answers["headache_days"] = {"answer": 8}  # a stored value works as well
    del answers["surgery"]
    summary = summarize(asked, answers)
    assert summary["flags"] == ["allergy_stop", "recent_toxin", "below_chronic_threshold"]
    assert summary["consultation_only"] is True
    assert summary["missing"] == ["surgery"]
    assert summary["needs_detail"] == ["recent_toxin"]
    assert summary["answers"]["headache_days"] == {"answer": 8}
    json.dumps(summary)


# --- a bad profile -------------------------------------------------------------------------------


def _screening_raw(profile):
    return copy.deepcopy(profile_yaml()["screening"])


@pytest.mark.parametrize("mutate,key", [
    (lambda s: s["general"][3].__setitem__("type", "free_text"), "screening.general[3].type"),
    (lambda s: s["general"][0].__setitem__("text", ""), "screening.general[0].text"),
    (lambda s: s["general"][2].pop("key"), "screening.general[2].key"),
    (lambda s: s["general"][5].__setitem__("key", "toxin_allergy"), "screening.general[5].key"),
    (lambda s: s["general"][1].__setitem__("stop", "yes"), "screening.general[1].stop"),
    (lambda s: s["general"][4].__setitem__("flg", "x"), "screening.general[4].flg"),
    (lambda s: s["general"][6].pop("detail_prompt"), "screening.general[6].detail_prompt"),
    (lambda s: s["general"][7].__setitem__("flag", "Bad Flag"), "screening.general[7].flag"),
    (lambda s: s.__setitem__("general", []), "screening.general"),
    (lambda s: s.__setitem__("extras", {}), "screening.extras"),
    (lambda s: s["concerns"].__setitem__("hair_loss", []), "screening.concerns.hair_loss"),
    (lambda s: s["concerns"]["migraine"][0].__setitem__("max", -1), "screening.concerns.migraine[0].max"),
    (lambda s: s["concerns"]["migraine"][0].__setitem__("min", "0"), "screening.concerns.migraine[0].min"),
    (lambda s: s["concerns"]["migraine"][0].__setitem__("flag_below", 99),
     "screening.concerns.migraine[0].flag_below"),
    (lambda s: s["concerns"]["migraine"][0]["aliases"].__setitem__("daily", 99),
     "screening.concerns.migraine[0].aliases.daily"),
    (lambda s: s["concerns"]["sweating"][0].__setitem__("flag_unless", ["elbows"]),
     "screening.concerns.sweating[0].flag_unless"),
    (lambda s: s["concerns"]["sweating"][0]["choices"][1].__setitem__("value", "underarms"),
     "screening.concerns.sweating[0].choices[1].value"),
    (lambda s: s["concerns"]["sweating"][0].__setitem__("stop", True), "screening.concerns.sweating[0].stop"),
    (lambda s: s["general"][0].__setitem__("flag", "allergy"), "screening.general[0].flag"),
    (lambda s: s["general"][2].__setitem__("flag", "pregnancy_stop"), "screening.general[2].flag"),
])
def test_bad_profile_names_the_key(profile, mutate, key):
    raw = _screening_raw(profile)
    mutate(raw)
    with pytest.raises(ProfileError) as error:
        validate_screening(raw)
    assert error.value.key == key
    assert key in str(error.value)


def test_missing_screening_section():
    with pytest.raises(ProfileError) as error:
        load_questions({"clinic": {}})
    assert error.value.key == "screening"
