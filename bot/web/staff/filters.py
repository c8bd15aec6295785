"""The staff templates' Jinja environment: times in the clinic's zone, concern names, answers in
words, labels, and the urgent-alert test."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.domain.formatting import clock
from bot.domain.profile import ClinicProfile
from bot.domain.statuses import IntakeStatus
from bot.services.readout import answer_in_words
from bot.services.staff.alerts import is_urgent
from bot.web.staff.security import CSRF_FIELD

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
_UTC = timezone.utc  # noqa: UP017 (datetime.UTC is Python 3.11+; this runs on 3.10)

STATUS_LABELS = {
    IntakeStatus.NEW: "New",
    IntakeStatus.REVIEWED: "Reviewed",
    IntakeStatus.CONTACTED: "Contacted",
    IntakeStatus.BOOKED: "Booked",
    IntakeStatus.CONFIRMED: "Confirmed",
    IntakeStatus.ARRIVED: "Arrived",
    IntakeStatus.NO_SHOW: "No-show",
    IntakeStatus.CANCELLED: "Cancelled",
    IntakeStatus.CLOSED: "Closed",
}


def tel_href(phone: str | None) -> str:
    """A phone number as a tel: URI keeps only a leading + and the digits."""
    phone = (phone or "").strip()
    return ("+" if phone.startswith("+") else "") + "".join(ch for ch in phone if ch.isdigit())


def make_environment(tz: ZoneInfo, profile: ClinicProfile) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("html", "htm", "xml"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def local(value: datetime | None) -> datetime | None:
        """A stored time (UTC; a naive one is taken as UTC) in the clinic's zone."""
        if not isinstance(value, datetime):
            return None
        return (value if value.tzinfo else value.replace(tzinfo=_UTC)).astimezone(tz)

    def fmt_datetime(value: datetime | None) -> str:
        value = local(value)
        if value is None:
            return "-"
        return f"{value:%a %d %b %Y}, {clock(value)} {value.tzname()}"

    def fmt_time(value: datetime | None) -> str:
        value = local(value)
        return clock(value) if value else "-"

    def fmt_date(value: Any) -> str:
        if isinstance(value, datetime):
            value = local(value)
        return f"{value:%a %d %b %Y}" if value else "-"

    def concern_name(key: str | None) -> str:
        if not key:
            return "-"
        concern = profile.concerns.get(key)
        return concern.display_name if concern else key

    env.filters.update(
        datetime=fmt_datetime,
        time=fmt_time,
        date=fmt_date,
        concern=concern_name,
        answer=answer_in_words,
        label=lambda value: str(value or "").replace("_", " "),
        status_label=lambda value: STATUS_LABELS.get(value, value),
        tel=tel_href,
    )
    env.tests.update(urgent=is_urgent)
    env.globals.update(INTAKE_STATUSES=IntakeStatus.values(), CSRF_FIELD=CSRF_FIELD)
    return env
