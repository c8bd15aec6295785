"""The conversion funnel: how many conversations reached each step towards an attended
consultation, by week and by concern, where most visitors drop off, how long booking takes, and
what visitors asked that the assistant could not answer.

Pure functions over plain facts (one `Conversation` per chat, gathered from the database by
bot.services.staff.funnel), so that every figure is tested on seeded conversations.
Each step is counted on its own ("booked" counts every booked conversation, also one that booked a
consultation without finishing the screening); the drop-off compares neighbouring steps.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from statistics import median
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from bot.domain.statuses import StrEnum


class Step(StrEnum):
    """The funnel's steps, in order."""

    STARTED = "started"
    CONCERN = "concern"
    CONSENT = "consent"
    SCREENING = "screening"
    BOOKED = "booked"
    ATTENDED = "attended"


STEPS: Tuple[Step, ...] = tuple(Step)
Counts = Tuple[int, ...]  # one count per step, in STEPS order

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Conversation:
    """What one conversation reached. Times are aware UTC datetimes."""

    started_at: datetime
    concern: Optional[str] = None
    consent: bool = False
    screening_finished: bool = False
    booked_at: Optional[datetime] = None
    attended: bool = False

    def reached(self) -> Tuple[bool, ...]:
        return (True, self.concern is not None, self.consent, self.screening_finished,
                self.booked_at is not None, self.attended)


@dataclass(frozen=True)
class DropOff:
    """The neighbouring steps between which the largest share of conversations was lost."""

    before: Step
    after: Step
    lost: int
    share: float  # of the conversations at `before`, 0..1


@dataclass(frozen=True)
class FunnelReport:
    totals: Counts
    weeks: List[Tuple[date, Counts]]  # Monday of each week (clinic time), oldest first, none skipped
    concerns: List[Tuple[str, Counts]]  # concern key, most conversations first
    drop_off: Optional[DropOff]
    median_to_book: Optional[timedelta]
    fallbacks: List[Tuple[str, int]] = field(default_factory=list)  # message, times; most frequent first


def count(conversations: Iterable[Conversation]) -> Counts:
    totals = [0] * len(STEPS)
    for conversation in conversations:
        for index, reached in enumerate(conversation.reached()):
            totals[index] += int(reached)
    return tuple(totals)


def week_of(moment: datetime, tz: tzinfo) -> date:
    """The Monday of the clinic-local week the moment falls in."""
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def by_week(conversations: Sequence[Conversation], tz: tzinfo, first: Optional[date] = None,
            last: Optional[date] = None) -> List[Tuple[date, Counts]]:
    """Counts per week of the conversation's start, every week from the first to the last (the
    weeks of `first` and `last` when given: a report's whole window, empty weeks included)."""
    grouped: Dict[date, List[Conversation]] = {}
    for conversation in conversations:
        grouped.setdefault(week_of(conversation.started_at, tz), []).append(conversation)
    mondays = [*grouped, *(day - timedelta(days=day.weekday()) for day in (first, last) if day is not None)]
    if not mondays:
        return []
    weeks, monday, last = [], min(mondays), max(mondays)
    while monday <= last:
        weeks.append((monday, count(grouped.get(monday, ()))))
        monday += timedelta(days=7)
    return weeks


def by_concern(conversations: Sequence[Conversation]) -> List[Tuple[str, Counts]]:
    """Counts per identified concern (conversations without one are left out), largest first."""
    grouped: Dict[str, List[Conversation]] = {}
    for conversation in conversations:
        if conversation.concern is not None:
            grouped.setdefault(conversation.concern, []).append(conversation)
    rows = [(concern, count(items)) for concern, items in grouped.items()]
    return sorted(rows, key=lambda row: (-row[1][0], row[0]))


def drop_off(counts: Counts) -> Optional[DropOff]:
    """The step transition that loses the largest share (the earlier one on a tie); None when no
    step loses anyone."""
    worst: Optional[DropOff] = None
    for index in range(1, len(STEPS)):
        before, after = counts[index - 1], counts[index]
        if before <= 0 or after >= before:
            continue
        share = (before - after) / before
        if worst is None or share > worst.share:
            worst = DropOff(STEPS[index - 1], STEPS[index], before - after, share)
    return worst


def median_time_to_book(conversations: Iterable[Conversation]) -> Optional[timedelta]:
    """The median time from a conversation's start to its booking, over booked conversations."""
    waits = [(c.booked_at - c.started_at).total_seconds() for c in conversations if c.booked_at is not None]
    return timedelta(seconds=median(waits)) if waits else None


def most_frequent(messages: Iterable[str], limit: int = 10) -> List[Tuple[str, int]]:
    """The most frequent messages, counted regardless of case and spacing; each shown as first
    written. Ties in order of first appearance."""
    counts: Counter = Counter()
    shown: Dict[str, str] = {}
    for message in messages:
        text = _SPACES.sub(" ", message or "").strip()
        if not text:
            continue
        key = text.casefold()
        shown.setdefault(key, text)
        counts[key] += 1
    return [(shown[key], times) for key, times in counts.most_common(limit)]


def funnel_report(conversations: Sequence[Conversation], fallback_messages: Iterable[str], tz: tzinfo,
                  limit: int = 10, first: Optional[date] = None, last: Optional[date] = None) -> FunnelReport:
    """The whole report; `first` and `last`: the window's first and last days, so that every week
    of it is listed."""
    totals = count(conversations)
    return FunnelReport(
        totals=totals,
        weeks=by_week(conversations, tz, first, last),
        concerns=by_concern(conversations),
        drop_off=drop_off(totals),
        median_to_book=median_time_to_book(conversations),
        fallbacks=most_frequent(fallback_messages, limit),
    )
