"""What the conversation does to the store, one unit of work per call.

Each function opens its own session (the caller owns nothing but the engine) and returns plain
values, so the actions never hold ORM objects across awaits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, List, Optional

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.adapters.db import session_scope, utcnow
from bot.adapters.models import Alert, Appointment, CallbackRequest, Contact, ScreeningAnswer
from bot.adapters.repository import SlotTaken, book_consultation, booked_starts, intake_for_conversation, save_contact
from bot.domain.profile import ClinicProfile
from bot.domain.validators import ContactDetails

ALERT_PRIORITY = {"emergency": "urgent", "adverse_effect": "high"}


@dataclass(frozen=True)
class BookingInfo:
    intake_id: int
    reference: str
    start: datetime
    end: datetime
    name: str
    phone: Optional[str]
    email: Optional[str]
    concern: Optional[str]
    status: str


def _booking_info(appointment: Appointment) -> BookingInfo:
    intake = appointment.intake
    contact = appointment.contact or intake.contact
    return BookingInfo(
        intake_id=intake.id,
        reference=appointment.reference,
        start=appointment.start_at,
        end=appointment.end_at,
        name=contact.name if contact else "",
        phone=contact.phone if contact else None,
        email=contact.email if contact else None,
        concern=intake.concern,
        status=appointment.status,
    )


def taken_starts(engine: Engine, profile: ClinicProfile, now: datetime) -> List[datetime]:
    horizon = now + timedelta(days=int(profile.consultation.get("booking_horizon_days", 60)) + 1)
    with session_scope(engine) as session:
        return booked_starts(session, now - timedelta(days=1), horizon)


def set_concern(engine: Engine, conversation_id: str, concern: str) -> None:
    with session_scope(engine, for_write=True) as session:
        intake_for_conversation(session, conversation_id).concern = concern


def record_consent(engine: Engine, conversation_id: str, given: bool) -> None:
    with session_scope(engine, for_write=True) as session:
        intake = intake_for_conversation(session, conversation_id)
        if given:
            intake.consent_at, intake.consent_declined_at = utcnow(), None
        else:
            intake.consent_declined_at = utcnow()
            intake.consent_at = None
            for answer in list(intake.screening_answers):  # declined: keep no health answer
                session.delete(answer)


def save_screening_answer(
    engine: Engine, conversation_id: str, key: str, text: str, value: Any, flags: List[str]
) -> None:
    """Store (or replace) one structured answer; refused unless the visitor consented."""
    with session_scope(engine, for_write=True) as session:
        intake = intake_for_conversation(session, conversation_id)
        if intake.consent_at is None:
            raise PermissionError("no consent recorded for this conversation")
        existing = session.execute(
            select(ScreeningAnswer).where(
                ScreeningAnswer.intake_id == intake.id, ScreeningAnswer.question_key == key
            )
        ).scalar_one_or_none()
        if existing is None:
            session.add(ScreeningAnswer(intake=intake, question_key=key, question_text=text,
                                        answer=value, flags=flags))
        else:
            existing.question_text, existing.answer, existing.flags = text, value, flags


def set_consultation_only(engine: Engine, conversation_id: str, value: bool) -> None:
    with session_scope(engine, for_write=True) as session:
        intake_for_conversation(session, conversation_id).consultation_only = value


def book(
    engine: Engine,
    profile: ClinicProfile,
    conversation_id: str,
    name: str,
    contact: ContactDetails,
    start: datetime,
    concern: Optional[str] = None,
) -> BookingInfo:
    """Store the contact and the appointment in one unit of work; SlotTaken if the slot went."""
    with session_scope(engine, for_write=True) as session:
        intake = intake_for_conversation(session, conversation_id)
        if concern:
            intake.concern = concern
        save_contact(session, intake, name, contact.phone, contact.email)
        appointment = book_consultation(session, intake, start, profile.consultation_minutes)
        if intake.status == "new":
            intake.status = "booked"
        session.flush()
        session.refresh(appointment)
        return _booking_info(appointment)


def find_booking(engine: Engine, reference: str, contact: ContactDetails) -> Optional[BookingInfo]:
    """The booked appointment with this reference, if the phone or e-mail matches its contact."""
    with session_scope(engine) as session:
        appointment = _owned_appointment(session, reference, contact)
        return _booking_info(appointment) if appointment else None


def _owned_appointment(session, reference: str, contact: ContactDetails) -> Optional[Appointment]:
    appointment = session.execute(
        select(Appointment).where(
            Appointment.reference == reference.strip().upper(), Appointment.status == "booked"
        )
    ).scalar_one_or_none()
    if appointment is None:
        return None
    owner: Optional[Contact] = appointment.contact or appointment.intake.contact
    if owner is None:
        return None
    if (contact.phone and contact.phone == owner.phone) or (
        contact.email and owner.email and contact.email.lower() == owner.email.lower()
    ):
        return appointment
    return None


def cancel_booking(engine: Engine, reference: str, contact: ContactDetails) -> Optional[BookingInfo]:
    with session_scope(engine, for_write=True) as session:
        appointment = _owned_appointment(session, reference, contact)
        if appointment is None:
            return None
        appointment.status = "cancelled"
        return _booking_info(appointment)


def reschedule_booking(
    engine: Engine, profile: ClinicProfile, reference: str, contact: ContactDetails, start: datetime
) -> Optional[BookingInfo]:
    """Move a booking: the old one is marked rescheduled and a new one (new reference) holds the
    new time, in one unit of work; SlotTaken leaves the old booking as it was."""
    with session_scope(engine, for_write=True) as session:
        old = _owned_appointment(session, reference, contact)
        if old is None:
            return None
        old.status = "rescheduled"
        session.flush()
        new = book_consultation(session, old.intake, start, profile.consultation_minutes)
        new.contact_id = old.contact_id
        session.flush()
        session.refresh(new)
        return _booking_info(new)


def record_alert(engine: Engine, conversation_id: str, kind: str, message: str) -> int:
    with session_scope(engine, for_write=True) as session:
        intake = intake_for_conversation(session, conversation_id)
        intake.safety_flag = "emergency" if "emergency" in (intake.safety_flag, kind) else kind
        alert = Alert(intake=intake, kind=kind, priority=ALERT_PRIORITY[kind], message=message)
        session.add(alert)
        session.flush()
        return intake.id


def save_callback(
    engine: Engine, conversation_id: str, name: str, phone: str, best_time: str, reason: str
) -> int:
    with session_scope(engine, for_write=True) as session:
        intake = intake_for_conversation(session, conversation_id)
        if intake.contact is None:
            save_contact(session, intake, name, phone, None)
        session.add(CallbackRequest(intake=intake, name=name, phone=phone, best_time=best_time,
                                    reason=reason))
        session.flush()
        return intake.id


__all__ = [
    "BookingInfo", "SlotTaken", "book", "cancel_booking", "find_booking", "record_alert",
    "record_consent", "reschedule_booking", "save_callback", "save_screening_answer",
    "set_concern", "set_consultation_only", "taken_starts",
]
