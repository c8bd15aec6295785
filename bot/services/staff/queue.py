"""The intake queue: filters from the query string, open alerts pinned on top, one page of rows."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, selectinload

from bot.adapters.models import Alert, Appointment, Intake
from bot.adapters.repository import intake_search_condition
from bot.domain.statuses import IntakeStatus
from bot.services.readout import booked_appointment, current_appointment, intake_flags
from bot.services.staff.alerts import urgent_condition
from bot.services.staff.appointments import day_bounds

QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilters:
    concern: str | None = None
    status: str | None = None
    safety: str | None = None  # "flagged" | "none" | a safety_flag value
    day: date | None = None  # created on this clinic-local day
    q: str | None = None  # a name, phone, e-mail or booking reference (bot.adapters.repository)
    assigned: str | None = None  # "none", or a staff user's id

    @classmethod
    def from_params(cls, params: Mapping[str, str], concerns: Iterable[str], me: int | None = None) -> QueueFilters:
        """Filters from query parameters; unknown or malformed values are ignored (not errors).
        `assigned=me` is the signed-in user `me`."""
        concern = (params.get("concern") or "").strip()
        status = (params.get("status") or "").strip()
        safety = (params.get("safety") or "").strip()[:32]
        raw_day = (params.get("date") or "").strip()
        q = " ".join((params.get("q") or "").split())[:100]
        assigned = (params.get("assigned") or "").strip()
        if assigned == "me" and me is not None:
            assigned = str(me)
        try:
            day = date.fromisoformat(raw_day) if raw_day else None
        except ValueError:
            day = None
        return cls(
            concern=concern if concern in set(concerns) else None,
            status=status if status in IntakeStatus.values() else None,
            safety=safety or None,
            day=day,
            q=q or None,
            assigned=assigned if assigned == "none" or assigned.isdigit() else None,
        )

    def as_params(self) -> dict[str, str]:
        params = {"q": self.q, "concern": self.concern, "status": self.status, "safety": self.safety,
                  "date": self.day.isoformat() if self.day else None, "assigned": self.assigned}
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

    @property
    def appointment(self) -> Appointment | None:
        """The booked appointment, else the latest (shown with its status: cancelled)."""
        return current_appointment(self.intake)


def _open_alerts_subquery():
    urgent = case((urgent_condition(), 1), else_=0)
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


def _queue_conditions(session: Session, filters: QueueFilters, tz: ZoneInfo) -> list:
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
    if filters.q:
        conditions.append(intake_search_condition(session, filters.q))
    if filters.assigned == "none":
        conditions.append(Intake.assigned_to_id.is_(None))
    elif filters.assigned:
        conditions.append(Intake.assigned_to_id == int(filters.assigned))
    return conditions


def filtered_intake_ids(session: Session, filters: QueueFilters, tz: ZoneInfo) -> list[int]:
    """Every intake the queue shows with these filters (all pages): what an export takes."""
    return list(session.execute(select(Intake.id).where(*_queue_conditions(session, filters, tz))).scalars())


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
    conditions = _queue_conditions(session, filters, tz)
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
            selectinload(Intake.assigned_to),
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
