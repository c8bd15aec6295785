"""The rasa-sdk custom actions (actions/*.py), run with CollectingDispatcher and Tracker objects built
here, against a migrated test database (SQLite and PostgreSQL) via DATABASE_URL."""
from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.booking import ActionBookConsultation, ValidateBookingForm
from actions.callback import ValidateCallbackForm
from actions.concern import ActionIdentifyConcern
from actions.manage import ActionFinishManageBooking, ActionStartManageBooking, ValidateManageBookingForm
from actions.questions import ActionAnswerQuestion
from actions.safety import ActionHandleMisunderstanding, ActionHandleRedFlag
from actions.screening import (
    ActionAskScreeningComplete,
    ActionFinishScreening,
    ActionRecordConsent,
    ValidateScreeningForm,
)
from bot.adapters.db import session_scope
from bot.adapters.models import Alert, Intake, OutboxMessage, ScreeningAnswer
from bot.adapters.repository import REFERENCE_ALPHABET
from bot.composition import build_app
from bot.domain import scheduling, screening
from bot.domain.concerns import CONCERN_KEYS
from bot.domain.profile import load_profile
from bot.domain.validators import ContactDetails
from bot.services.intake import book, record_consent, save_screening_answer, taken_starts
from bot.settings import PROJECT_ROOT
from tests.integration import rows
from tests.integration.rows import appointments
from tests.support import in_uow, settings_for

DOMAIN = {"forms": yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["forms"],
          "slots": {}}
SENDER = "conv-actions-1"
PHONE = ContactDetails(phone="+18185550199")


# --- helpers -------------------------------------------------------------------------------------


def make_tracker(
    sender: str = SENDER,
    slots: Optional[Dict[str, Any]] = None,
    text: str = "",
    intent: Optional[str] = None,
    confidence: float = 1.0,
    entities: Optional[List[Dict[str, Any]]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": entities or []}
    return Tracker(sender, dict(slots or {}), latest, list(events or []), False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def user_event(intent: str, text: str = "") -> Dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.9},
                                                          "entities": [], "text": text}}


async def run(action, tracker: Tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, DOMAIN)
    return events, dispatcher.messages


async def validate(action, form: str, slot: str, value: Any, slots: Optional[Dict[str, Any]] = None,
                   sender: str = SENDER, text: Optional[str] = None, intent: str = "inform"):
    """Run a FormValidationAction as Rasa does: the candidate is the last SlotSet on the tracker."""
    text = str(value) if text is None else text
    all_slots = {**(slots or {}), slot: value, "requested_slot": slot}
    events = [user_event(intent, text), {"event": "slot", "name": slot, "value": value}]
    tracker = make_tracker(sender, all_slots, text=text, intent=intent, events=events, active_loop=form)
    returned, messages = await run(action, tracker)
    return {e["name"]: e["value"] for e in returned if e["event"] == "slot"}, messages


def texts(messages) -> str:
    return "\n".join(m["text"] or "" for m in messages)


def payloads(messages) -> List[str]:
    return [button["payload"] for m in messages for button in m["buttons"]]


def slot_starts_in(buttons_payloads: List[str]):
    prefix = "/choose_slot"
    starts = []
    for payload in buttons_payloads:
        assert payload.startswith(prefix), payload
        starts.append(scheduling.parse_slot_payload(json.loads(payload[len(prefix):])["slot_time"]))
    return starts


def intake(engine, sender: str = SENDER):
    return rows.intake(engine, sender)


def stored_answers(engine, sender: str = SENDER):
    with session_scope(engine) as session:
        answers = session.execute(
            select(ScreeningAnswer).join(Intake).where(Intake.conversation_id == sender)
            .order_by(ScreeningAnswer.id)
        ).scalars().all()
        return {row.question_key: (row.answer, row.flags) for row in answers}


def free_start(engine, profile, days_ahead: int = 2, index: int = 0):
    """A free, bookable weekday slot a few days from now (real clock, as the actions use)."""
    now = datetime.now(timezone.utc)
    free = scheduling.free_slots(profile, in_uow(engine, taken_starts, profile, now), now, limit=index + 1,
                                 after=now + timedelta(days=days_ahead))
    start = free[index]
    assert profile.office_hours[start.weekday()] is not None
    return start


# --- action_identify_concern ---------------------------------------------------------------------


async def test_identify_one_concern(app, db, profile):
    tracker = make_tracker(text="I sweat through my shirts", intent="concern_sweating", confidence=0.4,
                           entities=[{"entity": "sweating", "value": "sweat", "start": 2, "end": 7}])
    events, messages = await run(ActionIdentifyConcern(app), tracker)
    assert events == [{"event": "slot", "timestamp": None, "name": "concern", "value": "sweating"}]
    assert intake(db).concern == "sweating"
    assert len(messages) == 2
    assert profile.concerns["sweating"].description not in messages[0]["text"]  # not read back
    assert "on-label for underarms" in messages[0]["text"]
    assert "Want to know more" in messages[1]["text"] and "free consultation" in messages[1]["text"]
    assert payloads(messages) == ["/request_booking", "/ask_cost", "/ask_duration", "/ask_safety"]


async def test_identify_concern_from_intent(app, db):
    tracker = make_tracker(text="my feet are killing me", intent="concern_foot_pain", confidence=0.8)
    events, _ = await run(ActionIdentifyConcern(app), tracker)
    assert events[0]["value"] == "foot_pain"
    assert intake(db).concern == "foot_pain"


async def test_identify_concern_inside_a_form_offers_no_booking_buttons(app, db, profile):
    tracker = make_tracker(intent="choose_concern", entities=[{"entity": "concern", "value": "migraine"}],
                           active_loop="booking_form")
    events, messages = await run(ActionIdentifyConcern(app), tracker)
    assert [e["value"] for e in events] == ["migraine"]
    assert len(messages) == 1 and messages[0]["buttons"] == []
    assert "Chronic migraine" in messages[0]["text"]
    assert intake(db).concern == "migraine"


