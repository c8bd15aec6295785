"""Retention and erasure: intakes kept only as long as needed (`purge`), one visitor removed
everywhere on request (`erase`), the tracker's events included. Counts are returned for the
operator; the audit log records that it happened, never what was removed.

An intake expires when nothing has happened on it since the cut-off: its last change, its
appointments' end and its conversation's last event are all older. Its screening answers,
appointments, callbacks, alerts, notes and status changes go with it (foreign keys cascade), then
its contact, its conversation's events and its live chats with staff (bot.services.live).
Conversations with no intake expire the same way.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Dict, Iterable, List, Optional, Set

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from bot.adapters.models import (
    Alert,
    Appointment,
    CallbackRequest,
    Contact,
    Intake,
    LiveChat,
    OutboxMessage,
    ScreeningAnswer,
    StaffNote,
)
from bot.adapters.repository import find_appointment
from bot.adapters.tracker_events import count_events, delete_conversations, last_activity
from bot.services.staff.audit import record_audit

AUDIT_SOURCE = "local"  # purge and erase run on the server (the CLI), not from a browser


@dataclass(frozen=True)
class Removal:
    """What a purge or an erasure removes (or, on a dry run, would remove)."""

    intakes: int = 0
    contacts: int = 0
    appointments: int = 0
    screening_answers: int = 0
    callbacks: int = 0
    alerts: int = 0
    staff_notes: int = 0
    conversations: int = 0  # conversations whose tracker events go
    events: int = 0
    outbox_messages: int = 0  # mail to or about the visitor, sent or not
    live_chats: int = 0  # chats with staff, their messages with them

    def summary(self) -> str:
        return ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in asdict(self).items())


def purge(session: Session, cutoff: datetime, dry_run: bool = True) -> Removal:
    """Remove what has been idle since `cutoff` (count only, when `dry_run`)."""
    activity = last_activity(session)
    stamp = cutoff.timestamp()
    recent_ends = select(Appointment.intake_id).where(Appointment.end_at >= cutoff)
    candidates = session.execute(
        select(Intake.id, Intake.conversation_id)
        .where(Intake.updated_at < cutoff, Intake.created_at < cutoff, Intake.id.not_in(recent_ends))
    ).all()
    expired = {intake_id: sender for intake_id, sender in candidates if activity.get(sender, 0.0) < stamp}
    kept = {sender for intake_id, sender in session.execute(select(Intake.id, Intake.conversation_id))
            if intake_id not in expired}
    idle_conversations = {sender for sender, last in activity.items() if last < stamp and sender not in kept}
    removal = _remove(session, list(expired), idle_conversations | set(expired.values()), activity, dry_run)
    if not dry_run:
        record_audit(session, None, "retention_purge", ip=AUDIT_SOURCE,
                     detail=f"idle since {cutoff.isoformat(timespec='minutes')}: {removal.summary()}")
    return removal


def erasable_intake(session: Session, intake_id: Optional[int] = None,
                    reference: Optional[str] = None) -> Optional[int]:
    """The intake to erase: by its id, or by a booking reference of any status."""
    if reference is not None:
        appointment = find_appointment(session, reference)
        return appointment.intake_id if appointment else None
    return session.scalar(select(Intake.id).where(Intake.id == intake_id))


def erase(session: Session, intake_id: int, how: str) -> Removal:
    """Remove one visitor everywhere: the intake with all it holds, the contact, the tracker's
    events. The audit log records the erasure (the intake's number and `how`), nothing erased."""
    sender = session.scalar(select(Intake.conversation_id).where(Intake.id == intake_id))
    if sender is None:
        raise LookupError(f"no intake {intake_id}")
    removal = _remove(session, [intake_id], {sender}, last_activity(session), dry_run=False)
    record_audit(session, None, "visitor_erased", intake_id, f"intake #{intake_id} erased ({how})", ip=AUDIT_SOURCE)
    return removal


def _remove(session: Session, intake_ids: List[int], senders: Set[str], activity: Dict[str, float],
            dry_run: bool) -> Removal:
    contact_ids = _contacts_of(session, intake_ids)
    removal = Removal(
        intakes=len(intake_ids),
        contacts=len(contact_ids),
        appointments=_count(session, Appointment.intake_id, intake_ids),
        screening_answers=_count(session, ScreeningAnswer.intake_id, intake_ids),
        callbacks=_count(session, CallbackRequest.intake_id, intake_ids),
        alerts=_count(session, Alert.intake_id, intake_ids),
        staff_notes=_count(session, StaffNote.intake_id, intake_ids),
        conversations=len(senders & set(activity)),
        events=count_events(session, sorted(senders)),
        outbox_messages=len(_outbox_of(session, intake_ids)),
        live_chats=_count(session, LiveChat.conversation_id, sorted(senders)),
    )
    if dry_run:
        return removal
    for chunk in _chunks(sorted(_outbox_of(session, intake_ids))):
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(chunk))
                        .execution_options(synchronize_session=False))
    for chunk in _chunks(intake_ids):
        session.execute(delete(Intake).where(Intake.id.in_(chunk)).execution_options(synchronize_session=False))
    for chunk in _chunks(sorted(contact_ids)):
        session.execute(delete(Contact).where(Contact.id.in_(chunk)).execution_options(synchronize_session=False))
    for chunk in _chunks(sorted(senders)):  # their messages cascade
        session.execute(delete(LiveChat).where(LiveChat.conversation_id.in_(chunk))
                        .execution_options(synchronize_session=False))
    delete_conversations(session, sorted(senders))
    session.expire_all()
    return removal


def _contacts_of(session: Session, intake_ids: List[int]) -> Set[int]:
    """The contacts of these intakes (and of their appointments) that no other intake uses."""
    found: Set[int] = set()
    for chunk in _chunks(intake_ids):
        found |= set(session.scalars(select(Intake.contact_id).where(Intake.id.in_(chunk))))
        found |= set(session.scalars(select(Appointment.contact_id).where(Appointment.intake_id.in_(chunk))))
    found.discard(None)
    if not found:
        return found
    removed = set(intake_ids)
    used = session.execute(select(Intake.id, Intake.contact_id).where(Intake.contact_id.isnot(None))
                           .union_all(select(Appointment.intake_id, Appointment.contact_id)
                                      .where(Appointment.contact_id.isnot(None))))
    return found - {contact_id for intake_id, contact_id in used if intake_id not in removed}


def _outbox_of(session: Session, intake_ids: List[int]) -> Set[int]:
    """The outbox messages of these intakes or of their appointments."""
    found: Set[int] = set()
    for chunk in _chunks(intake_ids):
        appointments = select(Appointment.id).where(Appointment.intake_id.in_(chunk))
        found |= set(session.scalars(select(OutboxMessage.id).where(
            or_(OutboxMessage.intake_id.in_(chunk), OutboxMessage.appointment_id.in_(appointments)))))
    return found


def _count(session: Session, intake_column, intake_ids: List[int]) -> int:
    return sum(session.scalar(select(func.count()).where(intake_column.in_(chunk))) or 0
               for chunk in _chunks(intake_ids))


def _chunks(ids: Iterable, size: int = 500) -> Iterable[list]:
    ids = list(ids)
    return (ids[start:start + size] for start in range(0, len(ids), size))
