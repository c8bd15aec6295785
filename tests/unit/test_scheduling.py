"""bot/scheduling.py against the real clinic profile and the real dateparser.

`now` is always passed in: the default is Saturday 2026-11-21 09:00 in the clinic's zone
(America/Los_Angeles). Profile facts used below: Mon-Thu 10:00-17:00, Fri 10:00-16:00, weekends
closed, 30-minute consultations, 60-day booking horizon (last bookable day 2027-01-20).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.scheduling import (
    Resolution,
    WhenRequest,
    describe_slot,
    free_slots,
    is_bookable_start,
    nearest_free,
    parse_slot_payload,
    parse_when,
    resolve_request,
    slot_payload,
    slot_starts,
)

LA = ZoneInfo("America/Los_Angeles")
UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=LA)  # a Saturday morning
PST = timedelta(hours=-8)
PDT = timedelta(hours=-7)


def la(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LA)


def utc(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def on(day: date, *clock: tuple[int, int]) -> list[datetime]:
    return [datetime.combine(day, time(h, m), tzinfo=LA) for h, m in clock]


def half_hours(day: date, first: str, last: str) -> list[datetime]:
    """Every slot start from first to last inclusive ('HH:MM')."""
    start = datetime.combine(day, time.fromisoformat(first), tzinfo=LA)
    end = datetime.combine(day, time.fromisoformat(last), tzinfo=LA)
    result = []
    while start <= end:
        result.append(start)
        start += timedelta(minutes=30)
    return result


@pytest.fixture(scope="module")
def profile_la(profile):
    """The real profile, after checking the facts these tests rely on are still the profile's."""
    assert profile.timezone.key == "America/Los_Angeles"
    assert profile.consultation_minutes == 30
    assert profile.consultation.booking_horizon_days == 60
    assert profile.office_hours[4].close == time(16, 0)
    assert profile.office_hours[5] is None and profile.office_hours[6] is None
    return profile


# --------------------------------------------------------------------------------------------
# Slots and opening hours


def test_monday_slots_run_every_half_hour_from_opening_to_the_last_that_ends_by_close(profile_la):
    slots = slot_starts(profile_la, date(2026, 11, 23))
    assert slots == half_hours(date(2026, 11, 23), "10:00", "16:30")
    assert len(slots) == 14
    assert all(slot.tzinfo is LA for slot in slots)


def test_friday_last_slot_is_1530_because_the_clinic_closes_at_1600(profile_la):
    slots = slot_starts(profile_la, date(2026, 11, 27))
    assert slots[0] == la(2026, 11, 27, 10, 0)
    assert slots[-1] == la(2026, 11, 27, 15, 30)
    assert len(slots) == 12
    assert is_bookable_start(profile_la, la(2026, 11, 27, 15, 30))
    assert not is_bookable_start(profile_la, la(2026, 11, 27, 16, 0))


@pytest.mark.parametrize("day", [date(2026, 11, 21), date(2026, 11, 22), date(2026, 11, 28)])
def test_weekends_have_no_slots(profile_la, day):
    assert day.weekday() in (5, 6)
    assert slot_starts(profile_la, day) == []
    assert not is_bookable_start(profile_la, datetime.combine(day, time(11, 0), tzinfo=LA))


def test_every_slot_of_a_week_ends_by_closing_time(profile_la):
    for offset in range(7):
        day = date(2026, 11, 23) + timedelta(days=offset)
        hours = profile_la.office_hours[day.weekday()]
        for start in slot_starts(profile_la, day):
            end = start + timedelta(minutes=profile_la.consultation_minutes)
            assert hours.open <= start.time() and end.time() <= hours.close, start
            assert is_bookable_start(profile_la, start)


@pytest.mark.parametrize(
    ("start", "bookable"),
    [
        (la(2026, 11, 23, 10, 0), True),  # Monday opening
        (la(2026, 11, 23, 16, 30), True),  # ends 17:00 exactly
        (la(2026, 11, 23, 17, 0), False),  # closing time
        (la(2026, 11, 23, 9, 30), False),  # before opening
        (la(2026, 11, 23, 10, 15), False),  # off the half-hour grid
        (la(2026, 11, 23, 10, 0) + timedelta(seconds=1), False),
        (la(2026, 11, 28, 11, 0), False),  # Saturday
    ],
)
def test_is_bookable_start(profile_la, start, bookable):
    assert is_bookable_start(profile_la, start) is bookable