async def test_identify_two_concerns_asks_which(app, db, profile):
    tracker = make_tracker(text="Crows feet and Migraines", intent="concern_wrinkles", confidence=0.7,
                           entities=[{"entity": "wrinkles", "value": "Crows feet"},
                                     {"entity": "migraine", "value": "Migraines"}])
    events, messages = await run(ActionIdentifyConcern(app), tracker)
    assert events == [{"event": "slot", "timestamp": None, "name": "concern", "value": "wrinkles"},
                      {"event": "slot", "timestamp": None, "name": "concerns", "value": ["wrinkles", "migraine"]}]
    assert len(messages) == 1 and "more than one" in messages[0]["text"]
    assert [b["title"] for b in messages[0]["buttons"]] == [
        profile.concerns["wrinkles"].display_name, profile.concerns["migraine"].display_name]
    assert payloads(messages) == ['/choose_concern{"concern": "wrinkles"}', '/choose_concern{"concern": "migraine"}']
    stored = intake(db)  # both kept; the first named stands until the visitor picks
    assert stored.concern == "wrinkles" and stored.other_concerns == ["migraine"]


async def test_identify_no_concern_offers_all_seven(app, db):
    tracker = make_tracker(text="I just want to look less tired", intent="concern_unclear", confidence=0.9)
    events, messages = await run(ActionIdentifyConcern(app), tracker)
    assert events == []
    assert payloads(messages) == [f'/choose_concern{{"concern": "{key}"}}' for key in CONCERN_KEYS]
    assert len(messages[0]["buttons"]) == 7
    assert intake(db) is None


# --- action_answer_question ----------------------------------------------------------------------


async def test_answer_concern_from_entity_beats_slot(app, db, profile):
    tracker = make_tracker(slots={"concern": "sweating"}, intent="ask_duration",
                           entities=[{"entity": "clenching", "value": "grinding"}])
    _, messages = await run(ActionAnswerQuestion(app), tracker)
    assert profile.concerns["clenching"].duration in messages[0]["text"]
    assert "jaw clenching" in messages[0]["text"] and "sweating" not in messages[0]["text"]


async def test_answer_uses_the_slot_without_entity(app, db, profile):
    tracker = make_tracker(slots={"concern": "clenching"}, intent="ask_units")
    _, messages = await run(ActionAnswerQuestion(app), tracker)
    assert "40 units in total, 20 per side." in messages[0]["text"]


async def test_answer_with_two_entities_falls_back_to_the_slot(app, db, profile):
    tracker = make_tracker(slots={"concern": "clenching"}, intent="ask_label_status",
                           entities=[{"entity": "wrinkles", "value": "lines"}, {"entity": "acne", "value": "zit"}])
    _, messages = await run(ActionAnswerQuestion(app), tracker)
    assert messages[0]["text"].startswith("For jaw clenching and teeth grinding, this use is off-label.")


async def test_every_question_a_message_asks_is_answered(app, db, profile):
    """"how long does it last for palms? and does it hurt alot": the intent's question, then the
    one QuestionSpotter found besides it."""
    tracker = make_tracker(slots={"concern": "sweating"}, intent="ask_duration",
                           text="how long does it last for palms? and does it hurt alot",
                           entities=[{"entity": "question", "value": "ask_pain"}])
    _, messages = await run(ActionAnswerQuestion(app), tracker)
    answer = messages[0]["text"]
    assert profile.concerns["sweating"].duration in answer and profile.treatment["pain"] in answer
    assert answer.index(profile.concerns["sweating"].duration) < answer.index(profile.treatment["pain"])


async def test_a_question_that_tells_a_new_concern_also_explains_it(app, db, profile):
    """"my jaw is killing me ... is it expensive?": the price first, then what treatment does for
    the jaw; once the concern is known, questions get their answer alone."""
    entities = [{"entity": "concern", "value": "clenching"}]
    text = "my jaw is killing me from grinding, is it expensive?"
    _, messages = await run(ActionAnswerQuestion(app), make_tracker(intent="ask_cost", text=text, entities=entities))
    answer = messages[0]["text"]
    assert answer.index(profile.treatment["cost"]) < answer.index(profile.concerns["clenching"].treatment)
    _, messages = await run(ActionAnswerQuestion(app), make_tracker(slots={"concern": "clenching"}, intent="ask_cost",
                                                                    text=text, entities=entities))
    assert profile.concerns["clenching"].treatment not in messages[0]["text"]


async def test_answer_cost_and_hours(app, db, profile):
    _, messages = await run(ActionAnswerQuestion(app), make_tracker(intent="ask_cost"))
    assert "consultation is free" in messages[0]["text"] and "$" not in messages[0]["text"]
    _, messages = await run(ActionAnswerQuestion(app), make_tracker(intent="ask_hours"))
    assert profile.hours_text() in messages[0]["text"]


async def test_answer_unknown_intent(app, db):
    events, messages = await run(ActionAnswerQuestion(app), make_tracker(intent="greet"))
    assert events == [] and messages[0]["text"] == "Sorry, I don't have an answer to that one."


# --- action_handle_red_flag ----------------------------------------------------------------------

EMERGENCY_TEXT = "I can't swallow properly and my voice is hoarse since my botox yesterday"
ADVERSE_TEXT = "my left eyelid is drooping since my botox last week"


async def test_emergency(app, db, profile):
    tracker = make_tracker(text=EMERGENCY_TEXT, intent="report_emergency", slots={"full_name": "Jane Doe"})
    events, messages = await run(ActionHandleRedFlag(app), tracker)
    assert events == [{"event": "slot", "timestamp": None, "name": "safety_flag", "value": "emergency"},
                      {"event": "slot", "timestamp": None, "name": "emergency_over", "value": None}]
    assert len(messages) == 1
    text = messages[0]["text"]
    assert "call 911" in text and "emergency room" in text and profile.phone in text
    assert messages[0]["buttons"] == []  # no booking, no questions first
    found = intake(db)
    assert found.safety_flag == "emergency"
    with session_scope(db) as session:
        [alert] = session.execute(select(Alert)).scalars().all()
        assert (alert.intake_id, alert.kind, alert.priority, alert.message) == (
            found.id, "emergency", "urgent", EMERGENCY_TEXT)


