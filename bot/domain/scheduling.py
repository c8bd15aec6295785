"""Booking a free consultation against the clinic's real opening hours (plain Python, no Rasa).

Every clinic fact (time zone, office hours, consultation length, booking horizon) comes from the
ClinicProfile. All datetimes are timezone-aware; nothing here reads the clock: callers pass `now`.

Slots start every `consultation_minutes` from opening and must end by closing time. A visitor's
words are read by `parse_when` (dateparser does the dates; small regex pre-processing handles the
clock time and part of day) and checked by `resolve_request`, which always says why a request
cannot be booked and offers nearby free slots instead.

Design decisions:

* Off-grid times are not rounded. "Tuesday at 10:15" is reported as `outside_hours` (not a
  bookable start time) with the nearest free slots, which include the 10:00 and 10:30 slots
  around it, so the visitor picks; the bot never books a time the visitor did not say.
* A clock hour without am/pm: 1-7 means pm (the clinic is not open at 3 am), 8-11 am, 12 noon;
  "in the morning" / "afternoon" / "evening" override that. 13-23 are read as 24-hour times.
* A booking needs a minimum notice (`consultation.min_notice_minutes` in the profile, default
  60): a start sooner than that is refused as `past` and never offered by `free_slots`.
* Dates prefer the future: dateparser gets PREFER_DATES_FROM='future' with RELATIVE_BASE at
  midnight of the clinic-local today (so a date given for today stays today; clock times are
  read separately). Post-processing rolls a passed "the 14th" to next month, reads a bare
  weekday said on that weekday as today while the clinic is still open, and returns None rather
  than guess when a weekday contradicts the date or a named date cannot be read.
* The horizon is a calendar one: bookable up to and including the clinic-local date
  `today + consultation.booking_horizon_days`.
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser
from dateparser.search import search_dates

from bot.domain.profile import WEEKDAYS, ClinicProfile

_UTC = ZoneInfo("UTC")  # not datetime.UTC: that alias needs Python 3.11
DEFAULT_MIN_NOTICE_MINUTES = 60

REASONS = ("ok", "unparsed", "past", "too_far", "closed_day", "outside_hours", "taken", "need_time")
PARTS_OF_DAY = ("morning", "afternoon", "evening")
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
class WhenRequest:
    """What a visitor asked for: a local date, maybe a clock time, maybe a part of the day."""

    day: date
    time: time | None
    part_of_day: str | None  # 'morning' | 'afternoon' | 'evening' | None
    text: str


@dataclass(frozen=True)
class Resolution:
    """The outcome of a booking request. `start` is set only when reason == 'ok'."""

    start: datetime | None
    reason: str
    alternatives: list[datetime] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Slots


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
    return timedelta(minutes=int(profile.consultation.get("min_notice_minutes", DEFAULT_MIN_NOTICE_MINUTES)))


def last_bookable_day(profile: ClinicProfile, now: datetime) -> date:
    """The last clinic-local date inside the booking horizon."""
    days = int(profile.consultation["booking_horizon_days"])
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


# --------------------------------------------------------------------------------------------
# Reading the visitor's words

_CONNECTOR = r"(?:(?:\bat|\baround|\babout|\bby)\s+|@\s*)?"
_NOT_DATE_AFTER = r"(?![\d/:.-]|\s*(?:st|nd|rd|th)\b)"
_WEEKDAY_WORD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
_MONTH_WORD = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

# Clock-time patterns, most explicit first. Group `tok` is the span removed before date parsing.
_TIME_PATTERNS = (
    # 3pm, 3 p.m., 10:30am, 10.30 am
    re.compile(rf"(?P<tok>{_CONNECTOR}(?<![\d/:.])(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?\s*(?P<ap>[ap])\.?m\b\.?)"),
    # 10:30, 14:00
    re.compile(rf"(?P<tok>{_CONNECTOR}(?<![\d/:])(?P<h>\d{{1,2}}):(?P<m>\d{{2}})(?![\d:]))"),
    # noon, midday
    re.compile(rf"(?P<tok>{_CONNECTOR}\b(?P<noon>noon|midday)\b)"),
    # 3 o'clock
    re.compile(rf"(?P<tok>{_CONNECTOR}\b(?P<h>\d{{1,2}})\s*o'?\s*clock\b)"),
    # at 3, around 11, @ 2
    re.compile(rf"(?P<tok>(?:(?:\bat|\baround|\babout|\bby)\s+|@\s*)(?P<h>\d{{1,2}}){_NOT_DATE_AFTER})"),
    # 3 in the afternoon
    re.compile(r"(?P<tok>\b(?P<h>\d{1,2}))\s+(?=in the (?:morning|afternoon|evening)\b)"),
    # monday 3, tomorrow 11
    re.compile(rf"\b(?:{_WEEKDAY_WORD}|today|tomorrow)\s+(?P<tok>(?P<h>1[0-2]|0?[1-9])){_NOT_DATE_AFTER}"),
)

_PART_PATTERN = re.compile(
    r"\b(?P<this>this\s+|in\s+the\s+)?(?<!good\s)(?P<part>morning|afternoon|evening)s?\b|\b(?P<tonight>tonight)\b"
)
_ABBREVIATIONS = ((r"\btues\b", "tuesday"), (r"\bweds?\b", "wednesday"), (r"\bthu(?:rs?)?\b", "thursday"))
_NEXT_WEEKDAY = re.compile(rf"\bnext\s+(?={_WEEKDAY_WORD}\b)")
_THIS_WEEKDAY = re.compile(rf"\b(?:this|on)\s+(?={_WEEKDAY_WORD}\b)")
_WEEKDAY = re.compile(rf"\b{_WEEKDAY_WORD}\b")
_MONTH_DATE = re.compile(
    rf"\b{_MONTH_WORD}\s*\d{{1,2}}(?:st|nd|rd|th)?\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_WORD}"
    r"|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b|\b\d{4}-\d{2}-\d{2}\b"
)
_DAY_OF_MONTH = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)\b")
_RELATIVE_DAY = re.compile(
    r"\b(?:today|tomorrow)\b|\bin\s+(?:\d+|a|an|one|two|three|four|five|six)\s+(?:day|week)s?\b"
)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_LEADING_FILLER = re.compile(r"^(?:(?:in|on|at|about|for|around|by)\s+)+")


def _anchored(text: str) -> bool:
    """Whether text names a day: weekday, today/tomorrow, a calendar date, an ordinal day."""
    return bool(
        _WEEKDAY.search(text) or _MONTH_DATE.search(text) or _DAY_OF_MONTH.search(text)
        or _RELATIVE_DAY.search(text)
    )


def _hour_24(hour: int, minute: int, ampm: str | None, part: str | None) -> time | None:
    if minute > 59:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        return time(hour % 12 + (12 if ampm == "p" else 0), minute)
    if hour > 23:
        return None
    if hour == 0 or hour >= 13:
        return time(hour, minute)
    if part == "morning":
        return time(hour, minute)
    if part in ("afternoon", "evening") or 1 <= hour <= 7:
        return time(hour if hour == 12 else hour + 12, minute)
    return time(hour, minute)  # 8-12 without am/pm: 8-11 am, 12 noon


def _take_time(text: str, part: str | None) -> tuple[time | None, str]:
    """Find the first clock time in text; return it and the text without it."""
    for pattern in _TIME_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            if groups.get("noon"):
                value: time | None = time(12, 0)
            else:
                value = _hour_24(int(groups["h"]), int(groups.get("m") or 0), groups.get("ap"), part)
            if value is not None:
                start, end = match.span("tok")
                return value, f"{text[:start]} {text[end:]}"
    return None, text


def _dateparse(text: str, today: date, day_first: bool) -> datetime | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        # Midnight of the clinic-local today: times are handled separately, and a date given for
        # today must count as today, not be pushed into the future.
        "RELATIVE_BASE": datetime.combine(today, time(0, 0)),
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": ["relative-time", "absolute-time"],
    }
    if day_first:
        # A lone "the 3rd" is otherwise read month-first (March); only used when no month is named.
        settings["DATE_ORDER"] = "DMY"
    try:
        return dateparser.parse(text, languages=["en"], settings=settings)
    except (ValueError, OverflowError):
        return None


def _day_candidates(text: str, today: date) -> Iterator[str]:
    """The whole text first; then, for a sentence, the date-like fragments dateparser finds in it."""
    yield text
    try:
        found = search_dates(
            text, languages=["en"],
            settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime.combine(today, time(0, 0))},
        )
    except (ValueError, OverflowError):
        found = None
    for fragment, _ in found or []:
        yield _LEADING_FILLER.sub("", fragment.strip())


def _parse_day(text: str, today: date) -> tuple[date | None, str]:
    """The day named in text (dateparser) and the fragment it came from; (None, '') if none."""
    for fragment in _day_candidates(text, today):
        fragment = fragment.strip()
        if not fragment or not _anchored(fragment):
            continue
        # A fragment must keep the calendar date the visitor gave: "february 30th" must not
        # come back as just "30th" (November 30).
        if (_MONTH_DATE.search(text) and not _MONTH_DATE.search(fragment)) or (
            _DAY_OF_MONTH.search(text) and not _DAY_OF_MONTH.search(fragment)
        ):
            continue
        has_month = bool(_MONTH_DATE.search(fragment))
        parsed = _dateparse(fragment, today, day_first=not has_month and bool(_DAY_OF_MONTH.search(fragment)))
        if parsed is not None:
            return parsed.date(), fragment
    return None, ""


def _add_months(day: date, months: int) -> date | None:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    if day.day > calendar.monthrange(year, month + 1)[1]:
        return None
    return date(year, month + 1, day.day)


def _prefer_future(day: date, fragment: str, today: date) -> date:
    """Post-process dateparser: the earliest not-past reading of a date without a year."""
    if _YEAR.search(fragment):
        return day
    if _MONTH_DATE.search(fragment):
        try:
            earlier = day.replace(year=day.year - 1)
        except ValueError:
            earlier = None
        if earlier is not None and earlier >= today:  # "11/24" said on Nov 24 means today
            return earlier
        while day < today:
            day = day.replace(year=day.year + 1)
        return day
    if _DAY_OF_MONTH.search(fragment) and day < today:  # "the 14th" said on the 21st
        for months in range(1, 13):
            later = _add_months(day, months)
            if later is not None:
                return later
    return day


def _still_open(profile: ClinicProfile, local_now: datetime, wanted: time | None) -> bool:
    hours = profile.office_hours[local_now.weekday()]
    if wanted is not None:
        return wanted > local_now.time()
    return hours is not None and local_now.time() < hours.close


def parse_when(text: str, now: datetime, profile: ClinicProfile) -> WhenRequest | None:
    """Read a day (and maybe a time or part of day) from a visitor's words, relative to `now` in
    the clinic zone, preferring future dates. None when the text names no day and no time."""
    if not text or not text.strip():
        return None
    local_now = _local(profile, now, "now")
    exact = parse_slot_payload(text)
    if exact is not None:  # a slot button's payload names the instant exactly
        local = exact.astimezone(profile.timezone)
        return WhenRequest(day=local.date(), time=local.time(), part_of_day=None, text=text.strip())
    today = local_now.date()
    cleaned = " " + re.sub(r"[?!;,()\"]", " ", text.lower()) + " "
    for pattern, replacement in _ABBREVIATIONS:
        cleaned = re.sub(pattern, replacement, cleaned)

    part: str | None = None
    today_hint = False
    part_match = _PART_PATTERN.search(cleaned)
    if part_match:
        part = "evening" if part_match["tonight"] else part_match["part"]
        today_hint = bool(part_match["tonight"] or (part_match["this"] or "").startswith("this"))
    wanted, cleaned = _take_time(cleaned, part)  # before the part words go: "3 in the afternoon"
    cleaned = _PART_PATTERN.sub(" ", cleaned)
    next_week = bool(_NEXT_WEEKDAY.search(cleaned))
    cleaned = _THIS_WEEKDAY.sub("", _NEXT_WEEKDAY.sub("", cleaned))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()

    day, fragment = _parse_day(cleaned, today) if _anchored(cleaned) else (None, "")
    if day is None:
        if _anchored(cleaned):
            return None  # names a day we could not read: do not guess
        if today_hint:
            day = today
        elif wanted is not None:  # a time alone: today, or tomorrow once that time has passed
            day = today if wanted > local_now.time() else today + timedelta(days=1)
        else:
            return None
    else:
        day = _prefer_future(day, fragment, today)
        weekday_only = _WEEKDAY.search(fragment) and not (
            _MONTH_DATE.search(fragment) or _DAY_OF_MONTH.search(fragment) or _RELATIVE_DAY.search(fragment)
        )
        # dateparser reads a weekday as the next one after today; plain "Tuesday" said on a
        # Tuesday means today while that is still possible ("next Tuesday" keeps next week's).
        if (
            weekday_only and not next_week and day == today + timedelta(days=7)
            and _still_open(profile, local_now, wanted)
        ):
            day = today
        named = _WEEKDAY.search(fragment)
        if named and WEEKDAYS[day.weekday()][:3] != named.group()[:3]:
            return None  # "Tuesday the 25th" when the 25th is a Wednesday: ask, do not guess
    return WhenRequest(day=day, time=wanted, part_of_day=part, text=text.strip())


# --------------------------------------------------------------------------------------------
# Resolving a request


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

    Reasons: ok | unparsed | past | too_far | closed_day | outside_hours | taken | need_time.
    Every non-ok reason carries up to 3 nearest free slots, except need_time, which lists the free
    slots of that day (or of that part of the day), falling back to the 3 nearest when none.
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
    ]
    return Resolution(None, "need_time", that_day or nearest)


# --------------------------------------------------------------------------------------------
# Presenting slots

_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_PAYLOAD = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def describe_slot(profile: ClinicProfile, start: datetime) -> str:
    """A slot in words in the clinic zone: 'Tuesday, November 24 at 3:00 pm'."""
    local = _local(profile, start, "start")
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    return f"{WEEKDAYS[local.weekday()].capitalize()}, {_MONTHS[local.month - 1]} {local.day} at {clock}"


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
