"""Consultation slots from the profile's office hours: which starts exist, which are free, which are nearest,
and the button payload that names one exactly."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.formatting import slot_in_words
from bot.domain.profile import ClinicProfile

_UTC = ZoneInfo("UTC")  # not datetime.UTC: that alias needs Python 3.11


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")


def _local(profile: ClinicProfile, value: datetime, name: str = "datetime") -> datetime:
    _require_aware(value, name)
    return value.astimezone(profile.timezone)


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def min_notice(profile: ClinicProfile) -> timedelta:
    """How long before a slot it can still be booked (profile `consultation.min_notice_minutes`)."""
    return timedelta(minutes=profile.consultation.min_notice_minutes)


def last_bookable_day(profile: ClinicProfile, now: datetime) -> date:
    """The last clinic-local date inside the booking horizon."""
    days = profile.consultation.booking_horizon_days
    return _local(profile, now, "now").date() + timedelta(days=days)


def slot_starts(profile: ClinicProfile, day: date) -> list[datetime]:
    """All slot starts on a clinic-local date, as aware datetimes in the clinic zone; [] if closed."""
    hours = profile.office_hours[day.weekday()]
    if hours is None:
        return []
    length = profile.consultation_minutes
    opening, closing = _minutes(hours.open), _minutes(hours.close)
    # Built from wall-clock minutes (not by adding timedeltas) so DST never shifts a slot.
    return [
        datetime.combine(day, time(minute // 60, minute % 60), tzinfo=profile.timezone)
        for minute in range(opening, closing - length + 1, length)
    ]


def is_bookable_start(profile: ClinicProfile, start: datetime) -> bool:
    """True when `start` (any zone) is a slot start inside office hours, ending by closing time."""
    local = _local(profile, start, "start")
    if local.second or local.microsecond:
        return False
    return local.replace(fold=0) in slot_starts(profile, local.date())


def _instants(taken: Iterable[datetime]) -> frozenset[datetime]:
    result = set()
    for start in taken:
        _require_aware(start, "taken start")
        result.add(start.astimezone(_UTC))
    return frozenset(result)


def _is_taken(start: datetime, taken: frozenset[datetime]) -> bool:
    return start.astimezone(_UTC) in taken


def _bookable_free(
    profile: ClinicProfile, taken: frozenset[datetime], now: datetime, after: datetime | None = None
) -> Iterator[datetime]:
    """Free, bookable slots in chronological order, from the earliest allowed to the horizon."""
    earliest = now + min_notice(profile)
    day = _local(profile, now, "now").date()
    last = last_bookable_day(profile, now)
    while day <= last:
        for start in slot_starts(profile, day):
            if start < earliest or (after is not None and start <= after) or _is_taken(start, taken):
                continue
            yield start
        day += timedelta(days=1)


def free_slots(
    profile: ClinicProfile,
    taken: Iterable[datetime],
    now: datetime,
    limit: int = 5,
    after: datetime | None = None,
) -> list[datetime]:
    """The next `limit` free slots strictly after max(now, after), not sooner than the minimum
    notice, within the booking horizon."""
    _require_aware(now, "now")
    if after is not None:
        _require_aware(after, "after")
    if limit <= 0:
        return []
    result = []
    for start in _bookable_free(profile, _instants(taken), now, after):
        result.append(start)
        if len(result) >= limit:
            break
    return result


def nearest_free(
    profile: ClinicProfile,
    requested: datetime,
    taken: Iterable[datetime],
    now: datetime,
    count: int = 3,
) -> list[datetime]:
    """The `count` bookable free slots closest in time to `requested` (before or after it; never
    in the past or sooner than the minimum notice; within the horizon), sorted chronologically."""
    _require_aware(requested, "requested")
    _require_aware(now, "now")
    if count <= 0:
        return []
    candidates = list(_bookable_free(profile, _instants(taken), now))
    closest = sorted(candidates, key=lambda start: (abs(start - requested), start))[:count]
    return sorted(closest)


# --- the payload of a slot button ---------------------------------------------------------------

_PAYLOAD = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def describe_slot(profile: ClinicProfile, start: datetime) -> str:
    """A slot in words in the clinic zone: 'Tuesday, November 24 at 3:00 pm'."""
    return slot_in_words(_local(profile, start, "start"))


def slot_payload(start: datetime) -> str:
    """A button payload naming exactly one instant: ISO 8601 with offset, to the second."""
    _require_aware(start, "start")
    return start.replace(microsecond=0).isoformat(timespec="seconds")


def parse_slot_payload(text: str) -> datetime | None:
    """The instant of a `slot_payload` string ('2026-11-24T15:00:00-08:00'); None for anything else."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not _PAYLOAD.match(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None