async def test_emergency_words_beat_an_adverse_effect_intent(app, db):
    tracker = make_tracker(text=EMERGENCY_TEXT, intent="report_adverse_effect")
    events, messages = await run(ActionHandleRedFlag(app), tracker)
    assert events[0]["value"] == "emergency" and "911" in messages[0]["text"]


def at_clinic_time(app, year, month, day, hour, minute=0):
    """The App with its clock set to a clinic-local time."""
    when = datetime(year, month, day, hour, minute, tzinfo=app.profile.timezone)
    return replace(app, clock=lambda: when)


async def test_adverse_effect_offers_a_callback(app, db):
    tracker = make_tracker(text=ADVERSE_TEXT, intent="report_adverse_effect")
    events, messages = await run(ActionHandleRedFlag(at_clinic_time(app, 2026, 12, 2, 11)), tracker)
    assert events[0]["value"] == "adverse_effect"
    assert "911" not in messages[0]["text"]
    assert "call back today" in messages[0]["text"]
    assert "/human_handoff" in payloads(messages)
    assert intake(db).safety_flag == "adverse_effect"
    with session_scope(db) as session:
        [alert] = session.execute(select(Alert)).scalars().all()
        assert (alert.kind, alert.priority, alert.message) == ("adverse_effect", "high", ADVERSE_TEXT)


async def test_an_adverse_effect_that_asks_is_told_the_clinical_team_answers_before_the_offer(app, db):
    text = "my left eyelid is drooping since my botox last week, is that normal??"
    _, messages = await run(ActionHandleRedFlag(at_clinic_time(app, 2026, 12, 2, 11)),
                            make_tracker(text=text, intent="report_adverse_effect"))
    assert [m["text"] for m in messages][:1] == [app.wording.text("safety.adverse_effect_asked")]
    assert "call back today" in messages[1]["text"] and "/human_handoff" in payloads(messages)
    _, messages = await run(ActionHandleRedFlag(at_clinic_time(app, 2026, 12, 2, 11)),
                            make_tracker(text=ADVERSE_TEXT, intent="report_adverse_effect"))
    assert app.wording.text("safety.adverse_effect_asked") not in [m["text"] for m in messages]


async def test_adverse_effect_when_closed_offers_a_call_at_the_next_opening(app, db):
    tracker = make_tracker(text=ADVERSE_TEXT, intent="report_adverse_effect")
    friday_evening = at_clinic_time(app, 2026, 12, 4, 18, 30)
    _, messages = await run(ActionHandleRedFlag(friday_evening), tracker)
    assert "closed now and opens Monday, December 7 at 10:00 am" in messages[0]["text"]
    assert "call back today" not in messages[0]["text"] and "911" in messages[0]["text"]
    assert "/human_handoff" in payloads(messages) and "/deny" in payloads(messages)


async def test_repeated_adverse_effect_adds_to_one_alert_and_mails_once(app, db):
    await run(ActionHandleRedFlag(app), make_tracker(text=ADVERSE_TEXT, intent="report_adverse_effect"))
    await run(ActionHandleRedFlag(app), make_tracker(text="and now it is worse", intent="report_adverse_effect"))
    with session_scope(db) as session:
        [alert] = session.execute(select(Alert)).scalars().all()
        assert alert.message == ADVERSE_TEXT + "\nand now it is worse"
        [mail] = session.execute(select(OutboxMessage)).scalars().all()  # mail is not configured: held
    assert (mail.kind, mail.status, mail.intake_id) == ("clinic_alert", "held", alert.intake_id)
    assert ADVERSE_TEXT in mail.body and "worse" not in mail.body


async def test_adverse_effect_after_an_emergency_keeps_the_emergency_flag(app, db):
    await run(ActionHandleRedFlag(app), make_tracker(text=EMERGENCY_TEXT, intent="report_emergency"))
    await run(ActionHandleRedFlag(app), make_tracker(text=ADVERSE_TEXT, intent="report_adverse_effect"))
    assert intake(db).safety_flag == "emergency"


async def test_emergency_message_goes_out_when_the_store_is_down(app, profile, caplog):
    app = build_app(settings_for("postgresql://postgres@127.0.0.1:1/unreachable"))
    try:
        with caplog.at_level(logging.ERROR, logger="actions.safety"):
            events, messages = await run(ActionHandleRedFlag(app),
                                         make_tracker(text=EMERGENCY_TEXT, intent="report_emergency"))
    finally:
        app.close()
    assert "call 911" in messages[0]["text"] and profile.phone in messages[0]["text"]
    assert events[0]["value"] == "emergency"
    assert "could not store the emergency alert" in caplog.text


# --- action_handle_misunderstanding --------------------------------------------------------------


async def test_first_misunderstanding_offers_a_way_forward(app, db):
    tracker = make_tracker(intent="nlu_fallback", events=[user_event("greet"), user_event("nlu_fallback", "blorp")])
    _, messages = await run(ActionHandleMisunderstanding(app), tracker)
    assert "didn't quite understand" in messages[0]["text"]
    concern_buttons = [f'/choose_concern{{"concern": "{key}"}}' for key in CONCERN_KEYS]
    assert payloads(messages) == [*concern_buttons, "/request_booking", "/human_handoff"]  # the concerns as buttons


async def test_out_of_scope_says_so(app, db):
    tracker = make_tracker(intent="out_of_scope", events=[user_event("out_of_scope", "what's the weather")])
    _, messages = await run(ActionHandleMisunderstanding(app), tracker)
    assert "can't help with that" in messages[0]["text"]


async def test_second_misunderstanding_in_a_row_offers_a_callback(app, db, profile):
    events = [user_event("nlu_fallback", "blorp"), {"event": "bot", "text": "Sorry"},
              {"event": "action", "name": "action_listen"}, user_event("out_of_scope", "blarg")]
    _, messages = await run(ActionHandleMisunderstanding(app), make_tracker(intent="out_of_scope", events=events))
    assert "Would you like someone from the clinic to call you?" in messages[0]["text"]
    assert profile.phone in messages[0]["text"]
    assert payloads(messages) == ["/human_handoff", "/request_booking"]


