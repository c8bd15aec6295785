"""Answers composed from the profile (bot/answers.py) and reading the visitor's concern (bot/concerns.py)."""
from __future__ import annotations

import pytest

from bot.domain.answers import ANSWERS, QUESTION_INTENTS, answer_question, explain_concern
from bot.domain.concerns import CONCERN_KEYS, MIN_INTENT_CONFIDENCE, read_concern

# The intents the domain lists as questions (domain.yml): every one has an answer.
DOMAIN_QUESTION_INTENTS = [
    "ask_how_it_works", "ask_duration", "ask_onset", "ask_units", "ask_pain", "ask_side_effects",
    "ask_safety", "ask_pregnancy", "ask_cost", "ask_consultation", "ask_same_day", "ask_hours",
    "ask_location", "ask_label_status",
]
CONCERNS_AND_NONE = [None, *CONCERN_KEYS]


def test_every_question_intent_has_an_answer():
    assert sorted(QUESTION_INTENTS) == sorted(DOMAIN_QUESTION_INTENTS)
    assert set(ANSWERS) == set(QUESTION_INTENTS)


@pytest.mark.parametrize("concern", CONCERNS_AND_NONE)
@pytest.mark.parametrize("intent", DOMAIN_QUESTION_INTENTS)
def test_every_answer_is_profile_text_without_prices(profile, intent, concern, wording):
    answer = answer_question(profile, wording, intent, concern)
    assert isinstance(answer, str) and len(answer) > 20
    assert "$" not in answer  # never a price
    assert "None" not in answer  # a missing optional fact never leaks as "None"


# --- one answer per intent, each built from its profile field ------------------------------------


@pytest.mark.parametrize("concern", CONCERNS_AND_NONE)
def test_cost_says_the_consultation_is_free(profile, concern, wording):
    answer = answer_question(profile, wording, "ask_cost", concern)
    assert answer == profile.treatment["cost"]
    assert "consultation is free" in answer
    assert "$" not in answer


@pytest.mark.parametrize("concern", CONCERNS_AND_NONE)
def test_how_it_works(profile, concern, wording):
    answer = answer_question(profile, wording, "ask_how_it_works", concern)
    assert answer.startswith(profile.treatment["mechanism"])
    if concern:
        assert profile.concerns[concern].treatment in answer
    else:
        assert answer == profile.treatment["mechanism"]


@pytest.mark.parametrize("intent, field", [
    ("ask_pain", "pain"), ("ask_side_effects", "side_effects"), ("ask_safety", "safety"),
    ("ask_pregnancy", "pregnancy"),
])
@pytest.mark.parametrize("concern", [None, "migraine"])
def test_general_treatment_answers(profile, intent, field, concern, wording):
    assert answer_question(profile, wording, intent, concern) == profile.treatment[field]


def test_side_effects_answer_names_the_emergency_number(profile, wording):
    assert "911" in answer_question(profile, wording, "ask_side_effects", None)


def test_duration_general_and_per_concern(profile, wording):
    general = profile.treatment["duration"]
    assert answer_question(profile, wording, "ask_duration", None) == general
    clenching = answer_question(profile, wording, "ask_duration", "clenching")
    assert clenching.startswith(general)
    assert profile.concerns["clenching"].duration in clenching
    assert "jaw clenching" in clenching  # "For jaw clenching and teeth grinding: ..."
    migraine = answer_question(profile, wording, "ask_duration", "migraine")
    assert "every 12 weeks" in migraine


def test_onset_known_for_clenching(profile, wording):
    answer = answer_question(profile, wording, "ask_onset", "clenching")
    assert profile.concerns["clenching"].onset in answer
    assert "about a week" in answer


def test_onset_unknown_for_a_concern_lists_the_known_ones(profile, wording):
    answer = answer_question(profile, wording, "ask_onset", "acne")
    assert "I don't have a timing for acne and oily skin" in answer
    assert "consultation" in answer
    assert profile.concerns["clenching"].onset in answer


