"""Questions and concerns typed into a form are answered and the form asks again; names, times
and other answers the classifier misreads are still taken as answers."""
from __future__ import annotations

from actions.booking import ValidateBookingForm
from actions.screening import ValidateScreeningForm
from tests.integration.test_actions import intake, make_tracker, run, texts, user_event, validate


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


async def test_two_questions_in_one_form_answer_are_both_answered(app, db, profile):
    text = "how long does it last? and does it hurt alot"
    tracker = make_tracker(slots={"screening_complete": text, "requested_slot": "screening_complete",
                                  "consent": "given", "concern": "sweating"},
                           text=text, intent="ask_duration", entities=[{"entity": "question", "value": "ask_pain"}],
                           events=[user_event("ask_duration", text),
                                   {"event": "slot", "name": "screening_complete", "value": text}],
                           active_loop="screening_form")
    returned, messages = await run(ValidateScreeningForm(app), tracker)
    assert {e["name"]: e["value"] for e in returned if e["event"] == "slot"}["screening_complete"] is None
    assert profile.concerns["sweating"].duration in texts(messages) and profile.treatment["pain"] in texts(messages)


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
