"""One active booking per contact unless the clinic allows more (BOOKING_MAX_ACTIVE_PER_CONTACT),
and no booking when the gateway says the client address booked enough (issue #11 point 7): the
booking service and the booking action, on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk import Tracker

from actions.booking import ActionBookConsultation
from bot.adapters.rasa_events import bookings_blocked_metadata, is_booked
from bot.domain.validators import ContactDetails
from bot.services.intake import BookingLimitReached, book, cancel_booking
from tests.integration.rows import appointments
from tests.integration.test_actions import booking_slots, free_start, make_tracker, run, texts
from tests.support import english, in_uow

PHONE = ContactDetails(phone="+18185550199")


def test_a_contact_holds_one_upcoming_booking(db, profile):
    first, second = free_start(db, profile, index=0), free_start(db, profile, index=1)
    booking = in_uow(db, book, profile, "conv-a", "Jane Doe", PHONE, first, max_active=1)
    with pytest.raises(BookingLimitReached):  # another conversation, the same phone
        in_uow(db, book, profile, "conv-b", "Jane D", PHONE, second, max_active=1)
    with pytest.raises(BookingLimitReached):  # the same person by e-mail, another case
        in_uow(db, book, profile, "conv-c", "J", ContactDetails(phone="+18185550199", email="x@example.com"),
               second, max_active=1)
    in_uow(db, book, profile, "conv-d", "Bob Roe", ContactDetails(phone="+18185550100"), second, max_active=1)
    assert len(appointments(db)) == 2
    # cancelled, it no longer counts
    in_uow(db, cancel_booking, booking.reference, PHONE)
    in_uow(db, book, profile, "conv-b", "Jane Doe", PHONE, free_start(db, profile, index=2), max_active=1)


def test_emails_match_whatever_their_case_and_past_bookings_do_not_count(db, profile):
    start = free_start(db, profile)
    in_uow(db, book, profile, "conv-e", "Ann", ContactDetails(email="Ann@Example.com"), start, max_active=1)
    with pytest.raises(BookingLimitReached):
        in_uow(db, book, profile, "conv-f", "Ann", ContactDetails(email="ann@example.com"),
               free_start(db, profile, index=1), max_active=1)
    later = start + timedelta(hours=1)  # seen from after the first booking, it is past
    in_uow(db, book, profile, "conv-f", "Ann", ContactDetails(email="ann@example.com"),
           free_start(db, profile, index=3), max_active=1, now=later)


def test_the_clinic_may_allow_more_or_any(db, profile):
    starts = [free_start(db, profile, index=i) for i in range(4)]
    for index, start in enumerate(starts[:2]):
        in_uow(db, book, profile, f"conv-{index}", "Jane", PHONE, start, max_active=2)
    with pytest.raises(BookingLimitReached):
        in_uow(db, book, profile, "conv-9", "Jane", PHONE, starts[2], max_active=2)
    in_uow(db, book, profile, "conv-9", "Jane", PHONE, starts[2], max_active=0)  # 0: no limit
    assert len(appointments(db)) == 3


async def test_the_action_refuses_a_second_booking_without_naming_the_first(app, db, profile):
    first, second = free_start(db, profile, index=0), free_start(db, profile, index=1)
    _, messages = await run(ActionBookConsultation(app), make_tracker(slots=booking_slots(first)))
    assert any(is_booked(m.get("custom")) for m in messages)  # the gateway counts this booking
    [booked] = appointments(db)
    events, messages = await run(ActionBookConsultation(app),
                                 make_tracker(sender="conv-other", slots=booking_slots(second)))
    assert texts(messages) == english().text("booking.contact_limit")
    assert booked.reference not in texts(messages)
    assert not any(is_booked(m.get("custom")) for m in messages)
    assert events == [{"event": "slot", "timestamp": None, "name": "preferred_time", "value": None}]
    assert len(appointments(db)) == 1


async def test_the_action_books_nothing_when_the_gateway_says_the_address_booked_enough(app, db, profile):
    start = free_start(db, profile)
    plain = make_tracker(slots=booking_slots(start))
    latest = {**plain.latest_message, "metadata": bookings_blocked_metadata()}
    tracker = Tracker(plain.sender_id, plain.slots, latest, plain.events, False, None, {}, "action_listen")
    events, messages = await run(ActionBookConsultation(app), tracker)
    assert texts(messages) == english().text("booking.address_limit")
    assert appointments(db) == []
    assert events == [{"event": "slot", "timestamp": None, "name": "preferred_time", "value": None}]
