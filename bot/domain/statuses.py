"""The named states the product stores and compares: one enum each, never a bare string.

Each is a `str` enum, so a member equals its stored text ("booked") and serialises as it; the
database columns keep plain strings (bot.adapters.db.StrEnumType converts on the way in and out).
"""
from __future__ import annotations

from enum import Enum


class StrEnum(str, Enum):
    def __str__(self) -> str:
        return self.value

    @classmethod
    def values(cls) -> tuple:
        return tuple(member.value for member in cls)


class IntakeStatus(StrEnum):
    NEW = "new"
    REVIEWED = "reviewed"
    CONTACTED = "contacted"
    BOOKED = "booked"
    CLOSED = "closed"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"


class AlertKind(StrEnum):
    """The two kinds of red flag (clinical-safety.md); an emergency always wins."""

    EMERGENCY = "emergency"
    ADVERSE_EFFECT = "adverse_effect"


class AlertPriority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"


ALERT_PRIORITY = {AlertKind.EMERGENCY: AlertPriority.URGENT, AlertKind.ADVERSE_EFFECT: AlertPriority.HIGH}


class CallbackStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class CallbackReason(StrEnum):
    TALK_TO_PERSON = "talk_to_person"
    ADVERSE_EFFECT_SAME_DAY = "adverse_effect_same_day"


class Consent(StrEnum):
    """The `consent` slot."""

    NOT_ASKED = "not_asked"
    GIVEN = "given"
    DECLINED = "declined"
