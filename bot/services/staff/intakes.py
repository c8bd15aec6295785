"""One intake for staff: the page's view (notes, status history), notes, the status workflow and
who handles it.

The workflow is TRANSITIONS: forward as a front desk's day goes (new -> reviewed -> contacted ->
booked -> confirmed -> arrived -> closed, or no-show / cancelled), and back where a desk corrects
itself (a late arrival after no-show, confirmed back to booked, a closed intake reopened as
reviewed). `reviewed -> booked` is allowed because a visitor who booked in the chat needs no call
first. Moving an intake to cancelled cancels its booked appointments (the caller mails the
notices). Every change is written to status_changes and to the audit log with who and when.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.db import utcnow
from bot.adapters.models import Appointment, Intake, StaffNote, StaffUser, StatusChange
from bot.domain.statuses import AppointmentStatus, IntakeStatus
from bot.services.intake import BookingInfo, booking_info
from bot.services.readout import load_intake
from bot.services.staff.audit import record_audit
from bot.services.staff.errors import InvalidTransition, NotFound, StaleStatus

_S = IntakeStatus
TRANSITIONS: Mapping[IntakeStatus, frozenset[IntakeStatus]] = {
    _S.NEW: frozenset({_S.REVIEWED}),
    _S.REVIEWED: frozenset({_S.NEW, _S.CONTACTED, _S.BOOKED, _S.CLOSED}),
    _S.CONTACTED: frozenset({_S.REVIEWED, _S.BOOKED, _S.CLOSED}),
    _S.BOOKED: frozenset({_S.REVIEWED, _S.CONFIRMED, _S.ARRIVED, _S.NO_SHOW, _S.CANCELLED, _S.CLOSED}),
    _S.CONFIRMED: frozenset({_S.BOOKED, _S.ARRIVED, _S.NO_SHOW, _S.CANCELLED}),
    _S.ARRIVED: frozenset({_S.CONFIRMED, _S.NO_SHOW, _S.CLOSED}),
    _S.NO_SHOW: frozenset({_S.BOOKED, _S.ARRIVED, _S.CLOSED}),
    _S.CANCELLED: frozenset({_S.REVIEWED, _S.BOOKED, _S.CLOSED}),
    _S.CLOSED: frozenset({_S.REVIEWED}),
}
MAX_NOTE_CHARS = 5000


@dataclass
class HistoryEntry:
    at: datetime
    staff_email: str | None
    from_status: str | None
    to_status: str


@dataclass
class NoteEntry:
    at: datetime
    staff_email: str | None
    text: str


@dataclass
class IntakeView:
    intake: Intake
    notes: list[NoteEntry] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def next_statuses(self) -> list[IntakeStatus]:
        allowed = TRANSITIONS.get(self.intake.status, frozenset())
        return [status for status in IntakeStatus if status in allowed]


def intake_view(session: Session, intake_id: int) -> IntakeView:
    """The intake with all its details, its staff notes and its status history; NotFound."""
    intake = load_intake(session, intake_id)
    if intake is None:
        raise NotFound(f"intake {intake_id}")
    notes = session.execute(
        select(StaffNote, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == StaffNote.staff_user_id)
        .where(StaffNote.intake_id == intake_id)
        .order_by(StaffNote.created_at, StaffNote.id)
    ).all()
    history = session.execute(
        select(StatusChange, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == StatusChange.staff_user_id)
        .where(StatusChange.intake_id == intake_id)
        .order_by(StatusChange.changed_at, StatusChange.id)
    ).all()
    return IntakeView(
        intake=intake,
        notes=[NoteEntry(n.created_at, email, n.text) for n, email in notes],
        history=[
            HistoryEntry(c.changed_at, email, c.from_status, c.to_status) for c, email in history
        ],
    )


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def change_status(
    session: Session,
    intake_id: int,
    to_status: str,
    staff_user_id: int | None,
    expected_from: str | None = None,
) -> StatusChange:
    """Move an intake along the workflow; raise InvalidTransition / StaleStatus / NotFound."""
    intake = session.execute(
        select(Intake).where(Intake.id == intake_id).with_for_update()
    ).scalar_one_or_none()
    if intake is None:
        raise NotFound(f"intake {intake_id}")
    current = str(intake.status)  # plain text in messages: 'reviewed', not <IntakeStatus...>
    if expected_from and current != expected_from:
        raise StaleStatus(
            f"intake {intake_id} is now {current!r} (the page showed {expected_from!r})"
        )
    if to_status not in IntakeStatus.values() or not can_transition(current, to_status):
        raise InvalidTransition(f"cannot change status from {current!r} to {to_status!r}")
    now = utcnow()
    change = StatusChange(intake_id=intake.id, from_status=intake.status, to_status=to_status,
                          staff_user_id=staff_user_id, changed_at=now)
    session.add(change)
    record_audit(session, staff_user_id, "status_change", intake.id,
                 f"{intake.status} -> {to_status}")
    intake.status = to_status
    session.flush()
    return change


def cancel_intake_bookings(session: Session, intake_id: int) -> list[BookingInfo]:
    """Staff cancelled the intake: its booked appointments are cancelled too (their slots free)."""
    appointments = session.execute(
        select(Appointment).where(Appointment.intake_id == intake_id, Appointment.status == AppointmentStatus.BOOKED)
    ).scalars().all()
    for appointment in appointments:
        appointment.status = AppointmentStatus.CANCELLED
    session.flush()
    return [booking_info(appointment) for appointment in appointments]


def staff_choices(session: Session) -> list[tuple[int, str]]:
    """(id, e-mail) of every staff account, for the assign-to list."""
    return [(row.id, row.email) for row in session.execute(select(StaffUser.id, StaffUser.email)
                                                           .order_by(StaffUser.email))]


def assign_intake(session: Session, intake_id: int, assignee_id: int | None, staff_user_id: int | None) -> None:
    """Give the intake to a staff member (None: to nobody); NotFound for an unknown intake or user."""
    intake = session.get(Intake, intake_id)
    if intake is None:
        raise NotFound(f"intake {intake_id}")
    assignee = session.get(StaffUser, assignee_id) if assignee_id is not None else None
    if assignee_id is not None and assignee is None:
        raise NotFound(f"staff user {assignee_id}")
    intake.assigned_to_id = assignee_id
    record_audit(session, staff_user_id, "assign", intake_id, f"to {assignee.email if assignee else 'nobody'}")
    session.flush()


def add_note(session: Session, intake_id: int, staff_user_id: int | None, text: str) -> StaffNote:
    text = (text or "").strip()
    if not text:
        raise ValueError("the note is empty")
    if len(text) > MAX_NOTE_CHARS:
        raise ValueError(f"the note is longer than {MAX_NOTE_CHARS} characters")
    if session.get(Intake, intake_id) is None:
        raise NotFound(f"intake {intake_id}")
    note = StaffNote(intake_id=intake_id, staff_user_id=staff_user_id, text=text, created_at=utcnow())
    session.add(note)
    session.flush()
    record_audit(session, staff_user_id, "note_add", intake_id, f"note {note.id}")
    return note