async def test_misunderstandings_not_in_a_row_count_as_first(app, db):
    events = [user_event("nlu_fallback"), user_event("greet"), user_event("nlu_fallback")]
    _, messages = await run(ActionHandleMisunderstanding(app), make_tracker(intent="nlu_fallback", events=events))
    assert "didn't quite understand" in messages[0]["text"]
    assert "/human_handoff" in payloads(messages) and '/choose_concern{"concern": "acne"}' in payloads(messages)


# --- validate_booking_form -----------------------------------------------------------------------


async def test_booking_form_bad_name(app, db):
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "full_name", "hello")
    assert slots["full_name"] is None
    assert "for example: Maria Lopez" in texts(messages)


async def test_booking_form_good_name(app, db):
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "full_name", "my name is maria lopez")
    assert slots["full_name"] == "Maria Lopez" and messages == []


@pytest.mark.parametrize("value, expected", [
    ("(818) 555-0199", "+18185550199"),
    ("it's 1 818 555 0199", "+18185550199"),
    ("Jane.Doe@Example.com", "jane.doe@example.com"),
])
async def test_booking_form_contact_is_normalised(app, db, value, expected):
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "contact", value)
    assert slots["contact"] == expected and messages == []


async def test_booking_form_bad_contact(app, db):
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "contact", "555 0199")
    assert slots["contact"] is None and "10 digits" in texts(messages)


async def test_booking_form_saturday_is_refused_with_hours_and_slots(app, db, profile):
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "preferred_time", "saturday at 10am")
    assert slots["preferred_time"] is None
    text = texts(messages)
    local_now = app.now().astimezone(profile.timezone)
    if local_now.weekday() == 5 and 9 <= local_now.hour < 10:  # today's 10 am is inside the minimum notice
        assert "already passed" in text
    else:
        assert "closed that day" in text
    assert profile.hours_text() in text and "Sat-Sun closed" in text
    starts = slot_starts_in(payloads(messages))
    assert starts, "alternatives offered as slot buttons"
    for start in starts:
        assert scheduling.is_bookable_start(profile, start)
        assert start.astimezone(profile.timezone).weekday() < 5


async def test_booking_form_accepts_a_free_slot_button(app, db, profile):
    start = free_start(db, profile)
    payload = scheduling.slot_payload(start)
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "preferred_time", payload,
                                     text=f'/choose_slot{{"slot_time": "{payload}"}}', intent="choose_slot")
    assert slots["preferred_time"] == payload
    assert messages == []


async def test_booking_form_refuses_a_taken_slot_button(app, db, profile):
    start = free_start(db, profile)
    in_uow(db, book, profile, "someone-else", "Bob Roe", PHONE, start)
    payload = scheduling.slot_payload(start)
    slots, messages = await validate(ValidateBookingForm(app), "booking_form", "preferred_time", payload)
    assert slots["preferred_time"] is None
    assert "already taken" in texts(messages)
    alternatives = slot_starts_in(payloads(messages))
    assert alternatives and start not in alternatives


# --- action_book_consultation --------------------------------------------------------------------


def booking_slots(start, **extra):
    return {"full_name": "Jane Doe", "contact": "+18185550199", "preferred_time": scheduling.slot_payload(start),
            "concern": "sweating", **extra}


async def test_book_consultation(app, db, profile):
    start = free_start(db, profile)
    events, messages = await run(ActionBookConsultation(app), make_tracker(slots=booking_slots(start)))
    [appointment] = appointments(db)
    assert appointment.start_at == start and appointment.status == "booked"
    assert set(appointment.reference) <= set(REFERENCE_ALPHABET)
    assert {"event": "slot", "timestamp": None, "name": "booking_reference_issued",
            "value": appointment.reference} in events
    assert all(e["event"] == "slot" for e in events)  # no follow-up: the form is not re-opened
    text = texts(messages)
    assert f"Your reference is {appointment.reference}." in text
    assert scheduling.describe_slot(profile, start) in text and profile.address in text
    assert "consultation only" not in text
    stored = intake(db)
    assert stored.concern == "sweating" and stored.status == "booked"
    with session_scope(db) as session:
        contact = session.get(Intake, stored.id).contact
        assert (contact.name, contact.phone, contact.email) == ("Jane Doe", "+18185550199", None)


async def test_book_consultation_only(app, db, profile):
    start = free_start(db, profile)
    _, messages = await run(ActionBookConsultation(app),
                            make_tracker(slots=booking_slots(start, contact="jane@example.com",
                                                             consultation_only=True)))
    assert "consultation only" in texts(messages)
    assert len(appointments(db)) == 1


async def test_book_a_taken_slot_offers_alternatives_and_reopens_the_form(app, db, profile):
    start = free_start(db, profile)
    other = in_uow(db, book, profile, "someone-else", "Bob Roe", ContactDetails(email="bob@example.com"), start)
    events, messages = await run(ActionBookConsultation(app), make_tracker(slots=booking_slots(start)))
    assert events == [
        {"event": "slot", "timestamp": None, "name": "preferred_time", "value": None},
        {"event": "followup", "timestamp": None, "name": "booking_form"},
    ]
    assert "just taken" in texts(messages)
    alternatives = slot_starts_in(payloads(messages))
    assert alternatives and start not in alternatives
    assert [(a.reference, a.status) for a in appointments(db)] == [(other.reference, "booked")]


async def test_book_without_a_time_reopens_the_form(app, db, profile):
    slots = booking_slots(free_start(db, profile), preferred_time=None)
    events, messages = await run(ActionBookConsultation(app), make_tracker(slots=slots))
    assert [e["event"] for e in events] == ["slot", "followup"]
    assert appointments(db) == []


# --- screening -----------------------------------------------------------------------------------


async def consent(app, intent="give_consent", sender=SENDER):
    return await run(ActionRecordConsent(app), make_tracker(sender=sender, intent=intent))


async def test_record_consent_given(app, db):
    events, messages = await consent(app)
    assert events == [{"event": "slot", "timestamp": None, "name": "consent", "value": "given"}]
    assert intake(db).consent_at is not None
    assert "A few quick questions" in messages[0]["text"]


