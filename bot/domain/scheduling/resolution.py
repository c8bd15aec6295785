"""Turning a visitor's request into a bookable start, or the reason it can't be booked and what can."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from bot.domain.profile import ClinicProfile
from bot.domain.scheduling.phrases import WhenRequest, parse_when
from bot.domain.scheduling.slots import (
    _instants,
    _is_taken,
    _local,
    _require_aware,
    free_slots,
    is_bookable_start,
    last_bookable_day,
    min_notice,
    nearest_free,
    parse_slot_payload,
    slot_starts,
)

REASONS = ("ok", "unparsed", "past", "too_far", "closed_day", "outside_hours", "taken", "need_time", "day_full")
# A slot belongs to a part of day by its local start time: [from, to).
_PART_WINDOWS = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time.max),
}
# Where "closest to what the visitor asked" is measured from when they named no clock time.
_PART_REFERENCE = {None: time(12, 0), "morning": time(9, 0), "afternoon": time(14, 30), "evening": time(19, 0)}
_MAX_ALTERNATIVES = 3


@dataclass(frozen=True)
class Resolution:
    """The outcome of a booking request. `start` is set only when reason == 'ok'."""

    start: datetime | None
    reason: str
    alternatives: list[datetime] = field(default_factory=list)
    request: WhenRequest | None = None  # what was read from the words (day, part of day, window)


def _in_part(start: datetime, part: str | None) -> bool:
    if part is None:
        return True
    begin, end = _PART_WINDOWS[part]
    return begin <= start.time() < end


def _check_start(
    profile: ClinicProfile, start: datetime, taken: frozenset[datetime], now: datetime
) -> Resolution:
    def refuse(reason: str) -> Resolution:
        return Resolution(None, reason, nearest_free(profile, start, taken, now, _MAX_ALTERNATIVES))

    local = _local(profile, start, "start")
    if local < now + min_notice(profile):
        return refuse("past")
    if local.date() > last_bookable_day(profile, now):
        return refuse("too_far")
    if profile.office_hours[local.weekday()] is None:
        return refuse("closed_day")
    if not is_bookable_start(profile, local):
        return refuse("outside_hours")
    if _is_taken(local, taken):
        return refuse("taken")
    return Resolution(local, "ok", [])


def resolve_request(
    profile: ClinicProfile, text: str, now: datetime, taken: Iterable[datetime]
) -> Resolution:
    """Turn a visitor's words (or a slot button payload) into a bookable start, or say why not.

    Reasons: ok | unparsed | past | too_far | closed_day | outside_hours | taken | need_time | day_full.
    Every non-ok reason carries up to 3 nearest free slots, except need_time, which lists the free
    slots of that day (or of that part of the day, or after/before the time asked); day_full says
    nothing there is free and carries the nearest (after the time asked, when one was).
    'past' also covers a start sooner than the minimum notice; 'outside_hours' covers a time off
    the slot grid (e.g. 10:15) and a slot that would end after closing.
    """
    _require_aware(now, "now")
    taken_set = _instants(taken)
    exact = parse_slot_payload(text or "")
    if exact is not None:
        return _check_start(profile, exact, taken_set, now)

    request = parse_when(text or "", now, profile)
    if request is None:
        return Resolution(None, "unparsed", nearest_free(profile, now, taken_set, now, _MAX_ALTERNATIVES))
    tz = profile.timezone
    if request.time is not None:
        return _check_start(profile, datetime.combine(request.day, request.time, tzinfo=tz), taken_set, now)

    reference = datetime.combine(request.day, _PART_REFERENCE[request.part_of_day], tzinfo=tz)
    nearest = nearest_free(profile, reference, taken_set, now, _MAX_ALTERNATIVES)
    local_now = _local(profile, now, "now")
    if request.day < local_now.date():
        return Resolution(None, "past", nearest)
    if request.day > last_bookable_day(profile, now):
        return Resolution(None, "too_far", nearest)
    if profile.office_hours[request.day.weekday()] is None:
        return Resolution(None, "closed_day", nearest)
    earliest = now + min_notice(profile)
    that_day = [
        start for start in slot_starts(profile, request.day)
        if start >= earliest and not _is_taken(start, taken_set) and _in_part(start, request.part_of_day)
        and _in_window(start.astimezone(tz), request)
    ]
    if that_day:
        return Resolution(None, "need_time", that_day, request)
    if request.after is not None:  # the nearest after what was asked, on later days too
        later = datetime.combine(request.day, request.after, tzinfo=tz)
        following = free_slots(profile, taken_set, now, limit=40, after=later - timedelta(seconds=1))  # ~2 days
        nearest = [start for start in following
                   if start >= later and _in_window(start.astimezone(tz), request)][:_MAX_ALTERNATIVES] or nearest
    return Resolution(None, "day_full", nearest, request)


def _in_window(start: datetime, request: WhenRequest) -> bool:
    """Inside the "after"/"before" clock bounds asked for (local time)."""
    local = start.time()
    if request.after is not None and local < request.after:
        return False
    return request.before is None or local < request.before


