"""What the conversation does to the store: each function is one use case on the caller's unit of
work (a Session from `App.unit_of_work`; the caller commits by leaving it) and returns plain
values, so the actions never hold ORM objects across awaits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, List, Optional, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.db import utcnow
from bot.adapters.models import Alert, Appointment, CallbackRequest, Contact, ScreeningAnswer
from bot.adapters.repository import (
    SlotTaken,
    active_bookings_for_contact,
    book_consultation,
    booked_starts,
    contact_matches,
    find_appointment,
    intake_for_conversation,
    lock_contact,
    move_appointment,
    save_contact,
)
from bot.domain.profile import ClinicProfile
from bot.domain.statuses import ALERT_PRIORITY, AlertKind, AppointmentStatus, IntakeStatus
from bot.domain.validators import ContactDetails


class BookingLimitReached(Exception):
    """The contact already holds as many upcoming bookings as the clinic allows."""


@dataclass(frozen=True)
class BookingInfo:
    intake_id: int
    appointment_id: int
    reference: str
    start: datetime
    end: datetime
    name: str
    phone: Optional[str]
    email: Optional[str]
    concern: Optional[str]
    status: str


def booking_info(appointment: Appointment) -> BookingInfo:
    intake = appointment.intake
    contact = appointment.contact or intake.contact
    return BookingInfo(
        intake_id=intake.id,
        appointment_id=appointment.id,
        reference=appointment.reference,
        start=appointment.start_at,
        end=appointment.end_at,
        name=contact.name if contact else "",
        phone=contact.phone if contact else None,
        email=contact.email if contact else None,
        concern=intake.concern,
        status=appointment.status,
    )


def taken_starts(session: Session, profile: ClinicProfile, now: datetime) -> List[datetime]:
    horizon = now + timedelta(days=profile.consultation.booking_horizon_days + 1)
    return booked_starts(session, now - timedelta(days=1), horizon)


def set_concern(session: Session, conversation_id: str, concern: str) -> None:
    """The visitor chose (or confirmed) what brings them in."""
    note_concerns(session, conversation_id, [concern], chosen=concern)


def note_concerns(session: Session, conversation_id: str, concerns: Sequence[str],
                  chosen: Optional[str] = None) -> Optional[str]:
    """Record the concerns a message named. `chosen`, or else the first one named while the intake
    has none yet, becomes the intake's concern; every other one is kept in other_concerns, so a
    concern mentioned later never silently replaces the first. Returns the intake's concern."""
    intake = intake_for_conversation(session, conversation_id)
    if chosen is not None:
        if intake.concern and intake.concern != chosen:
            concerns = [intake.concern, *concerns]
        intake.concern = chosen
    elif intake.concern is None and concerns:
        intake.concern = concerns[0]
    others = list(intake.other_concerns or [])
    for key in concerns:
        if key != intake.concern and key not in others:
            others.append(key)
    if intake.concern in others:
        others.remove(intake.concern)
    intake.other_concerns = others
    return intake.concern


def note_contact(session: Session, conversation_id: str, name: Optional[str] = None,
                 contact: Optional[ContactDetails] = None) -> None:
    """The name or contact details as soon as the visitor gives them (a booking made later stores
    them again); what is not given is left as it was."""
    intake = intake_for_conversation(session, conversation_id)
    current = intake.contact
    save_contact(session, intake, name or (current.name if current else None),
                 (contact.phone if contact and contact.phone else None) or (current.phone if current else None),
                 (contact.email if contact and contact.email else None) or (current.email if current else None))


def record_consent(session: Session, conversation_id: str, given: bool) -> None:
    intake = intake_for_conversation(session, conversation_id)
    if given:
        intake.consent_at, intake.consent_declined_at = utcnow(), None
    else:
        intake.consent_declined_at = utcnow()
        intake.consent_at = None
        for answer in list(intake.screening_answers):  # declined: keep no health answer
            session.delete(answer)