def test_onset_without_concern(profile, wording):
    answer = answer_question(profile, wording, "ask_onset", None)
    assert answer.startswith("It depends on the area treated.")
    assert profile.concerns["clenching"].onset in answer


def test_units_per_concern_and_general(profile, wording):
    note = profile.treatment["units_note"]
    clenching = answer_question(profile, wording, "ask_units", "clenching")
    assert "40 units in total, 20 per side." in clenching and note in clenching
    sweating = answer_question(profile, wording, "ask_units", "sweating")
    assert "50 units per underarm" in sweating
    general = answer_question(profile, wording, "ask_units", None)
    assert note in general and "40 units" in general and "50 units" in general
    # No units in the profile: said so, with the note, and no other concern's dose ("how many units
    # for migraine?" answered with underarm and jaw doses told the visitor nothing).
    for key in ("acne", "migraine"):
        answer = answer_question(profile, wording, "ask_units", key)
        assert profile.concerns[key].display_name.lower() in answer and note in answer
        assert "40 units" not in answer and "50 units" not in answer
    assert "not interchangeable" in note


@pytest.mark.parametrize("concern", CONCERNS_AND_NONE)
def test_consultation_answer(profile, concern, wording):
    answer = answer_question(profile, wording, "ask_consultation", concern)
    assert "The consultation is free" in answer
    assert "30 minutes" in answer
    assert profile.consultation.with_whom in answer
    assert profile.consultation.what_happens in answer


def test_same_day(profile, wording):
    assert answer_question(profile, wording, "ask_same_day", None) == profile.consultation.same_day_treatment


@pytest.mark.parametrize("concern", CONCERNS_AND_NONE)
def test_hours(profile, concern, wording):
    answer = answer_question(profile, wording, "ask_hours", concern)
    assert profile.hours_text() in answer
    assert "America/Los Angeles time" in answer


def test_location(profile, wording):
    answer = answer_question(profile, wording, "ask_location", None)
    assert profile.name in answer and profile.address in answer and profile.phone in answer


@pytest.mark.parametrize("concern", CONCERN_KEYS)
def test_label_status_for_a_concern(profile, concern, wording):
    answer = answer_question(profile, wording, "ask_label_status", concern)
    assert profile.concerns[concern].label_status in answer
    assert "consultation decides" in answer


def test_label_status_without_concern_lists_both(profile, wording):
    answer = answer_question(profile, wording, "ask_label_status", None)
    on, off = answer.split("Off-label uses")
    for key in ("wrinkles", "neck_bands", "migraine", "sweating"):
        assert profile.concerns[key].display_name in on
    for key in ("clenching", "acne", "foot_pain"):
        assert profile.concerns[key].display_name in off
        assert profile.concerns[key].display_name not in on


def test_unknown_concern_key_gives_the_general_answer(profile, wording):
    assert answer_question(profile, wording, "ask_how_it_works", "hair_loss") == profile.treatment["mechanism"]


# --- explaining a concern ------------------------------------------------------------------------


@pytest.mark.parametrize("key", CONCERN_KEYS)
def test_explain_concern(profile, wording, key):
    """Short (issue #10): what treatment does and its label status, not the visitor's problem read
    back to them, and no doses or timings nobody asked for."""
    concern = profile.concerns[key]
    text = explain_concern(profile, wording, key)
    assert text.startswith(f"{concern.display_name}: {concern.treatment}")
    assert f"This use is {concern.label_status}," in text
    assert "results vary from person to person" in text  # never a promise
    assert concern.description not in text
    for fact in (concern.units, concern.frequency):
        if fact and fact not in concern.treatment:
            assert fact not in text
    assert "None" not in text and "\n" not in text


def test_explain_concern_label_words(profile, wording):
    assert "on-label for underarms" in explain_concern(profile, wording, "sweating")
    assert "This use is off-label," in explain_concern(profile, wording, "clenching")
    assert "FDA-approved for chronic migraine" in explain_concern(profile, wording, "migraine")
    assert "50 units per underarm" not in explain_concern(profile, wording, "sweating")


