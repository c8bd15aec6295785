"""The actions that end a form, run when the form did not finish (issue #12 fuzzing: a turn lost to
a failed action call left the manage-booking form without its contact, and the finishing action
raised, so the visitor was asked to send the message again): they hand back to the form, which
asks for what is missing."""
from __future__ import annotations

from actions.booking import ActionBookConsultation
from actions.manage import ActionFinishManageBooking
from bot.domain import scheduling
from tests.integration.test_actions import free_start, make_tracker, run


async def test_finishing_the_manage_form_without_a_contact_asks_for_it(app, db):
    tracker = make_tracker(slots={"booking_reference": "K7M2QX", "manage_choice": "cancel", "contact": None})
    events, messages = await run(ActionFinishManageBooking(app), tracker)
    assert events == [{"event": "slot", "timestamp": None, "name": "contact", "value": None},
                      {"event": "followup", "timestamp": None, "name": "manage_booking_form"}]
    assert messages == []


async def test_booking_without_a_contact_asks_for_it(app, db, profile):
    start = scheduling.slot_payload(free_start(db, profile))
    tracker = make_tracker(slots={"full_name": "Casey Fuzzer", "preferred_time": start, "contact": None,
                                  "concern": "sweating"})
    events, messages = await run(ActionBookConsultation(app), tracker)
    assert events == [{"event": "slot", "timestamp": None, "name": "contact", "value": None},
                      {"event": "followup", "timestamp": None, "name": "booking_form"}]
    assert messages == []
