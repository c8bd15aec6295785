"""What the conversation does to the store (bot/intake_service.py), on SQLite and on PostgreSQL,
including the double-booking race: many visitors booking the same slot at the same moment."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.adapters.db import session_scope
from bot.adapters.models import Alert, Appointment, CallbackRequest, Contact, Intake, ScreeningAnswer
from bot.adapters.repository import REFERENCE_ALPHABET, REFERENCE_LENGTH
from bot.domain.validators import ContactDetails
from bot.services.intake import (
    BookingInfo,
    SlotTaken,
    add_to_emergency,
    book,
    cancel_booking,
    find_booking,
    record_alert,
    record_consent,
    reschedule_booking,
    save_callback,
    save_screening_answer,
    set_concern,
    set_consultation_only,
    taken_starts,
)
from tests.integration import rows
from tests.support import in_uow

UTC = timezone.utc
LA = ZoneInfo("America/Los_Angeles")
START = datetime(2031, 3, 4, 10, 0, tzinfo=LA)  # a Tuesday, 10:00 am in Encino (18:00 UTC)
LATER = datetime(2031, 3, 4, 10, 30, tzinfo=LA)
PHONE = ContactDetails(phone="+18185550199")
EMAIL = ContactDetails(email="jane.doe@example.com")


def _intake(engine, conversation_id) -> Intake:
    found = rows.intake(engine, conversation_id)
    assert found is not None, f"no intake for {conversation_id}"
    return found


def _booked_at(engine, start) -> int:
    with session_scope(engine) as session:
        return session.execute(
            select(func.count()).select_from(Appointment).where(
                Appointment.start_at == start, Appointment.status == "booked")
        ).scalar_one()


# --- booking -------------------------------------------------------------------------------------


def test_book_stores_contact_and_appointment(engine, profile):
    info = in_uow(engine, book, profile, "conv-1", "Jane Doe", PHONE, START, concern="sweating")
    assert isinstance(info, BookingInfo)
    assert info.name == "Jane Doe" and info.phone == "+18185550199" and info.email is None
    assert info.concern == "sweating" and info.status == "booked"
    assert len(info.reference) == REFERENCE_LENGTH == 6
    assert set(info.reference) <= set(REFERENCE_ALPHABET)
    assert info.start == START and info.end == START + timedelta(minutes=30)
    assert info.start.utcoffset() == timedelta(0)  # returned in UTC, aware
    assert info.start.hour == 18

    with session_scope(engine) as session:
        intake = session.execute(select(Intake).where(Intake.conversation_id == "conv-1")).scalar_one()
        assert intake.id == info.intake_id
        assert intake.status == "booked" and intake.concern == "sweating"
        assert intake.contact.name == "Jane Doe" and intake.contact.phone == "+18185550199"
        [appointment] = intake.appointments
        assert appointment.reference == info.reference
        assert appointment.contact_id == intake.contact_id
        assert appointment.start_at.tzinfo is not None and appointment.start_at.utcoffset() == timedelta(0)
        assert appointment.start_at == datetime(2031, 3, 4, 18, 0, tzinfo=UTC)
        assert appointment.end_at == datetime(2031, 3, 4, 18, 30, tzinfo=UTC)
        assert appointment.created_at.utcoffset() == timedelta(0)
        assert session.execute(select(func.count()).select_from(Contact)).scalar_one() == 1


def test_book_refuses_a_naive_datetime(engine, profile):
    with pytest.raises(Exception, match="naive"):
        in_uow(engine, book, profile, "conv-naive", "Jane Doe", PHONE, datetime(2031, 3, 4, 10, 0))
    assert rows.appointments(engine) == []


def test_second_booking_of_the_same_start_raises_slot_taken(engine, profile):
    first = in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, START)
    # the same instant written in another zone is the same slot
    with pytest.raises(SlotTaken):
        in_uow(engine, book, profile, "conv-b", "Bob Roe", EMAIL, START.astimezone(UTC))
    assert _booked_at(engine, START) == 1
    [appointment] = rows.appointments(engine)
    assert appointment.reference == first.reference
    with session_scope(engine) as session:  # the loser's contact was rolled back
        assert session.execute(select(Contact.name)).scalars().all() == ["Jane Doe"]


def test_a_failed_unit_of_work_leaves_no_intake(engine, profile):
    in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, START)
    with pytest.raises(SlotTaken):
        in_uow(engine, book, profile, "conv-b", "Bob Roe", EMAIL, START)
    with pytest.raises(PermissionError):
        in_uow(engine, save_screening_answer, "conv-c", "pregnancy", "Pregnant?", {"answer": "no"}, [])
    with session_scope(engine) as session:
        assert session.execute(select(Intake.conversation_id)).scalars().all() == ["conv-a"]


def test_same_visitor_booking_twice_updates_the_contact(engine, profile):
    in_uow(engine, book, profile, "conv-1", "Jane Doe", PHONE, START)
    in_uow(engine, book, profile, "conv-1", "Jane Smith", EMAIL, LATER)
    intake = _intake(engine, "conv-1")
    with session_scope(engine) as session:
        contacts = session.execute(select(Contact)).scalars().all()
        assert [(c.name, c.phone, c.email) for c in contacts] == [("Jane Smith", None, "jane.doe@example.com")]
        assert contacts[0].id == intake.contact_id
    assert len(rows.appointments(engine)) == 2


def test_cancel_frees_the_slot(engine, profile):
    first = in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, START)
    cancelled = in_uow(engine, cancel_booking, first.reference, PHONE)
    assert cancelled is not None and cancelled.status == "cancelled" and cancelled.reference == first.reference
    assert _booked_at(engine, START) == 0
    again = in_uow(engine, book, profile, "conv-b", "Bob Roe", EMAIL, START)
    assert again.reference != first.reference
    assert {(a.reference, a.status) for a in rows.appointments(engine)} == {
        (first.reference, "cancelled"), (again.reference, "booked")}
    # a cancelled booking can't be cancelled or found again
    assert in_uow(engine, cancel_booking, first.reference, PHONE) is None
    assert in_uow(engine, find_booking, first.reference, PHONE) is None


def test_cancel_with_wrong_contact_changes_nothing(engine, profile):
    first = in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, START)
    assert in_uow(engine, cancel_booking, first.reference, ContactDetails(phone="+18185550100")) is None
    assert [a.status for a in rows.appointments(engine)] == ["booked"]


def test_reschedule_keeps_the_appointment_and_its_reference(engine, profile):
    old = in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, START, concern="migraine")
    new = in_uow(engine, reschedule_booking, profile, old.reference, PHONE, LATER)
    assert new is not None
    assert new.reference == old.reference and new.appointment_id == old.appointment_id
    assert new.start == LATER and new.end == LATER + (old.end - old.start) and new.status == "booked"
    assert new.intake_id == old.intake_id and new.name == "Jane Doe" and new.concern == "migraine"
    [appointment] = rows.appointments(engine)
    assert (appointment.reference, appointment.status, appointment.start_at) == (old.reference, "booked", LATER)
    assert _booked_at(engine, START) == 0 and _booked_at(engine, LATER) == 1
    # the old start is free again
    in_uow(engine, book, profile, "conv-b", "Bob Roe", EMAIL, START)


def test_reschedule_with_wrong_contact_changes_nothing(engine, profile):
    old = in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, START)
    assert in_uow(engine, reschedule_booking, profile, old.reference, EMAIL, LATER) is None
    assert in_uow(engine, reschedule_booking, profile, "ZZZZZZ", PHONE, LATER) is None
    [appointment] = rows.appointments(engine)
    assert (appointment.reference, appointment.status, appointment.start_at) == (old.reference, "booked", START)


def test_reschedule_into_a_taken_slot_keeps_the_old_booking(engine, profile):
    old = in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, START)
    other = in_uow(engine, book, profile, "conv-b", "Bob Roe", EMAIL, LATER)
    with pytest.raises(SlotTaken):
        in_uow(engine, reschedule_booking, profile, old.reference, PHONE, LATER)
    assert {(a.reference, a.status) for a in rows.appointments(engine)} == {
        (old.reference, "booked"), (other.reference, "booked")}


def test_find_booking_needs_the_matching_phone_or_email(engine, profile):
    by_phone = in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, START)
    by_email = in_uow(engine, book, profile, "conv-b", "Bob Roe", ContactDetails(email="Bob.Roe@Example.com"), LATER)

    found = in_uow(engine, find_booking, by_phone.reference, PHONE)
    assert found is not None and found.reference == by_phone.reference and found.start == START
    assert in_uow(engine, find_booking, f"  {by_phone.reference.lower()} ", PHONE).reference == by_phone.reference
    assert in_uow(engine, find_booking, by_phone.reference, ContactDetails(phone="+18185550100")) is None
    assert in_uow(engine, find_booking, by_phone.reference, EMAIL) is None
    assert in_uow(engine, find_booking, by_phone.reference, ContactDetails()) is None

    found = in_uow(engine, find_booking, by_email.reference, ContactDetails(email="bob.roe@example.com"))
    assert found.name == "Bob Roe"
    assert in_uow(engine, find_booking, by_email.reference, ContactDetails(email="BOB.ROE@EXAMPLE.COM")) is not None
    assert in_uow(engine, find_booking, by_email.reference, ContactDetails(email="bob@example.com")) is None
    # another visitor's reference with my contact details: not mine
    assert in_uow(engine, find_booking, by_email.reference, PHONE) is None
    assert in_uow(engine, find_booking, "ABCDEF", PHONE) is None


def test_taken_starts(engine, profile):
    now = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
    soon = now + timedelta(days=3)
    in_uow(engine, book, profile, "conv-a", "Jane Doe", PHONE, soon)
    cancelled = in_uow(engine, book, profile, "conv-b", "Bob Roe", EMAIL, soon + timedelta(hours=1))
    in_uow(engine, cancel_booking, cancelled.reference, EMAIL)
    in_uow(engine, book, profile, "conv-c", "Ann Lee", ContactDetails(phone="+18185550111"), now + timedelta(days=200))
    in_uow(engine, book, profile, "conv-d", "Tom Poe", ContactDetails(phone="+18185550122"), now - timedelta(days=5))
    starts = in_uow(engine, taken_starts, profile, now)
    assert starts == [soon]
    assert all(start.utcoffset() == timedelta(0) for start in starts)


def test_set_concern_and_consultation_only(engine):
    in_uow(engine, set_concern, "conv-1", "acne")
    in_uow(engine, set_consultation_only, "conv-1", True)
    intake = _intake(engine, "conv-1")
    assert intake.concern == "acne" and intake.consultation_only is True and intake.status == "new"
    in_uow(engine, set_concern, "conv-1", "wrinkles")
    assert _intake(engine, "conv-1").concern == "wrinkles"


# --- consent and screening -----------------------------------------------------------------------


def _answers(engine, conversation_id):
    with session_scope(engine) as session:
        intake = session.execute(select(Intake).where(Intake.conversation_id == conversation_id)).scalar_one()
        return [(a.question_key, a.answer, a.flags) for a in intake.screening_answers]


def test_save_screening_answer_needs_consent(engine):
    with pytest.raises(PermissionError):
        in_uow(engine, save_screening_answer, "conv-1", "pregnancy", "Are you pregnant?", {"answer": "no"}, [])
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(ScreeningAnswer)).scalar_one() == 0
    in_uow(engine, record_consent, "conv-1", False)  # declined: still refused
    with pytest.raises(PermissionError):
        in_uow(engine, save_screening_answer, "conv-1", "pregnancy", "Are you pregnant?", {"answer": "no"}, [])
    assert _answers(engine, "conv-1") == []


def test_screening_answers_stored_and_replaced(engine):
    in_uow(engine, record_consent, "conv-1", True)
    intake = _intake(engine, "conv-1")
    assert intake.consent_at is not None and intake.consent_declined_at is None
    in_uow(engine, save_screening_answer, "conv-1", "toxin_allergy", "Allergy?", {"answer": "yes"}, ["allergy_stop"])
    in_uow(engine, save_screening_answer, "conv-1", "recent_toxin", "Recent toxin?",
                          {"answer": "yes", "detail": "Dysport in May"}, ["recent_toxin"])
    in_uow(engine, save_screening_answer, "conv-1", "toxin_allergy", "Allergy?", {"answer": "no"}, [])
    assert _answers(engine, "conv-1") == [
        ("toxin_allergy", {"answer": "no"}, []),
        ("recent_toxin", {"answer": "yes", "detail": "Dysport in May"}, ["recent_toxin"]),
    ]


def test_declining_consent_deletes_stored_answers(engine):
    in_uow(engine, record_consent, "conv-1", True)
    in_uow(engine, save_screening_answer, "conv-1", "pregnancy", "Pregnant?", {"answer": "yes"}, ["pregnancy"])
    in_uow(engine, save_screening_answer, "conv-1", "bleeding", "Bleeding?", {"answer": "no"}, [])
    in_uow(engine, record_consent, "conv-2", True)
    in_uow(engine, save_screening_answer, "conv-2", "bleeding", "Bleeding?", {"answer": "no"}, [])

    in_uow(engine, record_consent, "conv-1", False)
    intake = _intake(engine, "conv-1")
    assert intake.consent_at is None and intake.consent_declined_at is not None
    assert _answers(engine, "conv-1") == []
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(ScreeningAnswer)).scalar_one() == 1
    assert _answers(engine, "conv-2") == [("bleeding", {"answer": "no"}, [])]  # other visitors untouched
    with pytest.raises(PermissionError):
        in_uow(engine, save_screening_answer, "conv-1", "bleeding", "Bleeding?", {"answer": "no"}, [])
    assert _answers(engine, "conv-1") == []


# --- alerts and callbacks ------------------------------------------------------------------------


def test_record_alert_sets_the_safety_flag_and_keeps_one_alert_per_episode(engine):
    words = "my eyelid is drooping since my botox on Monday"
    recorded = in_uow(engine, record_alert, "conv-1", "adverse_effect", words)
    assert recorded.new and _intake(engine, "conv-1").id == recorded.intake_id
    assert _intake(engine, "conv-1").safety_flag == "adverse_effect"

    assert in_uow(engine, record_alert, "conv-1", "emergency", "I can't swallow").new
    assert _intake(engine, "conv-1").safety_flag == "emergency"
    again = in_uow(engine, record_alert, "conv-1", "adverse_effect", "and a headache")
    assert not again.new and again.alert_id == recorded.alert_id  # added to the open alert
    assert _intake(engine, "conv-1").safety_flag == "emergency"  # emergency wins

    with session_scope(engine) as session:
        alerts = session.execute(select(Alert).order_by(Alert.id)).scalars().all()
        assert [(a.intake_id, a.kind, a.priority, a.message) for a in alerts] == [
            (recorded.intake_id, "adverse_effect", "high", words + "\nand a headache"),
            (recorded.intake_id, "emergency", "urgent", "I can't swallow"),
        ]
        assert all(a.resolved_at is None and a.created_at.utcoffset() == timedelta(0) for a in alerts)
        assert alerts[0].updated_at.utcoffset() == timedelta(0) and alerts[1].updated_at is None
        alerts[0].resolved_at = alerts[0].created_at  # staff resolved it: the next report is a new alert
    assert in_uow(engine, record_alert, "conv-1", "adverse_effect", "it is back").new


def test_emergency_words_and_the_callback_number_go_on_the_episode_alert(engine):
    first = in_uow(engine, record_alert, "conv-1", "emergency", "I can't swallow")
    later = in_uow(engine, add_to_emergency, "conv-1", "I don't want to go to the ER")
    with_phone = in_uow(engine, add_to_emergency, "conv-1", "call me 818 555 0199", "+18185550199")
    assert first.alert_id == later.alert_id == with_phone.alert_id and not later.new
    with session_scope(engine) as session:
        alert = session.get(Alert, first.alert_id)
        assert alert.message.splitlines() == ["I can't swallow", "I don't want to go to the ER",
                                              "call me 818 555 0199"]
        assert alert.callback_phone == "+18185550199"


def test_record_alert_emergency_first(engine):
    in_uow(engine, record_alert, "conv-1", "emergency", "my throat is swelling")
    assert _intake(engine, "conv-1").safety_flag == "emergency"


def test_record_alert_unknown_kind_stores_nothing(engine):
    with pytest.raises(KeyError):
        in_uow(engine, record_alert, "conv-1", "rash", "a rash")
    with session_scope(engine) as session:
        assert session.execute(select(func.count()).select_from(Alert)).scalar_one() == 0


def test_save_callback(engine):
    intake_id = in_uow(engine, save_callback, "conv-1", "Jane Doe", "+18185550199", "weekday mornings",
                       "talk_to_person")
    with session_scope(engine) as session:
        [request] = session.execute(select(CallbackRequest)).scalars().all()
        assert (request.intake_id, request.name, request.phone, request.best_time, request.reason,
                request.status) == (intake_id, "Jane Doe", "+18185550199", "weekday mornings",
                                    "talk_to_person", "open")
        intake = session.get(Intake, intake_id)
        assert intake.conversation_id == "conv-1"
        assert (intake.contact.name, intake.contact.phone) == ("Jane Doe", "+18185550199")


def test_save_callback_keeps_an_existing_contact(engine, profile):
    booking = in_uow(engine, book, profile, "conv-1", "Jane Doe", EMAIL, START)
    intake_id = in_uow(engine, save_callback, "conv-1", "J", "+18185550100", "after 3 pm", "adverse_effect_same_day")
    assert intake_id == booking.intake_id
    with session_scope(engine) as session:
        intake = session.get(Intake, intake_id)
        assert (intake.contact.name, intake.contact.email, intake.contact.phone) == (
            "Jane Doe", "jane.doe@example.com", None)
        assert [c.reason for c in intake.callbacks] == ["adverse_effect_same_day"]
        assert session.execute(select(func.count()).select_from(Contact)).scalar_one() == 1


# --- the race ------------------------------------------------------------------------------------

RACERS = 8


def test_concurrent_bookings_of_one_slot_book_exactly_one(engine, profile):
    """Eight visitors press the same slot button at once: one booking, seven SlotTaken."""
    barrier = threading.Barrier(RACERS)
    results = [None] * RACERS

    def racer(index: int) -> None:
        contact = ContactDetails(phone=f"+1818555{index:04d}")
        try:
            barrier.wait(timeout=30)
            results[index] = in_uow(engine, book, profile, f"race-{index}", f"Visitor {chr(65 + index)}", contact,
                                    START)
        except BaseException as exc:  # noqa: B036 - collected and asserted below
            results[index] = exc

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    winners = [r for r in results if isinstance(r, BookingInfo)]
    losers = [r for r in results if isinstance(r, SlotTaken)]
    others = [r for r in results if not isinstance(r, (BookingInfo, SlotTaken))]
    assert others == [], f"unexpected outcomes: {others!r}"
    assert len(winners) == 1 and len(losers) == RACERS - 1

    assert _booked_at(engine, START) == 1
    [appointment] = rows.appointments(engine)
    assert appointment.reference == winners[0].reference and appointment.status == "booked"
    with session_scope(engine) as session:
        owner = session.get(Intake, appointment.intake_id)
        assert owner.conversation_id == f"race-{results.index(winners[0])}"
        assert owner.contact.phone == winners[0].phone
