"""Reading a day and time from a visitor's words ("next tuesday afternoon", "the 14th at 3")."""
from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import dateparser
from dateparser.search import search_dates

from bot.domain.formatting import WEEKDAYS
from bot.domain.profile import ClinicProfile
from bot.domain.scheduling.slots import _local, parse_slot_payload

PARTS_OF_DAY = ("morning", "afternoon", "evening")


@dataclass(frozen=True)
class WhenRequest:
    """What a visitor asked for: a local date, maybe a clock time, maybe a part of the day."""

    day: date
    time: time | None
    part_of_day: str | None  # 'morning' | 'afternoon' | 'evening' | None
    text: str
    after: time | None = None  # "after 4", "from 2pm": starts at or after this
    before: time | None = None  # "before noon", "earlier than 3": starts before this

    @property
    def has_window(self) -> bool:
        return self.after is not None or self.before is not None


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

# "after 4", "from 2:30 pm", "later than 3", "before noon", "no earlier than 11" (a window, not a time)
_WINDOW = re.compile(
    r"\b(?P<word>after|from|later than|no earlier than|not before|before|earlier than|no later than|not after)"
    r"\s+(?:about\s+|around\s+)?(?:(?P<noon>noon|midday)|(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?:(?P<ap>[ap])\.?m\b\.?)?"
    r"(?:\s*o'?\s*clock)?)(?![\d/:-]|\s*(?:st|nd|rd|th)\b)"
)
_STARTS_AFTER = {"after", "from", "later than", "no earlier than", "not before"}

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


def _take_window(text: str, part: str | None) -> tuple[time | None, time | None, str]:
    """The "after"/"before" bounds in text, and the text without them."""
    after = before = None
    for match in list(_WINDOW.finditer(text)):
        if match["noon"]:
            bound: time | None = time(12, 0)
        else:
            bound = _hour_24(int(match["h"]), int(match["m"] or 0), match["ap"], part)
        if bound is None:
            continue
        if match["word"] in _STARTS_AFTER:
            after = bound
        else:
            before = bound
        text = text.replace(match.group(0), " ", 1)
    return after, before, text


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
    after, before, cleaned = _take_window(cleaned, part)
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
        elif after is not None or before is not None:  # "after 4" alone: today while it can be
            bound = after or before
            day = today if bound > local_now.time() or (after and before is None) else today + timedelta(days=1)
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
    return WhenRequest(day=day, time=wanted, part_of_day=part, text=text.strip(), after=after, before=before)


