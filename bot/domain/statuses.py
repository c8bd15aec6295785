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
    """The front desk's workflow (bot.services.staff.intakes.TRANSITIONS says which moves)."""

    NEW = "new"
    REVIEWED = "reviewed"
    CONTACTED = "contacted"
    BOOKED = "booked"
    CONFIRMED = "confirmed"  # the patient confirmed they are coming
    ARRIVED = "arrived"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    CLOSED = "closed"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"  # stored before #13: a move now keeps the appointment and its reference


class MailKind(StrEnum):
    """What an outbox message is: mail to the clinic's front desk, or to the patient."""

    CLINIC_BOOKING = "clinic_booking"
    CLINIC_CALLBACK = "clinic_callback"
    CLINIC_ALERT = "clinic_alert"
    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    CANCELLATION = "cancellation"
    RESCHEDULE = "reschedule"


class OutboxStatus(StrEnum):
    """An outbox message's state: `held` while mail is not configured (kept, never sent), `pending`
    until the SMTP server accepts it (retried with back-off), then `sent`; `failed` after the last
    attempt; `dropped` when it no longer applies (a reminder for a cancelled booking)."""

    HELD = "held"
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    DROPPED = "dropped"


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


class LiveChatStatus(StrEnum):
    """A live takeover (bot.services.live): `waiting` for staff, `taken` by one, then
    `handed_back` to the assistant, or `expired` when nobody took it in time."""

    WAITING = "waiting"
    TAKEN = "taken"
    HANDED_BACK = "handed_back"
    EXPIRED = "expired"


OPEN_LIVE_STATUSES = (LiveChatStatus.WAITING, LiveChatStatus.TAKEN)


class LiveAuthor(StrEnum):
    """Who wrote a live message: the visitor, a staff member, or the product (a notice)."""

    VISITOR = "visitor"
    STAFF = "staff"
    SYSTEM = "system"


class Consent(StrEnum):
    """The `consent` slot."""

    NOT_ASKED = "not_asked"
    GIVEN = "given"
    DECLINED = "declined"


class StaffRole(StrEnum):
    """What a staff account may do: administrators also export and read the audit log."""

    ADMIN = "admin"
    STAFF = "staff"


class AuditOutcome(StrEnum):
    """How an audited attempt ended: done, refused (rights, re-authentication), or an error."""

    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"
