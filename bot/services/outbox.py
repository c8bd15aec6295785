"""The outbox: every e-mail is first a row written in the caller's unit of work (the same
transaction as the booking, cancellation or alert it reports), then sent by the sender
(bot.composition.deliver_outbox), which claims due rows, sends each and records the outcome here.

A row is `pending` when it can be sent (an SMTP server and a recipient), else `held`: kept and
listed, never sent. A failed attempt is retried with doubling back-off until OUTBOX_MAX_ATTEMPTS,
then `failed`. A claim moves `next_attempt_at` ahead by a lease, so two senders never send the same
row at once and a sender that dies mid-send leaves the row to be retried.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import List, Mapping, Optional, Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.adapters.mail import Attachment, Draft, alert_draft, booking_draft, callback_draft, smtp_configured
from bot.adapters.models import Appointment, Intake, OutboxMessage
from bot.domain.profile import ClinicProfile
from bot.domain.statuses import AppointmentStatus, MailKind, OutboxStatus
from bot.domain.wording import Wording
from bot.services.intake import BookingInfo, booking_info
from bot.services.patient_mail import patient_draft

CLAIM_LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
CLAIM_BATCH = 50


@dataclass(frozen=True)
class MailContext:
    """What writing a message needs besides the session: settings, profile, wording, the time."""

    settings: object
    profile: ClinicProfile
    wording: Wording
    now: datetime


def queue_mail(session: Session, ctx: MailContext, kind: MailKind, recipient: Optional[str], draft: Draft, *,
               intake_id: Optional[int] = None, appointment_id: Optional[int] = None,
               dedupe_key: Optional[str] = None) -> Optional[int]:
    """Write one message; its id, or None when `dedupe_key` was already queued (the constraint says so)."""
    sendable = smtp_configured(ctx.settings) and bool(recipient)
    message = OutboxMessage(
        kind=kind, recipient=recipient, subject=draft.subject, body=draft.body,
        attachments=[a.as_json() for a in draft.attachments],
        status=OutboxStatus.PENDING if sendable else OutboxStatus.HELD, attempts=0,
        next_attempt_at=ctx.now, intake_id=intake_id, appointment_id=appointment_id, dedupe_key=dedupe_key,
        created_at=ctx.now,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    return message.id


def _clinic(ctx: MailContext) -> Optional[str]:
    return ctx.settings.clinic_notify_email


def queue_booking(session: Session, ctx: MailContext, booking: BookingInfo) -> List[int]:
    """The clinic's notice (with the .ics) and, when the patient gave an e-mail, their confirmation."""
    ids = [queue_mail(session, ctx, MailKind.CLINIC_BOOKING, _clinic(ctx), booking_draft(ctx.profile, asdict(booking)),
                      intake_id=booking.intake_id, appointment_id=booking.appointment_id)]
    ids.append(_queue_patient(session, ctx, MailKind.CONFIRMATION, booking))
    return [i for i in ids if i is not None]


def queue_reschedule(session: Session, ctx: MailContext, booking: BookingInfo) -> List[int]:
    """The clinic's notice of the new time and the patient's; reminders for the old time are dropped."""
    drop_reminders(session, booking.appointment_id)
    draft = booking_draft(ctx.profile, asdict(booking), moved=True)
    ids = [queue_mail(session, ctx, MailKind.CLINIC_BOOKING, _clinic(ctx), draft,
                      intake_id=booking.intake_id, appointment_id=booking.appointment_id)]
    ids.append(_queue_patient(session, ctx, MailKind.RESCHEDULE, booking))
    return [i for i in ids if i is not None]


def queue_cancellation(session: Session, ctx: MailContext, booking: BookingInfo) -> List[int]:
    drop_reminders(session, booking.appointment_id)
    sent = _queue_patient(session, ctx, MailKind.CANCELLATION, booking)
    return [sent] if sent is not None else []


def queue_callback(session: Session, ctx: MailContext, info: Mapping[str, object]) -> List[int]:
    sent = queue_mail(session, ctx, MailKind.CLINIC_CALLBACK, _clinic(ctx), callback_draft(ctx.profile, info),
                      intake_id=info.get("intake_id"))
    return [sent] if sent is not None else []


def queue_alert(session: Session, ctx: MailContext, info: Mapping[str, object]) -> List[int]:
    sent = queue_mail(session, ctx, MailKind.CLINIC_ALERT, _clinic(ctx), alert_draft(ctx.profile, info),
                      intake_id=info.get("intake_id"))
    return [sent] if sent is not None else []


def _queue_patient(session: Session, ctx: MailContext, kind: MailKind, booking: BookingInfo,
                   dedupe_key: Optional[str] = None) -> Optional[int]:
    if not booking.email:
        return None
    return queue_mail(session, ctx, kind, booking.email,
                      patient_draft(ctx.settings, ctx.profile, ctx.wording, kind, booking),
                      intake_id=booking.intake_id, appointment_id=booking.appointment_id, dedupe_key=dedupe_key)


