"""The emergency state (actions/emergency.py): the instruction again until the visitor is safe,
their words and one callback number on the episode's single alert. rasa-sdk's
CollectingDispatcher and trackers built in code, over the test database."""
from __future__ import annotations

from sqlalchemy import select

from actions.emergency import ActionAskEmergencyOver, ActionEmergencyOver, ValidateEmergencyForm
from actions.safety import ActionHandleRedFlag
from bot.adapters.db import session_scope
from bot.adapters.models import Alert
from tests.integration.test_actions import EMERGENCY_TEXT, make_tracker, payloads, run, texts, user_event, validate

FORM = "emergency_form"


async def start_episode(app):
    await run(ActionHandleRedFlag(app), make_tracker(text=EMERGENCY_TEXT, intent="report_emergency"))


def the_alert(db) -> Alert:
    with session_scope(db) as session:
        [alert] = session.execute(select(Alert)).scalars().all()
        session.expunge(alert)
        return alert


async def test_a_booking_request_is_not_a_way_out(app, db):
    await start_episode(app)
    text = "I don't want to go to the ER, can I just come in tomorrow morning instead"
    slots, _ = await validate(ValidateEmergencyForm(app), FORM, "emergency_over", text, intent="request_booking")
    assert slots == {"emergency_over": None}
    alert = the_alert(db)
    assert alert.message.splitlines() == [EMERGENCY_TEXT, text] and alert.callback_phone is None


async def test_the_callback_number_goes_on_the_alert_once(app, db):
    await start_episode(app)
    slots, _ = await validate(ValidateEmergencyForm(app), FORM, "emergency_over", "my number is 818-555-0199")
    assert slots == {"emergency_over": None, "emergency_callback_phone": "+18185550199"}
    slots, _ = await validate(ValidateEmergencyForm(app), FORM, "emergency_over", "or 323 555 0100",
                              slots={"emergency_callback_phone": "+18185550199"})
    assert slots == {"emergency_over": None}
    assert the_alert(db).callback_phone == "+18185550199"


async def test_safe_ends_the_episode(app, db):
    await start_episode(app)
    slots, _ = await validate(ValidateEmergencyForm(app), FORM, "emergency_over", "I'm safe now, I'm at the hospital")
    assert slots == {"emergency_over": True}
    assert len(the_alert(db).message.splitlines()) == 2


async def test_not_safe_is_not_safe(app, db):
    await start_episode(app)
    slots, _ = await validate(ValidateEmergencyForm(app), FORM, "emergency_over", "I'm not safe, I haven't called 911")
    assert slots == {"emergency_over": None}


def asked_after(events):
    return make_tracker(events=events, active_loop=FORM, slots={"emergency_callback_phone": "+18185550199"})


async def test_the_form_repeats_the_instruction_but_not_on_the_turn_it_was_given(app, profile):
    just_reported = [user_event("report_emergency", EMERGENCY_TEXT),
                     {"event": "action", "name": "action_handle_red_flag"}]
    _, messages = await run(ActionAskEmergencyOver(app), asked_after(just_reported))
    assert messages == []
    _, messages = await run(ActionAskEmergencyOver(app), asked_after([*just_reported, user_event("request_booking")]))
    assert "call 911" in texts(messages) and payloads(messages) == []
    phone_given = [*just_reported, user_event("inform", "818 555 0199"),
                   {"event": "slot", "name": "emergency_callback_phone", "value": "+18185550199"}]
    _, messages = await run(ActionAskEmergencyOver(app), asked_after(phone_given))
    assert "+18185550199" in texts(messages) and "911" in texts(messages)


async def test_after_the_episode_booking_and_a_call_are_offered(app):
    events, messages = await run(ActionEmergencyOver(app), make_tracker())
    assert {"/request_booking", "/human_handoff"} <= set(payloads(messages))
    assert events[0]["name"] == "emergency_callback_phone" and events[0]["value"] is None
