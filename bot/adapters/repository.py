"""Repository functions over a caller-owned session (one unit of work per call site).

Nothing here commits: the caller's `session_scope` does. References and contacts are stored
encrypted and found by their keyed hashes (bot.adapters.encryption). Double bookings are prevented by the
database (a partial unique index on booked start times); `book_consultation` turns the
constraint violation into `SlotTaken`.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import List, Optional

from sqlalchemy import func, or_, select, text, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.adapters.encryption import Lookup, lookup_hash
from bot.adapters.models import Appointment, Contact, Intake
from bot.domain.statuses import AppointmentStatus, IntakeStatus

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud over the phone
REFERENCE_LENGTH = 6


class SlotTaken(Exception):
    """Another booking holds this start time."""


REFERENCE_DIGITS = "".join(c for c in REFERENCE_ALPHABET if c.isdigit())


def new_reference() -> str:
    """Six characters with at least one digit, so a reference never reads as an ordinary word."""
    chars = [secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH)]
    if not any(c.isdigit() for c in chars):
        chars[secrets.randbelow(REFERENCE_LENGTH)] = secrets.choice(REFERENCE_DIGITS)
    return "".join(chars)


def find_intake(session: Session, conversation_id: str) -> Optional[Intake]:
    return session.execute(
        select(Intake).where(Intake.conversation_id == conversation_id)
    ).scalar_one_or_none()


def intake_for_conversation(session: Session, conversation_id: str) -> Intake:
    """The conversation's intake, created on first use (safe against a concurrent creator)."""
    intake = find_intake(session, conversation_id)
    if intake is not None:
        return intake
    try:
        with session.begin_nested():
            intake = Intake(conversation_id=conversation_id, status=IntakeStatus.NEW)
            session.add(intake)
        return intake
    except IntegrityError:
        return find_intake(session, conversation_id)


def save_contact(
    session: Session, intake: Intake, name: str, phone: Optional[str], email: Optional[str]
) -> Contact:
    contact = intake.contact
    if contact is None:
        contact = Contact(name=name, phone=phone, email=email)
        session.add(contact)
        intake.contact = contact
    else:
        contact.name, contact.phone, contact.email = name, phone, email
    session.flush()
    return contact


def intake_search_condition(session: Session, text: str):
    """Intakes whose contact's name, e-mail or phone contains `text` (any case; a phone matches on
    its digits, however it was typed), or whose appointment has `text` as its reference: the one
    place the dashboard searches contact details. Contacts are stored encrypted, so SQL cannot
    compare them: an exact phone or e-mail is found by its keyed hash, and otherwise the contacts
    are decrypted here and matched in Python (a clinic holds thousands of intakes at most). The
    result is an `Intake.id IN (...)` condition."""
    text = " ".join(text.split())
    if not text:
        return true()
    needle = text.lower()
    digits = "".join(ch for ch in text if ch.isdigit())
    ids = set(session.execute(
        select(Intake.id).join(Contact, Intake.contact_id == Contact.id).where(or_(
            Contact.phone_hash == lookup_hash(session, Lookup.PHONE, text),
            Contact.email_hash == lookup_hash(session, Lookup.EMAIL, text),
        ))
    ).scalars())
    rows = session.execute(
        select(Intake.id, Contact.name, Contact.email, Contact.phone).join(Contact, Intake.contact_id == Contact.id)
    )
    for intake_id, name, email, phone in rows:
        if intake_id in ids:
            continue
        if ((name and needle in name.lower()) or (email and needle in email.lower())
                or (len(digits) >= 3 and phone and digits in "".join(ch for ch in phone if ch.isdigit()))):
            ids.add(intake_id)
    return or_(
        Intake.id.in_(sorted(ids)),
        Intake.id.in_(select(Appointment.intake_id).where(
            Appointment.reference_hash == lookup_hash(session, Lookup.REFERENCE, text))),
    )


def lock_contact(session: Session, phone: Optional[str], email: Optional[str]) -> None:
    """On PostgreSQL, serialise this transaction with any other booking for the same phone or
    e-mail (transaction-scoped advisory locks, taken in a fixed order). SQLite needs none: a
    writing unit of work holds the database's write lock from its start (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted(int.from_bytes(hashlib.sha256(value.encode()).digest()[:8], "big", signed=True)
                  for value in {phone, (email or "").lower() or None} if value)
    for key in keys:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def active_bookings_for_contact(session: Session, phone: Optional[str], email: Optional[str],
                                now: datetime) -> int:
    """Booked appointments still ahead whose contact has this phone or this e-mail."""
    matches = []
    if phone:
        matches.append(Contact.phone_hash == lookup_hash(session, Lookup.PHONE, phone))
    if email:
        matches.append(Contact.email_hash == lookup_hash(session, Lookup.EMAIL, email))
    if not matches:
        return 0
    return session.scalar(
        select(func.count(Appointment.id))
        .join(Contact, Appointment.contact_id == Contact.id)
        .where(Appointment.status == AppointmentStatus.BOOKED, Appointment.start_at > now, or_(*matches))
    ) or 0


def booked_starts(session: Session, start: datetime, end: datetime) -> List[datetime]:
    """Start times of booked appointments in [start, end)."""
    rows = session.execute(
        select(Appointment.start_at).where(
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.start_at >= start,
            Appointment.start_at < end,
        )
    )
    return [row[0] for row in rows]


def book_consultation(session: Session, intake: Intake, start: datetime, minutes: int) -> Appointment:
    """Insert a booked appointment; raise SlotTaken if the database already holds that start."""
    session.flush()  # the intake needs its id; the appointment links by id, not by collection
    for _attempt in range(5):
        appointment = Appointment(
            intake_id=intake.id,
            contact_id=intake.contact_id,
            reference=new_reference(),
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
            status=AppointmentStatus.BOOKED,
        )
        try:
            with session.begin_nested():
                session.add(appointment)
            return appointment
        except IntegrityError as exc:
            if _is_reference_clash(session, appointment.reference):
                continue
            raise SlotTaken(start) from exc
    raise RuntimeError("could not allocate a unique booking reference")


def _is_reference_clash(session: Session, reference: str) -> bool:
    return find_appointment(session, reference) is not None


def find_appointment(session: Session, reference: str) -> Optional[Appointment]:
    """The appointment with this booking reference (any status), found by its keyed hash."""
    return session.execute(
        select(Appointment).where(Appointment.reference_hash == lookup_hash(session, Lookup.REFERENCE, reference))
    ).scalar_one_or_none()


def contact_matches(session: Session, owner: Contact, phone: Optional[str], email: Optional[str]) -> bool:
    """Whether the phone or e-mail given is the contact's (compared as keyed hashes)."""
    return bool((phone and owner.phone_hash and lookup_hash(session, Lookup.PHONE, phone) == owner.phone_hash)
                or (email and owner.email_hash and lookup_hash(session, Lookup.EMAIL, email) == owner.email_hash))


def move_appointment(session: Session, appointment: Appointment, start: datetime, minutes: int) -> None:
    """Give a booked appointment a new start (same row, same reference); SlotTaken if that start
    is held by another booking (the partial unique index decides)."""
    try:
        with session.begin_nested():
            appointment.start_at = start
            appointment.end_at = start + timedelta(minutes=minutes)
            session.flush()
    except IntegrityError as exc:
        raise SlotTaken(start) from exc
