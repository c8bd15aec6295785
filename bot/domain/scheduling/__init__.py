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
from bot.domain.scheduling.hours import is_open, next_opening
from bot.domain.scheduling.phrases import PARTS_OF_DAY, WhenRequest, parse_when
from bot.domain.scheduling.resolution import REASONS, Resolution, resolve_request
from bot.domain.scheduling.slots import (
    describe_slot,
    free_slots,
    is_bookable_start,
    last_bookable_day,
    min_notice,
    nearest_free,
    parse_slot_payload,
    slot_payload,
    slot_starts,
)

__all__ = [
    "PARTS_OF_DAY", "REASONS", "Resolution", "WhenRequest", "describe_slot", "free_slots", "is_bookable_start",
    "is_open", "last_bookable_day", "min_notice", "nearest_free", "next_opening", "parse_slot_payload",
    "parse_when", "resolve_request", "slot_payload", "slot_starts",
]