def save_screening_answer(
    session: Session, conversation_id: str, key: str, text: str, value: Any, flags: List[str]
) -> None:
    """Store (or replace) one structured answer; refused unless the visitor consented."""
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


def set_consultation_only(session: Session, conversation_id: str, value: bool) -> None:
    intake_for_conversation(session, conversation_id).consultation_only = value


def book(
    session: Session,
    profile: ClinicProfile,
    conversation_id: str,
    name: str,
    contact: ContactDetails,
    start: datetime,
    concern: Optional[str] = None,
    *,
    max_active: int = 0,
    now: Optional[datetime] = None,
) -> BookingInfo:
    """Store the contact and the appointment together; SlotTaken if the slot went;
    BookingLimitReached if the phone or e-mail already holds `max_active` upcoming bookings
    (0: no limit; BOOKING_MAX_ACTIVE_PER_CONTACT), so a bot can't fill the calendar with one
    contact. Booking again a time this conversation already holds returns that booking (a save
    retried after a lost commit answer books nothing twice)."""
    intake = intake_for_conversation(session, conversation_id)
    held = next((a for a in intake.appointments if a.status == AppointmentStatus.BOOKED and a.start_at == start), None)
    if held is not None:
        return booking_info(held)
    if max_active > 0:
        lock_contact(session, contact.phone, contact.email)
        if active_bookings_for_contact(session, contact.phone, contact.email, now or utcnow()) >= max_active:
            raise BookingLimitReached()
    if concern:
        intake.concern = concern
    save_contact(session, intake, name, contact.phone, contact.email)
    appointment = book_consultation(session, intake, start, profile.consultation_minutes)
    if intake.status in (IntakeStatus.NEW, IntakeStatus.CANCELLED):
        intake.status = IntakeStatus.BOOKED
    session.flush()
    session.refresh(appointment)
    return booking_info(appointment)


def find_booking(session: Session, reference: str, contact: ContactDetails) -> Optional[BookingInfo]:
    """The booked appointment with this reference, if the phone or e-mail matches its contact."""
    appointment = _owned_appointment(session, reference, contact)
    return booking_info(appointment) if appointment else None


def _owned_appointment(session, reference: str, contact: ContactDetails) -> Optional[Appointment]:
    appointment = find_appointment(session, reference)
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        return None
    owner: Optional[Contact] = appointment.contact or appointment.intake.contact
    if owner is None or not contact_matches(session, owner, contact.phone, contact.email):
        return None
    return appointment


def linked_appointment(session: Session, appointment_id: int, reference: str) -> Optional[BookingInfo]:
    """The booking a manage link names (bot.adapters.manage_links), if it is still booked."""
    appointment = _linked(session, appointment_id, reference)
    return booking_info(appointment) if appointment else None


def _linked(session: Session, appointment_id: int, reference: str) -> Optional[Appointment]:
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.reference != reference or appointment.status != AppointmentStatus.BOOKED:
        return None
    return appointment


def cancel_booking(session: Session, reference: str, contact: ContactDetails) -> Optional[BookingInfo]:
    appointment = _owned_appointment(session, reference, contact)
    return _cancel(session, appointment) if appointment else None


def cancel_linked(session: Session, appointment_id: int, reference: str) -> Optional[BookingInfo]:
    appointment = _linked(session, appointment_id, reference)
    return _cancel(session, appointment) if appointment else None


def _cancel(session: Session, appointment: Appointment) -> BookingInfo:
    """The appointment is cancelled; so is its intake, unless another booking of it stands."""
    appointment.status = AppointmentStatus.CANCELLED
    session.flush()
    intake = appointment.intake
    still_booked = any(a.status == AppointmentStatus.BOOKED for a in intake.appointments)
    if not still_booked and intake.status in (IntakeStatus.NEW, IntakeStatus.REVIEWED, IntakeStatus.CONTACTED,
                                              IntakeStatus.BOOKED, IntakeStatus.CONFIRMED):
        intake.status = IntakeStatus.CANCELLED
    return booking_info(appointment)