async def test_record_consent_declined_keeps_no_answers(app, db):
    await consent(app)
    in_uow(db, save_screening_answer, SENDER, "pregnancy", "Pregnant?", {"answer": "no"}, [])
    events, messages = await consent(app, intent="decline_consent")
    assert {e["name"]: e["value"] for e in events} == {"consent": "declined", "screening_answers": None}
    assert stored_answers(db) == {}
    assert intake(db).consent_at is None and intake(db).consent_declined_at is not None
    assert "won't ask or store any health information" in messages[0]["text"]
    assert "/human_handoff" in payloads(messages)


def general_keys(profile, concern=None):
    """The question keys in the order they are asked (a group's questions together)."""
    steps = screening.plan.steps(screening.questions_for(profile, concern), profile.screening.groups)
    return [q.key for members in steps for q in members]


def one_by_one():
    """screening_answers with every group answered with more than a no: its questions one by one."""
    groups = load_profile(PROJECT_ROOT / "clinic" / "profile.yml").screening.groups
    return {screening.GROUP_ENTRY + group.key: {"expanded": True} for group in groups}


def answered(keys, answer="no"):
    return {**one_by_one(), **{key: {"value": {"answer": answer}, "flags": []} for key in keys}}


def only_answers(answers):
    return {key: value for key, value in answers.items() if not key.startswith(screening.GROUP_ENTRY)}


async def test_ask_screening_asks_the_next_question(app, db, profile):
    keys = general_keys(profile)
    events, messages = await run(ActionAskScreeningComplete(app),
                                 make_tracker(slots={"screening_answers": answered(keys[:2])}))
    question = {q.key: q for q in screening.questions_for(profile, None)}[keys[2]]
    assert messages[0]["text"] == f"{question.text} (1 of 4)"  # the first group, one by one
    assert payloads(messages) == ["/affirm", "/deny"]
    assert events[0]["name"] == "screening_question" and events[0]["value"] == question.key


async def test_screening_affirm_and_deny_intents(app, db, profile):
    await consent(app)
    form = ValidateScreeningForm(app)
    slots, messages = await validate(form, "screening_form", "screening_complete", "/affirm", intent="affirm",
                                     slots={"concern": "clenching", "screening_answers": one_by_one()})
    assert messages == []
    assert slots["screening_complete"] is None
    assert only_answers(slots["screening_answers"]) == {
        "toxin_allergy": {"value": {"answer": "yes"}, "flags": ["allergy_stop"]}}
    answers = slots["screening_answers"]
    slots, _ = await validate(form, "screening_form", "screening_complete", "/deny", intent="deny",
                              slots={"concern": "clenching", "screening_answers": answers})
    second = general_keys(profile)[1]
    assert slots["screening_answers"][second] == {"value": {"answer": "no"}, "flags": []}
    assert stored_answers(db) == {"toxin_allergy": ({"answer": "yes"}, ["allergy_stop"]),
                                  second: ({"answer": "no"}, [])}


async def test_screening_unclear_answer_is_asked_again_once_then_kept_as_unclear(app, db, profile):
    await consent(app)
    form = ValidateScreeningForm(app)
    slots, messages = await validate(form, "screening_form", "screening_complete",
                                     "what does that mean?", slots={"screening_answers": one_by_one()})
    assert slots["screening_complete"] is None
    assert "Please answer yes or no" in texts(messages)
    assert stored_answers(db) == {}
    _, asked = await run(ActionAskScreeningComplete(app), make_tracker(slots=slots))
    assert asked[0]["text"].startswith("To be sure I note it right: Have you ever had an allergy")
    slots, messages = await validate(form, "screening_form", "screening_complete", "my cousin had that once",
                                     slots=slots)
    assert "in your own words" in texts(messages)
    unclear = {"answer": "unclear", "detail": "my cousin had that once"}
    assert stored_answers(db) == {"toxin_allergy": (unclear, ["allergy_stop", "unclear_answer"])}
    assert slots["screening_answers"]["toxin_allergy"]["value"] == unclear  # never a silent yes


async def test_never_had_botox_is_a_no_to_an_earlier_side_effect(app, db, profile):
    await consent(app)
    keys = general_keys(profile)
    before = answered(keys[:keys.index("previous_side_effect")])
    slots, _ = await validate(ValidateScreeningForm(app), "screening_form", "screening_complete",
                              "I already told you I've never had Botox", slots={"screening_answers": before})
    assert slots["screening_answers"]["previous_side_effect"] == {"value": {"answer": "no"}, "flags": []}


async def test_a_fact_told_earlier_is_confirmed_not_asked_again(app, db, profile):
    await consent(app)
    keys = general_keys(profile)
    before = answered(keys[:keys.index("pregnancy")])
    told = [user_event("concern_wrinkles", "hi, I'm breastfeeding my 4 month old, can I still get botox?")]
    _, messages = await run(ActionAskScreeningComplete(app), make_tracker(slots={"screening_answers": before},
                                                                          events=told))
    assert texts(messages).startswith('You mentioned "hi, I\'m breastfeeding my 4 month old, can I still get')
    assert messages[1]["text"].startswith("Do you have drooping eyelids")  # the next one is asked
    assert stored_answers(db)["pregnancy"] == (
        {"answer": "yes", "detail": "hi, I'm breastfeeding my 4 month old, can I still get botox?"}, ["pregnancy"])


async def test_grouped_questions_none_of_these_answers_each_no(app, db, profile):
    await consent(app)
    _, asked = await run(ActionAskScreeningComplete(app), make_tracker(slots={"screening_answers": {}}))
    assert asked[0]["text"].startswith("First, health conditions. Do any of these apply to you? (1 of 4)")
    assert "- a bleeding problem, or blood thinners" in asked[0]["text"]
    assert payloads(asked) == ["/deny", "/affirm"]
    form = ValidateScreeningForm(app)
    slots, messages = await validate(form, "screening_form", "screening_complete", "none of these",
                                     slots={"screening_answers": {}})
    assert messages == [] and slots["screening_complete"] is None
    group = ["toxin_allergy", "neuromuscular_disease", "swallowing_breathing", "bleeding"]
    assert stored_answers(db) == {key: ({"answer": "no"}, []) for key in group}  # each item answered no
    turns = 1
    while slots["screening_complete"] is None:
        slots, _ = await validate(form, "screening_form", "screening_complete", "/deny", intent="deny",
                                  slots={"screening_answers": slots["screening_answers"]})
        turns += 1
    assert turns == 4 and len(stored_answers(db)) == 12  # twelve questions in four turns