# --- reading the concern -------------------------------------------------------------------------


def test_button_entity():
    reading = read_concern([{"entity": "concern", "value": "sweating"}], "choose_concern")
    assert reading.single == "sweating"
    assert not reading.ambiguous


def test_button_entity_is_normalised():
    assert read_concern([{"entity": "concern", "value": " Foot_Pain "}], None).single == "foot_pain"


def test_button_entity_with_unknown_value_is_ignored():
    reading = read_concern([{"entity": "concern", "value": "hair_loss"}], None)
    assert reading.concerns == ()
    assert reading.ambiguous


@pytest.mark.parametrize("key", CONCERN_KEYS)
def test_spacy_entity_labelled_with_the_concern_key(key):
    reading = read_concern([{"entity": key, "value": "some words", "extractor": "SpacyEntityExtractor"}],
                           "concern_unclear", 0.9)
    assert reading.single == key


def test_same_concern_twice_is_single():
    entities = [{"entity": "wrinkles", "value": "crows feet"}, {"entity": "wrinkles", "value": "11s"},
                {"entity": "concern", "value": "wrinkles"}]
    assert read_concern(entities, None).single == "wrinkles"


def test_other_entities_are_ignored():
    entities = [{"entity": "slot_time", "value": "tomorrow"}, {"entity": "safety_flag", "value": "emergency"},
                {"entity": "migraine", "value": "migraines"}]
    assert read_concern(entities, None).single == "migraine"


def test_entity_beats_intent():
    reading = read_concern([{"entity": "acne", "value": "zits"}], "concern_sweating", 0.99)
    assert reading.concerns == ("acne",)


@pytest.mark.parametrize("key", CONCERN_KEYS)
def test_intent_fallback(key):
    assert read_concern([], f"concern_{key}", 0.8).single == key


def test_intent_confidence_threshold():
    assert MIN_INTENT_CONFIDENCE == 0.5
    assert read_concern([], "concern_migraine", 0.5).single == "migraine"
    low = read_concern([], "concern_migraine", 0.49)
    assert low.single is None and low.ambiguous and low.concerns == ()


def test_intent_defaults_to_full_confidence():
    assert read_concern([], "concern_acne").single == "acne"


@pytest.mark.parametrize("intent", ["concern_unclear", "concern_hair_loss", "ask_cost", "greet", None])
def test_other_intents_give_no_concern(intent):
    reading = read_concern([], intent, 1.0)
    assert reading.concerns == ()
    assert reading.ambiguous


def test_two_concerns_are_ambiguous_in_order_seen():
    reading = read_concern([{"entity": "wrinkles", "value": "crows feet"},
                            {"entity": "migraine", "value": "migraines"}], "concern_wrinkles", 0.9)
    assert reading.concerns == ("wrinkles", "migraine")
    assert reading.ambiguous
    assert reading.single is None


def test_button_and_ruler_disagreeing_are_ambiguous():
    reading = read_concern([{"entity": "concern", "value": "acne"}, {"entity": "sweating", "value": "sweat"}], None)
    assert reading.concerns == ("acne", "sweating")
    assert reading.ambiguous


def test_nothing_is_ambiguous():
    reading = read_concern([], None)
    assert reading.concerns == () and reading.ambiguous and reading.single is None


def test_a_dose_for_one_area_is_not_quoted_for_another(profile, wording):
    hands = answer_question(profile, wording, "ask_units", "sweating", "how many units would I need for sweaty hands?")
    assert "per underarm" not in hands and "palms" in hands and profile.treatment["units_note"] in hands
    armpits = answer_question(profile, wording, "ask_units", "sweating", "how many units for my armpits?")
    assert "50 units per underarm" in armpits
    assert "50 units per underarm" in answer_question(profile, wording, "ask_units", "sweating", "how many units?")