def reschedule_booking(
    session: Session, profile: ClinicProfile, reference: str, contact: ContactDetails, start: datetime
) -> Optional[BookingInfo]:
    """Move a booking to `start`, keeping the appointment and its reference; SlotTaken (the caller's
    unit of work rolls back) leaves it where it was."""
    old = _owned_appointment(session, reference, contact)
    return _move(session, profile, old, start) if old else None


def reschedule_linked(session: Session, profile: ClinicProfile, appointment_id: int, reference: str,
                      start: datetime) -> Optional[BookingInfo]:
    appointment = _linked(session, appointment_id, reference)
    return _move(session, profile, appointment, start) if appointment else None


def _move(session: Session, profile: ClinicProfile, appointment: Appointment, start: datetime) -> BookingInfo:
    move_appointment(session, appointment, start, profile.consultation_minutes)
    session.refresh(appointment)
    return booking_info(appointment)


@dataclass(frozen=True)
class AlertRecorded:
    intake_id: int
    alert_id: int
    new: bool  # False when the words were added to the episode's open alert


def record_alert(session: Session, conversation_id: str, kind: str, message: str) -> AlertRecorded:
    """One alert per episode: a red flag of a kind that already has an open (unresolved) alert on
    this conversation's intake adds its words to that alert instead of raising another."""
    intake = intake_for_conversation(session, conversation_id)
    priority = ALERT_PRIORITY[kind]  # KeyError for a kind that is not a red flag
    kind = AlertKind(kind)
    worst = AlertKind.EMERGENCY if AlertKind.EMERGENCY in (intake.safety_flag, kind) else kind
    intake.safety_flag = worst.value
    alert = open_alert(session, intake.id, kind)
    if alert is not None:
        alert.message = f"{alert.message}\n{message}"
        alert.updated_at = utcnow()
        session.flush()
        return AlertRecorded(intake.id, alert.id, new=False)
    alert = Alert(intake=intake, kind=kind, priority=priority, message=message)
    session.add(alert)
    session.flush()
    return AlertRecorded(intake.id, alert.id, new=True)


def open_alert(session: Session, intake_id: int, kind: AlertKind) -> Optional[Alert]:
    return session.scalars(
        select(Alert).where(Alert.intake_id == intake_id, Alert.kind == kind, Alert.resolved_at.is_(None))
        .order_by(Alert.id.desc()).limit(1)
    ).first()


def add_to_emergency(session: Session, conversation_id: str, message: str,
                     callback_phone: Optional[str] = None) -> AlertRecorded:
    """A message sent during an emergency episode: its words, and a callback number once, on the
    episode's alert (opened if staff resolved it meanwhile)."""
    recorded = record_alert(session, conversation_id, AlertKind.EMERGENCY, message)
    if callback_phone:
        alert = session.get(Alert, recorded.alert_id)
        alert.callback_phone = callback_phone
        session.flush()
    return recorded


def save_callback(
    session: Session, conversation_id: str, name: str, phone: str, best_time: str, reason: str
) -> int:
    intake = intake_for_conversation(session, conversation_id)
    if intake.contact is None:
        save_contact(session, intake, name, phone, None)
    session.add(CallbackRequest(intake=intake, name=name, phone=phone, best_time=best_time,
                                reason=reason))
    session.flush()
    return intake.id


__all__ = [
    "AlertRecorded", "BookingInfo", "SlotTaken", "add_to_emergency", "book", "cancel_booking", "cancel_linked",
    "find_booking", "linked_appointment", "reschedule_linked",
    "open_alert", "record_alert",
    "record_consent", "reschedule_booking", "save_callback", "save_screening_answer",
    "note_concerns", "note_contact", "set_concern", "set_consultation_only", "taken_starts",
]