def test_is_bookable_start_converts_other_zones_to_clinic_time(profile_la):
    assert is_bookable_start(profile_la, utc(2026, 11, 23, 18, 0))  # 10:00 PST
    assert not is_bookable_start(profile_la, utc(2026, 11, 23, 10, 0))  # 02:00 PST
    assert is_bookable_start(profile_la, datetime(2026, 11, 24, 0, 30, tzinfo=UTC))  # Mon 16:30 PST
    assert not is_bookable_start(profile_la, datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Mon 17:00


def test_naive_datetimes_are_refused(profile_la):
    with pytest.raises(ValueError, match="timezone-aware"):
        is_bookable_start(profile_la, datetime(2026, 11, 23, 10, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        free_slots(profile_la, [], datetime(2026, 11, 21, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        free_slots(profile_la, [datetime(2026, 11, 23, 10, 0)], NOW)


# --------------------------------------------------------------------------------------------
# Free slots


def test_free_slots_from_a_saturday_start_on_monday_morning(profile_la):
    assert free_slots(profile_la, [], NOW) == half_hours(date(2026, 11, 23), "10:00", "12:00")


def test_free_slots_skip_taken_starts_given_in_any_zone(profile_la):
    taken = [la(2026, 11, 23, 10, 0), utc(2026, 11, 23, 18, 30)]  # 10:00 and 10:30 PST
    slots = free_slots(profile_la, taken, NOW, limit=3)
    assert slots == on(date(2026, 11, 23), (11, 0), (11, 30), (12, 0))


def test_free_slots_strictly_after_the_after_argument(profile_la):
    slots = free_slots(profile_la, [], NOW, limit=2, after=la(2026, 11, 23, 12, 0))
    assert slots == on(date(2026, 11, 23), (12, 30), (13, 0))


def test_free_slots_keep_the_minimum_notice_and_roll_to_the_next_open_day(profile_la):
    now = la(2026, 11, 23, 10, 10)  # Monday: 10:30 and 11:00 are less than an hour away
    assert free_slots(profile_la, [], now, limit=1) == [la(2026, 11, 23, 11, 30)]
    friday_late = la(2026, 11, 27, 15, 0)  # nothing left on Friday, weekend closed
    assert free_slots(profile_la, [], friday_late, limit=1) == [la(2026, 11, 30, 10, 0)]


def test_free_slots_stop_at_the_booking_horizon(profile_la):
    slots = free_slots(profile_la, [], NOW, limit=10_000)
    assert slots[-1] == la(2027, 1, 20, 16, 30)  # Wednesday, NOW's date + 60 days
    assert all(slot.date() <= date(2027, 1, 20) for slot in slots)
    assert free_slots(profile_la, [], NOW, after=la(2027, 1, 20, 16, 30)) == []
    assert free_slots(profile_la, [], NOW, limit=0) == []


def test_nearest_free_surrounds_a_taken_slot(profile_la):
    taken = [la(2026, 11, 24, 15, 0)]
    nearest = nearest_free(profile_la, la(2026, 11, 24, 15, 0), taken, NOW)
    # 14:30 and 15:30 are 30 min away; 14:00 and 16:00 tie at an hour, the earlier wins.
    assert nearest == on(date(2026, 11, 24), (14, 0), (14, 30), (15, 30))


def test_nearest_free_to_friday_closing_looks_back_into_friday(profile_la):
    nearest = nearest_free(profile_la, la(2026, 11, 27, 16, 0), [], NOW, count=3)
    assert nearest == on(date(2026, 11, 27), (14, 30), (15, 0), (15, 30))


def test_nearest_free_never_offers_the_past_or_too_soon(profile_la):
    now = la(2026, 11, 24, 12, 5)
    nearest = nearest_free(profile_la, la(2026, 11, 24, 10, 0), [], now, count=2)
    assert nearest == on(date(2026, 11, 24), (13, 30), (14, 0))


# --------------------------------------------------------------------------------------------
# Daylight saving time in America/Los_Angeles


@pytest.mark.parametrize(
    ("day", "offset", "utc_hour"),
    [
        (date(2026, 3, 6), PST, 18),  # Friday before spring forward (Sunday 2026-03-08)
        (date(2026, 3, 9), PDT, 17),  # Monday after
        (date(2026, 10, 30), PDT, 17),  # Friday before fall back (Sunday 2026-11-01)
        (date(2026, 11, 2), PST, 18),  # Monday after
    ],
)
def test_slots_stay_at_ten_local_across_dst(profile_la, day, offset, utc_hour):
    first = slot_starts(profile_la, day)[0]
    assert (first.hour, first.minute) == (10, 0)
    assert first.utcoffset() == offset
    assert first.astimezone(UTC) == datetime.combine(day, time(utc_hour, 0), tzinfo=UTC)
    assert all(slot.utcoffset() == offset for slot in slot_starts(profile_la, day))


def test_dst_change_days_are_sundays_and_closed(profile_la):
    assert slot_starts(profile_la, date(2026, 3, 8)) == []
    assert slot_starts(profile_la, date(2026, 11, 1)) == []


def test_utc_stored_start_maps_back_to_local_time_across_dst(profile_la):
    stored = utc(2026, 3, 9, 17, 0)  # as the database returns it
    assert stored.astimezone(LA) == la(2026, 3, 9, 10, 0)
    assert describe_slot(profile_la, stored) == "Monday, March 9 at 10:00 am"
    assert describe_slot(profile_la, utc(2026, 11, 2, 18, 0)) == "Monday, November 2 at 10:00 am"
    assert describe_slot(profile_la, utc(2026, 10, 30, 17, 0)) == "Friday, October 30 at 10:00 am"
    now = la(2026, 3, 6, 15, 0)  # Friday PST; next free is Monday PDT, 10:00 is taken (UTC-stored)
    assert free_slots(profile_la, [stored], now, limit=1) == [la(2026, 3, 9, 10, 30)]
    assert free_slots(profile_la, [stored], now, limit=1)[0].utcoffset() == PDT


def test_booking_across_fall_back_gets_the_pst_offset(profile_la):
    now = la(2026, 10, 30, 12, 0)  # Friday, still PDT
    result = resolve_request(profile_la, "Monday at 10", now, [])
    assert result.reason == "ok"
    assert result.start == utc(2026, 11, 2, 18, 0)
    assert slot_payload(result.start) == "2026-11-02T10:00:00-08:00"


# --------------------------------------------------------------------------------------------
# Reading the visitor's words


@pytest.mark.parametrize(
    ("text", "day", "clock", "part"),
    [
        ("tomorrow at 3", date(2026, 11, 22), time(15, 0), None),
        ("next Tuesday afternoon", date(2026, 11, 24), None, "afternoon"),
        ("Friday morning", date(2026, 11, 27), None, "morning"),
        ("the 14th at 10:30", date(2026, 12, 14), time(10, 30), None),  # the 14th has passed
        ("Monday 11am", date(2026, 11, 23), time(11, 0), None),
        ("11/24 at 2pm", date(2026, 11, 24), time(14, 0), None),
        ("December 3rd at 9:30", date(2026, 12, 3), time(9, 30), None),
        ("Can I come in tomorrow at 3?", date(2026, 11, 22), time(15, 0), None),
        ("how about friday morning", date(2026, 11, 27), None, "morning"),
        ("Tuesday 10:15", date(2026, 11, 24), time(10, 15), None),
        ("noon on Friday", date(2026, 11, 27), time(12, 0), None),
        ("thurs 2:30", date(2026, 11, 26), time(14, 30), None),
        ("jan 5th at 11", date(2027, 1, 5), time(11, 0), None),  # next year, not last January
    ],
)
def test_parse_when_natural_phrases(profile_la, text, day, clock, part):
    assert parse_when(text, NOW, profile_la) == WhenRequest(day=day, time=clock, part_of_day=part, text=text)


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("Tuesday at 1", time(13, 0)),
        ("Tuesday at 3", time(15, 0)),
        ("Tuesday at 7", time(19, 0)),
        ("Tuesday at 8", time(8, 0)),
        ("Tuesday at 10", time(10, 0)),
        ("Tuesday at 12", time(12, 0)),
        ("Tuesday at 3am", time(3, 0)),  # explicit am is respected
        ("Tuesday at 14:30", time(14, 30)),
        ("Tuesday at 4 in the afternoon", time(16, 0)),
        ("Tuesday morning at 9", time(9, 0)),
    ],
)
def test_bare_hours_one_to_seven_mean_afternoon(profile_la, text, clock):
    request = parse_when(text, NOW, profile_la)
    assert request is not None
    assert (request.day, request.time) == (date(2026, 11, 24), clock)


@pytest.mark.parametrize("text", ["whenever", "hello", "", "   ", "thanks!", "1", "may", "I'm not sure yet"])
def test_parse_when_returns_none_without_a_date(profile_la, text):
    assert parse_when(text, NOW, profile_la) is None


def test_parse_when_does_not_guess_around_an_impossible_or_conflicting_date(profile_la):
    assert parse_when("february 30th at 10", NOW, profile_la) is None  # not "the 30th"
    assert parse_when("Tuesday the 14th", NOW, profile_la) is None  # Dec 14 is a Monday
    assert parse_when("Monday the 14th", NOW, profile_la).day == date(2026, 12, 14)
    assert parse_when("can we do the 1st?", NOW, profile_la).day == date(2026, 12, 1)


def test_a_weekday_said_on_that_weekday_means_today_while_still_open(profile_la):
    tuesday_morning = la(2026, 11, 24, 9, 0)
    assert parse_when("Tuesday", tuesday_morning, profile_la).day == date(2026, 11, 24)
    assert parse_when("next Tuesday", tuesday_morning, profile_la).day == date(2026, 12, 1)
    tuesday_evening = la(2026, 11, 24, 18, 0)  # after closing
    assert parse_when("Tuesday", tuesday_evening, profile_la).day == date(2026, 12, 1)
    assert parse_when("Monday", tuesday_morning, profile_la).day == date(2026, 11, 30)


def test_a_calendar_date_for_today_stays_today(profile_la):
    tuesday_morning = la(2026, 11, 24, 9, 0)
    request = parse_when("11/24 at 2pm", tuesday_morning, profile_la)
    assert (request.day, request.time) == (date(2026, 11, 24), time(14, 0))
    assert parse_when("November 24th", tuesday_morning, profile_la).day == date(2026, 11, 24)
    assert parse_when("November 3rd", tuesday_morning, profile_la).day == date(2027, 11, 3)


def test_a_time_alone_means_today_or_tomorrow_once_passed(profile_la):
    assert parse_when("at 3", la(2026, 11, 23, 9, 0), profile_la).day == date(2026, 11, 23)
    assert parse_when("at 3", la(2026, 11, 23, 16, 0), profile_la).day == date(2026, 11, 24)
    assert parse_when("this afternoon", la(2026, 11, 23, 9, 0), profile_la) == WhenRequest(
        day=date(2026, 11, 23), time=None, part_of_day="afternoon", text="this afternoon"
    )


def test_parse_when_uses_the_clinic_date_when_now_is_given_in_utc(profile_la):
    now = utc(2026, 11, 24, 3, 0)  # already Tuesday in UTC, still Monday 19:00 in the clinic
    request = parse_when("tomorrow at 3", now, profile_la)
    assert (request.day, request.time) == (date(2026, 11, 24), time(15, 0))
    result = resolve_request(profile_la, "tomorrow at 3", now, [])
    assert result == Resolution(la(2026, 11, 24, 15, 0), "ok", [])
    assert result.start.utcoffset() == PST


# --------------------------------------------------------------------------------------------
# Resolving a request


def test_resolve_ok_gives_the_exact_local_start(profile_la):
    result = resolve_request(profile_la, "Monday 11am", NOW, [])
    assert result == Resolution(la(2026, 11, 23, 11, 0), "ok", [])
    assert slot_payload(result.start) == "2026-11-23T11:00:00-08:00"
    assert describe_slot(profile_la, result.start) == "Monday, November 23 at 11:00 am"


def test_resolve_the_required_phrases_to_exact_starts(profile_la):
    assert resolve_request(profile_la, "the 14th at 10:30", NOW, []).start == la(2026, 12, 14, 10, 30)
    assert resolve_request(profile_la, "11/24 at 2pm", NOW, []).start == la(2026, 11, 24, 14, 0)


def test_resolve_closed_day_offers_the_next_open_slots(profile_la):
    result = resolve_request(profile_la, "tomorrow at 3", NOW, [])  # Sunday
    assert result.reason == "closed_day" and result.start is None
    assert result.alternatives == on(date(2026, 11, 23), (10, 0), (10, 30), (11, 0))


def test_resolve_a_closed_weekday_without_time(profile_la):
    result = resolve_request(profile_la, "Saturday", NOW, [])  # today is a closed Saturday
    assert result.reason == "closed_day"
    assert result.alternatives == on(date(2026, 11, 27), (14, 30), (15, 0), (15, 30))


def test_resolve_before_opening_is_outside_hours(profile_la):
    result = resolve_request(profile_la, "December 3rd at 9:30", NOW, [])
    assert result.reason == "outside_hours" and result.start is None
    assert result.alternatives == on(date(2026, 12, 3), (10, 0), (10, 30), (11, 0))


def test_resolve_friday_at_four_is_refused_and_1530_accepted(profile_la):
    refused = resolve_request(profile_la, "Friday at 4pm", NOW, [])
    assert refused.reason == "outside_hours"
    assert refused.alternatives == on(date(2026, 11, 27), (14, 30), (15, 0), (15, 30))
    assert resolve_request(profile_la, "Friday at 3:30pm", NOW, []) == Resolution(
        la(2026, 11, 27, 15, 30), "ok", []
    )


def test_resolve_off_grid_time_is_not_rounded(profile_la):
    result = resolve_request(profile_la, "Tuesday at 10:15", NOW, [])
    assert result.reason == "outside_hours" and result.start is None
    assert result.alternatives == on(date(2026, 11, 24), (10, 0), (10, 30), (11, 0))


def test_resolve_taken_slot_offers_the_nearest_free_ones(profile_la):
    taken = [utc(2026, 11, 24, 22, 0)]  # Tuesday 14:00 PST, as stored
    result = resolve_request(profile_la, "11/24 at 2pm", NOW, taken)
    assert result.reason == "taken" and result.start is None
    assert result.alternatives == on(date(2026, 11, 24), (13, 0), (13, 30), (14, 30))


def test_resolve_past_and_too_soon_are_refused(profile_la):
    monday_noon = la(2026, 11, 23, 12, 0)
    past = resolve_request(profile_la, "today at 10am", monday_noon, [])
    assert past.reason == "past" and past.start is None
    assert past.alternatives == on(date(2026, 11, 23), (13, 0), (13, 30), (14, 0))
    too_soon = resolve_request(profile_la, "today at 12:30", monday_noon, [])
    assert too_soon.reason == "past"
    assert all(alt >= monday_noon + timedelta(hours=1) for alt in too_soon.alternatives)
    assert resolve_request(profile_la, "11/24/2025 at 10am", NOW, []).reason == "past"


def test_resolve_beyond_the_horizon(profile_la):
    result = resolve_request(profile_la, "January 25th at 10am", NOW, [])  # a Monday, 65 days out
    assert result.reason == "too_far"
    assert result.alternatives == on(date(2027, 1, 20), (15, 30), (16, 0), (16, 30))
    assert resolve_request(profile_la, "January 20th at 10am", NOW, []).reason == "ok"
    assert resolve_request(profile_la, "January 21st", NOW, []).reason == "too_far"


def test_resolve_day_and_part_of_day_lists_that_window(profile_la):
    result = resolve_request(profile_la, "Friday morning", NOW, [la(2026, 11, 27, 10, 30)])
    assert result.reason == "need_time" and result.start is None
    assert result.alternatives == on(date(2026, 11, 27), (10, 0), (11, 0), (11, 30))
    afternoon = resolve_request(profile_la, "next Tuesday afternoon", NOW, [])
    assert afternoon.alternatives == half_hours(date(2026, 11, 24), "12:00", "16:30")
    whole_day = resolve_request(profile_la, "Monday", NOW, [])
    assert whole_day.alternatives == slot_starts(profile_la, date(2026, 11, 23))


def test_resolve_part_of_day_with_no_slots_says_so_and_offers_the_nearest(profile_la):
    result = resolve_request(profile_la, "Friday evening", NOW, [])  # closes at 16:00
    assert result.reason == "day_full"  # not "the free times for that day"
    assert result.alternatives == on(date(2026, 11, 27), (14, 30), (15, 0), (15, 30))


def test_resolve_after_a_time_keeps_the_day_and_the_bound(profile_la):
    result = resolve_request(profile_la, "monday after 4", NOW, [])
    assert result.reason == "need_time" and (result.request.after, result.request.before) == (time(16, 0), None)
    assert result.alternatives == on(date(2026, 11, 23), (16, 0), (16, 30))
    before = resolve_request(profile_la, "tuesday before 11:30am", NOW, [])
    assert before.alternatives == on(date(2026, 11, 24), (10, 0), (10, 30), (11, 0))
    assert resolve_request(profile_la, "monday from 2pm", NOW, []).alternatives[0] == la(2026, 11, 23, 14, 0)


def test_resolve_after_a_time_when_that_is_full_offers_the_nearest_after_it(profile_la):
    taken = [la(2026, 11, 23, 16, 0), la(2026, 11, 23, 16, 30)]
    result = resolve_request(profile_la, "monday after 4", NOW, taken)
    assert result.reason == "day_full"
    # Tuesday and Wednesday, still after 4
    assert result.alternatives == [*on(date(2026, 11, 24), (16, 0), (16, 30)), la(2026, 11, 25, 16, 0)]


def test_resolve_unparsed_offers_the_first_free_slots(profile_la):
    taken = [la(2026, 11, 23, 10, 0)]
    result = resolve_request(profile_la, "whenever works", NOW, taken)
    assert result == Resolution(None, "unparsed", free_slots(profile_la, taken, NOW, limit=3))
    assert result.alternatives[0] == la(2026, 11, 23, 10, 30)


def test_clicking_an_alternative_books_exactly_that_slot(profile_la):
    taken = [la(2026, 11, 23, 10, 0)]
    offered = resolve_request(profile_la, "tomorrow at 3", NOW, taken).alternatives
    assert offered == on(date(2026, 11, 23), (10, 30), (11, 0), (11, 30))
    for alternative in offered:
        result = resolve_request(profile_la, slot_payload(alternative), NOW, taken)
        assert result == Resolution(alternative, "ok", [])
    assert resolve_request(profile_la, slot_payload(taken[0]), NOW, taken).reason == "taken"


def test_a_utc_payload_is_converted_to_the_clinic_zone(profile_la):
    result = resolve_request(profile_la, "2026-11-23T18:00:00+00:00", NOW, [])
    assert result.reason == "ok"
    assert result.start == la(2026, 11, 23, 10, 0) and result.start.tzinfo is LA
    assert resolve_request(profile_la, "2026-11-23T10:00:00+00:00", NOW, []).reason == "outside_hours"


# --------------------------------------------------------------------------------------------
# Presenting slots


def test_describe_slot(profile_la):
    assert describe_slot(profile_la, la(2026, 11, 24, 15, 0)) == "Tuesday, November 24 at 3:00 pm"
    assert describe_slot(profile_la, la(2026, 11, 27, 12, 30)) == "Friday, November 27 at 12:30 pm"
    assert describe_slot(profile_la, utc(2026, 11, 23, 18, 0)) == "Monday, November 23 at 10:00 am"


def test_slot_payload_round_trip(profile_la):
    start = la(2026, 11, 24, 15, 0)
    payload = slot_payload(start)
    assert payload == "2026-11-24T15:00:00-08:00"
    parsed = parse_slot_payload(payload)
    assert parsed == start and parsed.utcoffset() == PST
    assert parse_slot_payload(f"  {payload}\n") == start
    assert slot_payload(la(2026, 6, 1, 10, 0)) == "2026-06-01T10:00:00-07:00"
    with pytest.raises(ValueError):
        slot_payload(datetime(2026, 11, 24, 15, 0))


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-24T15:00:00",  # no offset
        "2026-11-24T15:00:00Z",
        "2026-11-24 15:00:00-08:00",
        "2026-11-24T15:00-08:00",
        "2026-02-30T10:00:00-08:00",  # no such day
        "tomorrow at 3",
        "",
    ],
)
def test_parse_slot_payload_accepts_only_the_payload_form(text):
    assert parse_slot_payload(text) is None
