"""Is the clinic open now, and when does it next open? (A same-day callback is offered only while
staff are in; otherwise the visitor is told when they will be.)"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from bot.domain.profile import ClinicProfile
from bot.domain.scheduling.slots import _local


def is_open(profile: ClinicProfile, now: datetime) -> bool:
    local = _local(profile, now, "now")
    hours = profile.office_hours.get(local.weekday())
    return hours is not None and hours.open <= local.time() < hours.close


def next_opening(profile: ClinicProfile, now: datetime) -> Optional[datetime]:
    """The next moment the clinic opens after `now` (clinic-local), None if it never opens."""
    local = _local(profile, now, "now")
    for days in range(8):
        day = local.date() + timedelta(days=days)
        hours = profile.office_hours.get(day.weekday())
        if hours is None:
            continue
        opening = datetime.combine(day, hours.open, tzinfo=profile.timezone)
        if opening > local:
            return opening
    return None
