"""The staff dashboard's business logic: the intake queue, the status workflow, notes, alerts,
appointments by day/week, and the audit log. No web or Rasa imports; every function works on a
caller-owned session (nothing here commits: the caller's `session_scope` does).

Status workflow (enforced here, whoever calls):

    new -> reviewed -> contacted -> booked -> closed
                  \\-> booked       \\-> closed
                  \\-> closed

`reviewed -> booked` is allowed because a visitor who booked in the chat needs no separate call
before staff confirm the booking. `closed` is final. Every change is written to status_changes and
to the audit log with who and when.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.adapters.db import utcnow
from bot.adapters.models import (
    INTAKE_STATUSES,
    Alert,
    Appointment,
    AuditEntry,
    Intake,
    StaffNote,
    StaffUser,
    StatusChange,
)
from bot.services.readout import booked_appointment, intake_flags

TRANSITIONS: Mapping[str, frozenset[str]] = {
    "new": frozenset({"reviewed"}),
    "reviewed": frozenset({"contacted", "booked", "closed"}),
    "contacted": frozenset({"booked", "closed"}),
    "booked": frozenset({"closed"}),
    "closed": frozenset(),
}
MAX_NOTE_CHARS = 5000
QUEUE_PAGE_SIZE = 50


class NotFound(LookupError):
    """No such intake / alert."""


class InvalidTransition(ValueError):
    """The status change is not allowed from the intake's current status."""


class StaleStatus(ValueError):
    """The intake's status changed since the page was shown (someone else moved it)."""


# --- audit -------------------------------------------------------------------------------------