def reminder_key(appointment_id: int, start: datetime) -> str:
    """One reminder per appointment and start time: a moved booking is reminded of its new time."""
    return f"reminder:{appointment_id}:{start.astimezone(timezone.utc).isoformat()}"


def queue_due_reminders(session: Session, ctx: MailContext) -> int:
    """Queue the reminder of each booked appointment starting within REMINDER_HOURS, once: the
    unique dedupe key makes a second one (from this sender or another) fail in the database. A
    booking made inside that window had its confirmation just now and gets no reminder."""
    window = timedelta(hours=ctx.settings.reminder_hours)
    appointments = session.execute(
        select(Appointment).where(
            Appointment.status == AppointmentStatus.BOOKED,
            Appointment.start_at > ctx.now,
            Appointment.start_at <= ctx.now + window,
        ).options(selectinload(Appointment.contact), selectinload(Appointment.intake).selectinload(Intake.contact))
    ).scalars().all()
    queued = 0
    for appointment in appointments:
        if appointment.created_at > appointment.start_at - window:
            continue
        key = reminder_key(appointment.id, appointment.start_at)
        if session.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)).first():
            continue  # the common case, without a failed insert; the constraint still decides races
        if _queue_patient(session, ctx, MailKind.REMINDER, booking_info(appointment), dedupe_key=key) is not None:
            queued += 1
    return queued


def drop_reminders(session: Session, appointment_id: int) -> None:
    """Reminders not yet sent for an appointment that was cancelled or moved no longer apply."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.appointment_id == appointment_id, OutboxMessage.kind == MailKind.REMINDER,
               OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.HELD]))
        .values(status=OutboxStatus.DROPPED)
        .execution_options(synchronize_session=False)
    )


def release_held(session: Session, now: datetime) -> int:
    """Held messages that have a recipient become pending (mail is configured now); how many.
    Reminders whose appointment has passed are dropped instead of sent late."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.HELD, OutboxMessage.kind == MailKind.REMINDER,
               OutboxMessage.appointment_id.in_(select(Appointment.id).where(Appointment.start_at <= now)))
        .values(status=OutboxStatus.DROPPED)
        .execution_options(synchronize_session=False)
    )
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.HELD, OutboxMessage.recipient.isnot(None))
        .values(status=OutboxStatus.PENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


@dataclass(frozen=True)
class OutgoingMail:
    id: int
    recipient: str
    draft: Draft


def claim_due(session: Session, now: datetime, ids: Optional[Sequence[int]] = None,
              limit: int = CLAIM_BATCH) -> List[OutgoingMail]:
    """Claim pending rows that are due (of `ids`, when given): each claim is a conditional update
    that only one sender can win; the winner has CLAIM_LEASE to send it."""
    query = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING,
                                           OutboxMessage.next_attempt_at <= now)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    candidates = session.execute(query.order_by(OutboxMessage.id).limit(limit)).scalars().all()
    claimed = []
    for message_id in candidates:
        won = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING,
                   OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won:
            message = session.get(OutboxMessage, message_id)
            claimed.append(OutgoingMail(message.id, message.recipient, Draft(
                message.subject, message.body, [Attachment.from_json(a) for a in message.attachments])))
    return claimed


def record_attempt(session: Session, message_id: int, now: datetime, error: Optional[str], max_attempts: int) -> None:
    """Sent, or one more failed attempt: retried after 1, 2, 4 ... minutes (at most an hour apart),
    `failed` after the last."""
    message = session.get(OutboxMessage, message_id)
    message.attempts += 1
    if error is None:
        message.status, message.sent_at, message.last_error = OutboxStatus.SENT, now, None
        return
    message.last_error = error[:2000]
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
        return
    delay = min(FIRST_RETRY * 2 ** (message.attempts - 1), LONGEST_RETRY)
    message.next_attempt_at = now + delay


def outbox_rows(session: Session, status: Optional[OutboxStatus] = None, limit: int = 500) -> List[dict]:
    """The newest messages first, as `python -m bot outbox --json` lists them."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OutboxMessage.status == status)
    return [
        {"id": m.id, "to": m.recipient, "subject": m.subject, "kind": str(m.kind), "status": str(m.status),
         "attempts": m.attempts, "attachments": [a["filename"] for a in m.attachments],
         "created_at": m.created_at.isoformat(), "sent_at": m.sent_at.isoformat() if m.sent_at else None,
         "next_attempt_at": m.next_attempt_at.isoformat(), "last_error": m.last_error,
         "intake_id": m.intake_id, "appointment_id": m.appointment_id}
        for m in session.execute(query).scalars()
    ]
