"""Questions and concerns typed into a form are answered and the form asks again; names, times
and other answers the classifier misreads are still taken as answers."""
from __future__ import annotations

import pytest

from actions.booking import ValidateBookingForm
from actions.screening import ValidateScreeningForm
from bot.domain.interruptions import interruption_kind, looks_like_question
from tests.test_actions import intake, make_tracker, run, texts, user_event, validate


@pytest.mark.parametrize("text, expected", [
    ("how much does it cost?", True), ("Does it hurt", True), ("is it safe", True),
    ("where are you located", True), ("Sam Park", False), ("Grace Hours", False),
    ("tomorrow at 3", False), ("no", False), ("818 555 0199", False),
])
def test_looks_like_question(text, expected):
    assert looks_like_question(text) is expected


@pytest.mark.parametrize("text, intent, confidence, concern, expected", [
    ("how much does it cost?", "ask_cost", 0.95, False, "question"),
    ("Sam Park", "ask_location", 0.90, False, None),  # a surname, not a parking question
    ("Noah Price", "ask_cost", 0.93, False, None),
    ("saturday at 10am", "ask_hours", 0.46, False, None),
    ("what are your hours?", "ask_hours", 0.40, False, None),  # too unsure to interrupt
    ("are you a bot?", "bot_challenge", 0.98, False, "bot"),
    ("actually it's my jaw, I grind at night", "concern_clenching", 0.97, True, "concern"),
    ("Lee Chan", "manage_booking", 0.48, False, None),
    ("Mia Wong", "concern_wrinkles", 0.70, False, None),  # no concern word: a name
])
def test_interruption_kind(text, intent, confidence, concern, expected):
    assert interruption_kind(text, intent, confidence, concern) == expected


async def test_a_name_misread_as_a_question_is_still_the_name(app, db):
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "full_name", "Sam Park",
                                     intent="ask_location")
    assert slots == {"full_name": "Sam Park"} and messages == []


async def test_a_question_in_the_booking_form_is_answered_and_the_slot_stays_empty(app, db, profile):
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "full_name",
                                     "how much does it cost?", intent="ask_cost")
    assert slots == {"full_name": None}
    assert profile.treatment["cost"] in texts(messages)


async def test_a_question_in_the_screening_is_answered_and_the_question_stays_open(app, db, profile):
    slots, messages = await validate(ValidateScreeningForm(app), "screening_form", "screening_complete",
                                     "does it hurt?", slots={"consent": "given"}, intent="ask_pain")
    assert slots == {"screening_complete": None}
    assert profile.treatment["pain"] in texts(messages)


async def test_a_concern_named_in_a_form_sets_the_concern_and_keeps_the_slot_empty(app, db, profile):
    text = "actually it's my jaw, I grind my teeth at night"
    entities = [{"entity": "clenching", "value": "grind", "extractor": "SpacyEntityExtractor"}]
    events = [user_event("concern_clenching", text), {"event": "slot", "name": "full_name", "value": text}]
    tracker = make_tracker(slots={"full_name": text, "requested_slot": "full_name"}, text=text,
                           intent="concern_clenching", entities=entities, events=events, active_loop="booking_form")
    returned, messages = await run(ValidateBookingForm(app), tracker)
    slots = {e["name"]: e["value"] for e in returned if e["event"] == "slot"}
    assert slots == {"full_name": None, "concern": "clenching"}
    assert profile.concerns["clenching"].display_name in texts(messages)
    assert intake(db).concern == "clenching"


async def test_a_slot_an_action_cleared_is_not_validated(app, db):
    events = [{"event": "slot", "name": "preferred_time", "value": None}]
    tracker = make_tracker(slots={"preferred_time": None, "requested_slot": "preferred_time"}, events=events,
                           active_loop="booking_form")
    returned, messages = await run(ValidateBookingForm(app), tracker)
    assert messages == []  # no "I couldn't read a day and time in that" for an empty slot
    assert all(e["value"] is None for e in returned if e["event"] == "slot" and e["name"] == "preferred_time")