def record_audit(
    session: Session,
    staff_user_id: int | None,
    action: str,
    intake_id: int | None = None,
    detail: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(staff_user_id=staff_user_id, action=action, intake_id=intake_id,
                       detail=detail, at=utcnow())
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    staff_email: str | None
    action: str
    intake_id: int | None
    detail: str | None


def audit_entries(
    session: Session,
    limit: int = 200,
    offset: int = 0,
    intake_id: int | None = None,
    action: str | None = None,
) -> tuple[list[AuditRow], int]:
    """Audit entries, newest first, with the staff user's e-mail; and the total matching."""
    conditions = []
    if intake_id is not None:
        conditions.append(AuditEntry.intake_id == intake_id)
    if action:
        conditions.append(AuditEntry.action == action)
    total = session.execute(
        select(func.count(AuditEntry.id)).where(*conditions)
    ).scalar_one()
    rows = session.execute(
        select(AuditEntry, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == AuditEntry.staff_user_id)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        AuditRow(e.id, e.at, email, e.action, e.intake_id, e.detail) for e, email in rows
    ], total


# --- time helpers ------------------------------------------------------------------------------


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a clinic-local calendar day, as aware datetimes (DST-safe)."""
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start, end


def week_start(day: date) -> date:
    """The Monday of the ISO week containing `day`."""
    return day - timedelta(days=day.weekday())


def parse_week(value: str) -> date:
    """A week given as `YYYY-MM-DD` (any day in it) or ISO `YYYY-Www`; returns its Monday."""
    value = (value or "").strip()
    if "-W" in value.upper():
        year, week = value.upper().split("-W", 1)
        return date.fromisocalendar(int(year), int(week), 1)
    return week_start(date.fromisoformat(value))


# --- the queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    concern: str | None = None
    status: str | None = None
    safety: str | None = None  # "flagged" | "none" | a safety_flag value
    day: date | None = None  # created on this clinic-local day

    @classmethod
    def from_params(cls, params: Mapping[str, str], concerns: Iterable[str]) -> QueueFilters:
        """Filters from query parameters; unknown or malformed values are ignored (not errors)."""
        concern = (params.get("concern") or "").strip()
        status = (params.get("status") or "").strip()
        safety = (params.get("safety") or "").strip()[:32]
        raw_day = (params.get("date") or "").strip()
        try:
            day = date.fromisoformat(raw_day) if raw_day else None
        except ValueError:
            day = None
        return cls(
            concern=concern if concern in set(concerns) else None,
            status=status if status in INTAKE_STATUSES else None,
            safety=safety or None,
            day=day,
        )

    def as_params(self) -> dict[str, str]:
        params = {"concern": self.concern, "status": self.status, "safety": self.safety,
                  "date": self.day.isoformat() if self.day else None}
        return {key: value for key, value in params.items() if value}


@dataclass
class QueueRow:
    intake: Intake
    open_alerts: int
    urgent: bool

    @property
    def pinned(self) -> bool:
        return self.open_alerts > 0

    @property
    def flag_count(self) -> int:
        return len(intake_flags(self.intake))

    @property
    def booked_appointment(self) -> Appointment | None:
        return booked_appointment(self.intake)


def _open_alerts_subquery():
    urgent = case((or_(Alert.kind == "emergency", Alert.priority == "urgent"), 1), else_=0)
    return (
        select(
            Alert.intake_id.label("intake_id"),
            func.count(Alert.id).label("open_alerts"),
            func.max(urgent).label("urgent"),
        )
        .where(Alert.resolved_at.is_(None))
        .group_by(Alert.intake_id)
        .subquery()
    )


def _queue_conditions(filters: QueueFilters, tz: ZoneInfo) -> list:
    conditions = []
    if filters.concern:
        conditions.append(Intake.concern == filters.concern)
    if filters.status:
        conditions.append(Intake.status == filters.status)
    if filters.safety == "flagged":
        conditions.append(Intake.safety_flag.isnot(None))
    elif filters.safety == "none":
        conditions.append(Intake.safety_flag.is_(None))
    elif filters.safety:
        conditions.append(Intake.safety_flag == filters.safety)
    if filters.day:
        start, end = day_bounds(filters.day, tz)
        conditions.append(and_(Intake.created_at >= start, Intake.created_at < end))
    return conditions


def queue(
    session: Session,
    filters: QueueFilters,
    tz: ZoneInfo,
    limit: int = QUEUE_PAGE_SIZE,
    offset: int = 0,
) -> tuple[list[QueueRow], int]:
    """Filtered intakes: those with unresolved alerts pinned on top (emergency/urgent first),
    then newest first. Returns one page of rows and the total number matching."""
    alerts = _open_alerts_subquery()
    conditions = _queue_conditions(filters, tz)
    total = session.execute(select(func.count(Intake.id)).where(*conditions)).scalar_one()
    open_count = func.coalesce(alerts.c.open_alerts, 0)
    urgent = func.coalesce(alerts.c.urgent, 0)
    rows = session.execute(
        select(Intake, open_count, urgent)
        .outerjoin(alerts, alerts.c.intake_id == Intake.id)
        .where(*conditions)
        .options(
            selectinload(Intake.contact),
            selectinload(Intake.appointments),
            selectinload(Intake.screening_answers),
        )
        .order_by(
            case((open_count > 0, 0), else_=1),
            urgent.desc(),
            Intake.created_at.desc(),
            Intake.id.desc(),
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return [QueueRow(intake, int(count), bool(flag)) for intake, count, flag in rows], total


def safety_flag_values(session: Session) -> list[str]:
    """The distinct safety flags recorded on intakes (for the filter's choices)."""
    rows = session.execute(
        select(Intake.safety_flag).where(Intake.safety_flag.isnot(None)).distinct()
    )
    return sorted(value for (value,) in rows if value)


def open_alert_counts(session: Session) -> tuple[int, int]:
    """(unresolved alerts, of which emergency/urgent) for the banner on every page."""
    urgent = case((or_(Alert.kind == "emergency", Alert.priority == "urgent"), 1), else_=0)
    total, urgent_total = session.execute(
        select(func.count(Alert.id), func.coalesce(func.sum(urgent), 0)).where(
            Alert.resolved_at.is_(None)
        )
    ).one()
    return int(total), int(urgent_total)


# --- one intake --------------------------------------------------------------------------------


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
    def next_statuses(self) -> list[str]:
        allowed = TRANSITIONS.get(self.intake.status, frozenset())
        return [status for status in INTAKE_STATUSES if status in allowed]


def get_intake(session: Session, intake_id: int) -> Intake:
    intake = session.execute(
        select(Intake)
        .where(Intake.id == intake_id)
        .options(
            selectinload(Intake.contact),
            selectinload(Intake.appointments),
            selectinload(Intake.screening_answers),
            selectinload(Intake.callbacks),
            selectinload(Intake.alerts),
        )
    ).scalar_one_or_none()
    if intake is None:
        raise NotFound(f"intake {intake_id}")
    return intake


def intake_view(session: Session, intake_id: int) -> IntakeView:
    intake = get_intake(session, intake_id)
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
    if expected_from and intake.status != expected_from:
        raise StaleStatus(
            f"intake {intake_id} is now {intake.status!r} (the page showed {expected_from!r})"
        )
    if to_status not in INTAKE_STATUSES or not can_transition(intake.status, to_status):
        raise InvalidTransition(f"cannot change status from {intake.status!r} to {to_status!r}")
    now = utcnow()
    change = StatusChange(intake_id=intake.id, from_status=intake.status, to_status=to_status,
                          staff_user_id=staff_user_id, changed_at=now)
    session.add(change)
    record_audit(session, staff_user_id, "status_change", intake.id,
                 f"{intake.status} -> {to_status}")
    intake.status = to_status
    session.flush()
    return change


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


# --- alerts and appointments --------------------------------------------------------------------


def alerts_list(session: Session, include_resolved: bool = False, limit: int = 500) -> list[Alert]:
    """Unresolved alerts first (emergency/urgent first, newest first), then resolved ones."""
    urgent = case((or_(Alert.kind == "emergency", Alert.priority == "urgent"), 0), else_=1)
    query = select(Alert).options(selectinload(Alert.intake).selectinload(Intake.contact))
    if not include_resolved:
        query = query.where(Alert.resolved_at.is_(None))
    query = query.order_by(
        case((Alert.resolved_at.is_(None), 0), else_=1), urgent, Alert.created_at.desc(),
        Alert.id.desc(),
    ).limit(limit)
    return list(session.execute(query).scalars())


def resolve_alert(session: Session, alert_id: int, staff_user_id: int | None) -> Alert:
    """Mark an alert resolved (once; resolving a resolved alert changes nothing)."""
    alert = session.execute(
        select(Alert).where(Alert.id == alert_id).with_for_update()
    ).scalar_one_or_none()
    if alert is None:
        raise NotFound(f"alert {alert_id}")
    if alert.resolved_at is None:
        alert.resolved_at = utcnow()
        record_audit(session, staff_user_id, "alert_resolve", alert.intake_id,
                     f"alert {alert.id} ({alert.kind})")
        session.flush()
    return alert


def appointments_between(session: Session, start: datetime, end: datetime) -> list[Appointment]:
    """Appointments starting in [start, end), any status, in start order."""
    return list(
        session.execute(
            select(Appointment)
            .where(Appointment.start_at >= start, Appointment.start_at < end)
            .options(selectinload(Appointment.intake), selectinload(Appointment.contact))
            .order_by(Appointment.start_at, Appointment.id)
        ).scalars()
    )


def group_by_local_day(
    appointments: Sequence[Appointment], tz: ZoneInfo, days: Sequence[date]
) -> dict[date, list[Appointment]]:
    grouped: dict[date, list[Appointment]] = {day: [] for day in days}
    for appointment in appointments:
        grouped.setdefault(appointment.start_at.astimezone(tz).date(), []).append(appointment)
    return grouped