async def test_a_group_answered_with_more_than_no_is_asked_one_by_one(app, db, profile):
    await consent(app)
    form = ValidateScreeningForm(app)
    slots, _ = await validate(form, "screening_form", "screening_complete", "no, but I'm on warfarin",
                              slots={"screening_answers": {}})
    assert stored_answers(db) == {}  # nothing assumed
    _, asked = await run(ActionAskScreeningComplete(app), make_tracker(
        slots=slots, events=[user_event("inform", "no, but I'm on warfarin")]))
    assert texts(asked).startswith('You mentioned "no, but I\'m on warfarin"')  # the bleeding item, from memory
    assert asked[-1]["text"].startswith("Have you ever had an allergy") and "(1 of 4)" in asked[-1]["text"]
    assert stored_answers(db)["bleeding"][0]["answer"] == "yes"


async def test_a_no_that_names_a_member_of_the_group_answers_it_no(app, db, profile):
    await consent(app)
    conditions = ["toxin_allergy", "neuromuscular_disease", "swallowing_breathing", "bleeding"]
    before = {key: {"value": {"answer": "no"}, "flags": []} for key in conditions}  # "Right now, are you:" is next
    slots, _ = await validate(ValidateScreeningForm(app), "screening_form", "screening_complete",
                              "no im not pregnant, no infection, no droopy eyelids",
                              slots={"screening_answers": before})
    for key in ("infection_at_site", "pregnancy", "drooping_now"):
        assert slots["screening_answers"][key] == {"value": {"answer": "no"}, "flags": []}, key


async def test_a_no_to_a_later_question_does_not_answer_the_group(app, db, profile):
    """"no im not pregnant or breastfeeding" at the health conditions answers the pregnancy
    question (confirmed from memory), and the conditions are asked again, not all set to no."""
    await consent(app)
    form = ValidateScreeningForm(app)
    text = "no im not pregnant or breastfeeding"
    slots, messages = await validate(form, "screening_form", "screening_complete", text,
                                     slots={"screening_answers": {}})
    assert stored_answers(db) == {} and slots["screening_complete"] is None
    _, asked = await run(ActionAskScreeningComplete(app), make_tracker(slots=slots, events=[user_event("deny", text)]))
    assert texts(asked).startswith(f'You mentioned "{text}"')
    assert asked[-1]["text"].startswith("First, health conditions. Do any of these apply to you?")
    assert stored_answers(db) == {"pregnancy": ({"answer": "no", "detail": text}, [])}
    slots, _ = await validate(form, "screening_form", "screening_complete", text,  # said again: now a no to these
                              slots={"screening_answers": {"pregnancy": {"value": {"answer": "no"}, "flags": []}}})
    assert stored_answers(db)["bleeding"] == ({"answer": "no"}, [])


async def test_screening_detail_follow_up(app, db, profile):
    await consent(app)
    keys = general_keys(profile)
    before = answered(keys[:keys.index("recent_toxin")])
    form = ValidateScreeningForm(app)
    slots, messages = await validate(form, "screening_form", "screening_complete", "yes", intent="affirm",
                                     slots={"screening_answers": before})
    assert slots["screening_complete"] is None
    assert slots["screening_answers"]["recent_toxin"] == {"pending_detail": True}
    assert "recent_toxin" not in stored_answers(db)
    # the prompt for the detail
    pending = make_tracker(slots={"screening_answers": slots["screening_answers"]})
    _, asked = await run(ActionAskScreeningComplete(app), pending)
    assert asked[0]["text"] == "Which product was it, and roughly when did you have it?"
    slots, messages = await validate(form, "screening_form", "screening_complete", "Dysport, in August",
                                     slots={"screening_answers": slots["screening_answers"]})
    assert messages == []
    expected = {"value": {"answer": "yes", "detail": "Dysport, in August"}, "flags": ["recent_toxin"]}
    assert slots["screening_answers"]["recent_toxin"] == expected
    assert stored_answers(db)["recent_toxin"] == (expected["value"], expected["flags"])


async def test_screening_yes_with_detail_in_one_message(app, db, profile):
    await consent(app)
    keys = general_keys(profile)
    before = answered(keys[:keys.index("relaxant_allergy_sleep_meds")])
    slots, _ = await validate(ValidateScreeningForm(app), "screening_form", "screening_complete",
                              "yes, I take melatonin to sleep", slots={"screening_answers": before})
    assert slots["screening_answers"]["relaxant_allergy_sleep_meds"] == {
        "value": {"answer": "yes", "detail": "I take melatonin to sleep"}, "flags": ["record"]}


async def test_screening_completes_with_the_concern_question(app, db, profile):
    await consent(app)
    keys = general_keys(profile, "clenching")
    assert keys[-1] == "night_guard"
    slots, _ = await validate(ValidateScreeningForm(app), "screening_form", "screening_complete", "no", intent="deny",
                              slots={"concern": "clenching", "screening_answers": answered(keys[:-1])})
    assert slots["screening_complete"] is True
    assert slots["screening_answers"]["night_guard"] == {"value": {"answer": "no"}, "flags": []}
    assert stored_answers(db) == {"night_guard": ({"answer": "no"}, [])}


async def test_allergy_yes_means_consultation_only(app, db, profile):
    await consent(app)
    form = ValidateScreeningForm(app)
    slots, _ = await validate(form, "screening_form", "screening_complete", "yes", intent="affirm",
                              slots={"concern": "acne", "screening_answers": one_by_one()})
    answers = {**slots["screening_answers"], **answered(general_keys(profile)[1:])}
    events, messages = await run(ActionFinishScreening(app), make_tracker(slots={"screening_answers": answers}))
    assert events == [{"event": "slot", "timestamp": None, "name": "consultation_only", "value": True}]
    assert "consultation only" in messages[0]["text"] and "allergy" in messages[0]["text"]
    assert intake(db).consultation_only is True
    assert stored_answers(db)["toxin_allergy"] == ({"answer": "yes"}, ["allergy_stop"])


