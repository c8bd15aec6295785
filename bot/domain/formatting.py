"""Times and dates in words, one way everywhere: replies, e-mails, the staff pages and the CLI."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Union

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")


def clock(value: Union[datetime, time]) -> str:
    """A 12-hour clock time: '9:30 am', '12:00 pm'."""
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"


def day_abbr(weekday: int) -> str:
    """'Mon' for 0 (datetime.weekday())."""
    return WEEKDAYS[weekday][:3].capitalize()


def slot_in_words(local: datetime) -> str:
    """A local start time as the assistant says it: 'Tuesday, November 24 at 3:00 pm'."""
    return f"{day_in_words(local.date())} at {clock(local)}"


def day_in_words(day: date) -> str:
    """A date as the assistant says it: 'Tuesday, November 24'."""
    return f"{WEEKDAYS[day.weekday()].capitalize()}, {MONTHS[day.month - 1]} {day.day}"


def date_and_time(local: datetime) -> str:
    """A local time with its full date, as e-mails give it: 'Tuesday 24 November 2026, 3:00 pm'."""
    day = WEEKDAYS[local.weekday()].capitalize()
    return f"{day} {local.day} {MONTHS[local.month - 1]} {local.year}, {clock(local)}"
