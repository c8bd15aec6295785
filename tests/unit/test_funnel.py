"""The funnel's figures (bot.domain.funnel), computed from seeded conversations."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.domain.funnel import (
    Conversation,
    DropOff,
    Step,
    by_concern,
    by_week,
    count,
    drop_off,
    funnel_report,
    median_time_to_book,
    most_frequent,
    week_of,
)

UTC = timezone.utc  # noqa: UP017 (Python 3.10)
LA = ZoneInfo("America/Los_Angeles")
MONDAY = datetime(2026, 11, 2, 18, 0, tzinfo=UTC)  # Monday 10:00 in Los Angeles


def conv(start: datetime, concern=None, consent=False, screening=False, book_after=None, attended=False):
    return Conversation(started_at=start, concern=concern, consent=consent, screening_finished=screening,
                        booked_at=start + book_after if book_after is not None else None, attended=attended)


SEEDED = [
    conv(MONDAY),  # said hello, left
    conv(MONDAY + timedelta(hours=1)),
    conv(MONDAY + timedelta(hours=2), "sweating"),  # named a concern, no consent
    conv(MONDAY + timedelta(days=1), "sweating", True, True, timedelta(minutes=10), attended=True),
    conv(MONDAY + timedelta(days=2), "sweating", True, False, timedelta(minutes=30)),  # booked a consultation only
    # The week after the next: the week between has none.
    conv(MONDAY + timedelta(days=14), "wrinkles", True, True, timedelta(hours=2)),
    conv(MONDAY + timedelta(days=15), "wrinkles", True),
]


def test_each_step_is_counted_on_its_own():
    assert count(SEEDED) == (7, 5, 4, 2, 3, 1)
    assert count([]) == (0, 0, 0, 0, 0, 0)


def test_weeks_start_on_monday_clinic_time_and_none_is_skipped():
    # Sunday 23:30 in Los Angeles is already Monday in UTC: it belongs to the week before.
    sunday_night = datetime(2026, 11, 9, 7, 30, tzinfo=UTC)
    assert week_of(sunday_night, LA) == date(2026, 11, 2)
    assert week_of(sunday_night, UTC) == date(2026, 11, 9)
    weeks = by_week(SEEDED, LA)
    assert [monday for monday, _ in weeks] == [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    assert [counts for _, counts in weeks] == [(5, 3, 2, 1, 2, 1), (0,) * 6, (2, 2, 2, 1, 1, 0)]
    assert by_week([], LA) == []


def test_by_concern_leaves_out_conversations_without_one_largest_first():
    assert by_concern(SEEDED) == [("sweating", (3, 3, 2, 1, 2, 1)), ("wrinkles", (2, 2, 2, 1, 1, 0))]


def test_the_drop_off_is_the_largest_share_lost_between_neighbours():
    assert drop_off(count(SEEDED)) == DropOff(Step.BOOKED, Step.ATTENDED, 2, 2 / 3)
    assert drop_off((10, 2, 2, 2, 1, 1)) == DropOff(Step.STARTED, Step.CONCERN, 8, 0.8)
    assert drop_off((4, 2, 2, 1, 1, 1)) == DropOff(Step.STARTED, Step.CONCERN, 2, 0.5)  # a tie: the earlier
    assert drop_off((3, 3, 3, 3, 3, 3)) is None
    assert drop_off((0,) * 6) is None


def test_median_time_to_book():
    assert median_time_to_book(SEEDED) == timedelta(minutes=30)  # of 10 min, 30 min, 2 h
    assert median_time_to_book(SEEDED[:4]) == timedelta(minutes=10)
    assert median_time_to_book(SEEDED[:3]) is None


def test_most_frequent_messages_ignore_case_and_spacing():
    messages = ["Do you do fillers?", "do you  do fillers? ", "parking?", "", "   ", "DO YOU DO FILLERS?",
                "Parking?", "what about lips"]
    assert most_frequent(messages) == [("Do you do fillers?", 3), ("parking?", 2), ("what about lips", 1)]
    assert most_frequent(messages, limit=1) == [("Do you do fillers?", 3)]


def test_the_report_puts_it_together():
    report = funnel_report(SEEDED, ["parking?", "Parking?"], LA)
    assert report.totals == (7, 5, 4, 2, 3, 1)
    assert len(report.weeks) == 3 and report.concerns[0][0] == "sweating"
    assert report.drop_off is not None and report.drop_off.after is Step.ATTENDED
    assert report.median_to_book == timedelta(minutes=30)
    assert report.fallbacks == [("parking?", 2)]


def test_a_report_window_lists_its_empty_weeks_too():
    weeks = by_week(SEEDED[:1], LA, first=date(2026, 10, 28), last=date(2026, 11, 12))
    assert [monday for monday, _ in weeks] == [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)]
    assert [counts[0] for _, counts in weeks] == [0, 1, 0]
    assert [monday for monday, _ in by_week([], LA, first=date(2026, 11, 3), last=date(2026, 11, 3))] == [
        date(2026, 11, 2)]