async def test_no_stop_flag_means_treatment_can_be_booked(app, db, profile):
    answers = answered(general_keys(profile))
    answers["pregnancy"] = {"value": {"answer": "yes"}, "flags": ["pregnancy"]}
    events, messages = await run(ActionFinishScreening(app), make_tracker(slots={"screening_answers": answers}))
    assert events[0]["value"] is False
    assert "that's everything" in messages[0]["text"]
    assert intake(db).consultation_only is False


# --- manage booking ------------------------------------------------------------------------------


@pytest.fixture
def existing(db, profile):
    start = free_start(db, profile)
    return in_uow(db, book, profile, "conv-owner", "Jane Doe", PHONE, start, concern="acne")


async def test_manage_reference_is_read_from_text(app, db, existing):
    slots, messages = await validate(ValidateManageBookingForm(app), "manage_booking_form", "booking_reference",
                                     f"it's {existing.reference.lower()}")
    assert slots["booking_reference"] == existing.reference and messages == []


async def test_manage_bad_reference(app, db, existing):
    slots, messages = await validate(ValidateManageBookingForm(app), "manage_booking_form", "booking_reference",
                                     "I lost it")
    assert slots["booking_reference"] is None
    assert "for example K7M2QX" in texts(messages)


async def test_manage_reference_after_a_six_letter_word(app, db, existing):
    slots, _ = await validate(ValidateManageBookingForm(app), "manage_booking_form", "booking_reference",
                              f"my reference number is {existing.reference}")
    assert slots["booking_reference"] == existing.reference


async def test_manage_contact_must_match(app, db, profile, existing):
    form = ValidateManageBookingForm(app)
    slots, messages = await validate(form, "manage_booking_form", "contact", "818 555 0100",
                                     slots={"booking_reference": existing.reference})
    assert slots["contact"] is None and slots["booking_reference"] is None
    assert "couldn't find an active booking" in texts(messages)
    slots, messages = await validate(form, "manage_booking_form", "contact", "it's (818) 555-0199",
                                     slots={"booking_reference": existing.reference})
    assert slots["contact"] == "+18185550199" and "booking_reference" not in slots  # reference kept
    assert f"Found it: your consultation on {scheduling.describe_slot(profile, existing.start)}" in texts(messages)


async def test_manage_choice(app, db, existing):
    form = ValidateManageBookingForm(app)
    filled = {"booking_reference": existing.reference, "contact": "+18185550199"}
    slots, _ = await validate(form, "manage_booking_form", "manage_choice", "please cancel it", slots=filled)
    assert slots["manage_choice"] == "cancel"
    assert slots["requested_slot"] is None  # cancelling needs no new time: the form is done
    slots, _ = await validate(form, "manage_booking_form", "manage_choice", "can I move it?", slots=filled)
    assert slots["manage_choice"] == "reschedule"
    slots, messages = await validate(form, "manage_booking_form", "manage_choice", "hmm", slots=filled)
    assert slots["manage_choice"] is None and '"cancel" or "reschedule"' in texts(messages)


async def test_manage_cancel(app, db, profile, existing):
    slots = {"booking_reference": existing.reference, "contact": "+18185550199", "manage_choice": "cancel"}
    events, messages = await run(ActionFinishManageBooking(app), make_tracker(slots=slots))
    assert events == [{"event": "slot", "timestamp": None, "name": "preferred_time", "value": None}]
    assert "is cancelled" in texts(messages)
    assert scheduling.describe_slot(profile, existing.start) in texts(messages)
    assert [(a.reference, a.status) for a in appointments(db)] == [(existing.reference, "cancelled")]


async def test_manage_reschedule(app, db, profile, existing):
    new_start = free_start(db, profile, days_ahead=4)
    payload = scheduling.slot_payload(new_start)
    form = ValidateManageBookingForm(app)
    filled = {"booking_reference": existing.reference, "contact": "+18185550199", "manage_choice": "reschedule"}
    slots, messages = await validate(form, "manage_booking_form", "preferred_time", payload, slots=filled)
    assert slots["preferred_time"] == payload and messages == []

    events, messages = await run(ActionFinishManageBooking(app),
                                 make_tracker(slots={**filled, "preferred_time": payload}))
    [new] = appointments(db)  # moved, not replaced: the reference stays
    assert (new.status, new.start_at, new.reference) == ("booked", new_start, existing.reference)
    assert f"Your reference stays {existing.reference}." in texts(messages)
    assert scheduling.describe_slot(profile, new_start) in texts(messages)
    assert events == [{"event": "slot", "timestamp": None, "name": "booking_reference_issued", "value": new.reference},
                      {"event": "slot", "timestamp": None, "name": "preferred_time", "value": None}]


async def test_manage_with_the_wrong_contact_changes_nothing(app, db, profile, existing):
    for choice, extra in (("cancel", {}),
                          ("reschedule", {"preferred_time": scheduling.slot_payload(free_start(db, profile, 4))})):
        slots = {"booking_reference": existing.reference, "contact": "someone@example.com",
                 "manage_choice": choice, **extra}
        _, messages = await run(ActionFinishManageBooking(app), make_tracker(slots=slots))
        assert "cancelled" not in texts(messages) and "reference stays" not in texts(messages)
        assert "nothing was changed" in texts(messages) and profile.phone in texts(messages)
    assert [(a.reference, a.status) for a in appointments(db)] == [(existing.reference, "booked")]


async def test_manage_reschedule_into_a_taken_slot(app, db, profile, existing):
    taken = free_start(db, profile, days_ahead=4)
    in_uow(db, book, profile, "someone-else", "Bob Roe", ContactDetails(email="bob@example.com"), taken)
    slots = {"booking_reference": existing.reference, "contact": "+18185550199", "manage_choice": "reschedule",
             "preferred_time": scheduling.slot_payload(taken)}
    events, messages = await run(ActionFinishManageBooking(app), make_tracker(slots=slots))
    assert events == [{"event": "slot", "timestamp": None, "name": "preferred_time", "value": None}]
    assert "just taken" in texts(messages)
    assert taken not in slot_starts_in(payloads(messages))
    statuses = {a.reference: a.status for a in appointments(db)}
    assert statuses[existing.reference] == "booked"


