"""Appointments by clinic-local day and ISO week: day bounds, week parsing, and the query."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.adapters.models import Appointment


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