async def test_consent_then_screening_for_another_visitor_is_separate(app, db, profile):
    """Answers are stored per conversation: another visitor's consent does not cover this one."""
    await consent(app, sender="other-visitor")
    with pytest.raises(PermissionError):
        await validate(ValidateScreeningForm(app), "screening_form", "screening_complete", "no", intent="deny",
                       slots={"screening_answers": one_by_one()})
    in_uow(db, record_consent, SENDER, True)
    slots, _ = await validate(ValidateScreeningForm(app), "screening_form", "screening_complete", "no", intent="deny",
                              slots={"screening_answers": one_by_one()})
    assert slots["screening_answers"]["toxin_allergy"]["value"] == {"answer": "no"}


async def test_manage_starts_from_the_booking_made_in_this_conversation(app, db, existing):
    text = "move my appointment to next Friday morning"
    tracker = make_tracker(slots={"booking_reference_issued": existing.reference, "contact": "+18185550199"},
                           text=text, intent="manage_booking")
    events, _ = await run(ActionStartManageBooking(app), tracker)
    assert {e["name"]: e["value"] for e in events} == {
        "booking_reference": existing.reference, "contact": "+18185550199", "manage_choice": "reschedule",
        "preferred_time": text}


async def test_manage_without_a_booking_here_asks_for_everything(app, db):
    events, _ = await run(ActionStartManageBooking(app), make_tracker(text="I need to change my booking",
                                                                      intent="manage_booking"))
    assert {e["name"]: e["value"] for e in events} == {
        "booking_reference": None, "contact": None, "manage_choice": "reschedule", "preferred_time": None}


async def test_manage_either_contact_given_at_booking_finds_it(app, db, profile):
    both = ContactDetails(phone="+18185550199", email="jane@example.com")
    booking = in_uow(db, book, profile, "conv-both", "Jane Doe", both, free_start(db, profile), concern="acne")
    for typed in ("jane@example.com", "818 555 0199"):
        slots, _ = await validate(ValidateManageBookingForm(app), "manage_booking_form", "contact", typed,
                                  slots={"booking_reference": booking.reference})
        assert slots["contact"], typed


async def test_a_time_window_is_kept_and_the_reply_names_it(app, db):
    wednesday_morning = at_clinic_time(app, 2026, 12, 2, 9)
    slots, messages = await validate(ValidateBookingForm(wednesday_morning), "booking_form", "preferred_time",
                                     "tomorrow after 4")
    assert slots["preferred_time"] is None
    assert "Here are the free times on Thursday, December 3 after 4:00 pm." in texts(messages)
    assert "Our office hours" not in texts(messages)
    offered = slot_starts_in(payloads(messages))
    assert offered and all(start.astimezone(app.profile.timezone).hour >= 16 for start in offered)


async def test_after_booking_an_answer_says_how_to_change_it_and_offers_no_booking(app, db):
    tracker = make_tracker(intent="ask_consultation", slots={"booking_reference_issued": "K7M2QX"})
    _, messages = await run(ActionAnswerQuestion(app), tracker)
    assert "The consultation is free" in texts(messages) and "your reference is K7M2QX" in texts(messages)
    assert "/request_booking" not in payloads(messages)


async def test_the_booking_offer_is_not_repeated_every_answer(app, db):
    offered = {"event": "bot", "text": "...", "data": {"buttons": [{"title": "Book", "payload": "/request_booking"}]}}
    recent = [user_event("ask_cost"), offered, user_event("ask_pain")]
    _, messages = await run(ActionAnswerQuestion(app), make_tracker(intent="ask_pain", events=recent))
    assert "/request_booking" not in payloads(messages)
    later = [*recent, user_event("ask_units"), user_event("ask_duration"), user_event("ask_pain")]
    _, messages = await run(ActionAnswerQuestion(app), make_tracker(intent="ask_pain", events=later))
    assert "/request_booking" in payloads(messages)


async def test_a_name_with_the_phone_after_it_fills_both(app, db):
    slots, _ = await validate(ValidateBookingForm(app), "booking_form", "full_name", "Maria Gomez, 818 555 0155")
    assert slots["full_name"] == "Maria Gomez" and slots["contact"] == "+18185550155"


async def test_not_sure_typed_is_unsure_whatever_the_intent(app, db, profile):
    await consent(app)
    slots, _ = await validate(ValidateScreeningForm(app), "screening_form", "screening_complete", "not sure",
                              intent="affirm", slots={"screening_answers": one_by_one()})
    assert only_answers(slots["screening_answers"])["toxin_allergy"]["value"] == {"answer": "unsure"}


async def test_sweating_areas_naming_feet_is_an_answer_not_a_new_concern(app, db, profile):
    await consent(app)
    before = answered(general_keys(profile, "sweating")[:-1])
    text = "my palms and my feet"
    entities = [{"entity": "concern", "value": "foot_pain"}]
    events = [user_event("concern_foot_pain", text), {"event": "slot", "name": "screening_complete", "value": text}]
    tracker = make_tracker(slots={"concern": "sweating", "screening_answers": before, "screening_complete": text,
                                  "requested_slot": "screening_complete"}, text=text, intent="concern_foot_pain",
                           entities=entities, events=events, active_loop="screening_form")
    returned, messages = await run(ValidateScreeningForm(app), tracker)
    slots = {e["name"]: e["value"] for e in returned if e["event"] == "slot"}
    assert slots["screening_answers"]["sweating_areas"]["value"] == {"answer": ["palms", "feet"]}
    assert "concern" not in slots and "foot pain" not in texts(messages).lower()


async def test_a_callback_number_in_a_sentence_is_taken(app, db):
    slots, messages = await validate(ValidateCallbackForm(app), "callback_form", "callback_phone",
                                     "call me on 818 555 0174")
    assert slots["callback_phone"] == "+18185550174" and messages == []
