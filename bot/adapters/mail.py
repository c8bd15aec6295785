"""E-mail over SMTP: the clinic's three notifications (a new booking, a callback request, a safety
alert) as drafts, and sending a draft to one recipient.

What the conversation reports goes through the outbox (bot.services.outbox): a draft is stored in
the same transaction as the booking or alert and sent later by `send_draft`, which raises on
failure so the outbox can retry. `notify_*` send at once and never raise (False on any failure):
the safety alert's fallback when the store itself is down. Mail is off while SMTP_HOST is empty;
the clinic's mail also needs CLINIC_NOTIFY_EMAIL. Calls block for up to SMTP_TIMEOUT seconds.

Privacy: e-mail is not a secure channel, so mails carry only what staff need to act (who, how to
reach them, when, the booking reference, the concern area) and point to the staff dashboard for
the rest. Screening answers are never mailed. An alert mail quotes a short excerpt of the
visitor's own words (`alert_excerpt`: at most EXCERPT_CHARS, links and addresses taken out, so a
bot can't use the clinic's alert mail to deliver its links), because staff must judge an alert
before calling back; the whole message is in the dashboard.

The booking mail carries an iCalendar attachment (bot.adapters.calendar).
"""
from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Callable, List

from bot.adapters.calendar import booking_end, booking_ics, mail_domain, one_line
from bot.domain.formatting import clock, date_and_time
from bot.domain.statuses import AlertKind, AlertPriority
from bot.settings import SmtpSecurity

logger = logging.getLogger(__name__)

SMTP_TIMEOUT = 10
EXCERPT_CHARS = 160
LINK_MARK = "[link removed]"
# Anything a mail client could turn into a link: a URL with a scheme, www..., an e-mail address,
# a bare domain (with a path or not).
_LINK = re.compile(
    r"(?i)\b[a-z][a-z0-9+.-]*://\S+"
    r"|\b(?:mailto|javascript|data|vbscript|file|tel|sms):\S+"
    r"|\bwww\.\S+"
    r"|[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}"
    r"|\b(?:[a-z0-9-]+\.)+[a-z]{2,}\b(?:[/?#]\S*)?"
)


# --- drafts and sending -----------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    subtype: str = "calendar"
    params: Mapping[str, str] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"filename": self.filename, "content": self.content, "subtype": self.subtype,
                "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Attachment:
        return cls(data["filename"], data["content"], data.get("subtype", "calendar"), data.get("params") or {})


@dataclass(frozen=True)
class Draft:
    """A message before it has a recipient and headers: what the outbox stores."""

    subject: str
    body: str
    attachments: List[Attachment] = field(default_factory=list)


def smtp_configured(settings) -> bool:
    return bool(settings.smtp_host)


def mail_enabled(settings) -> bool:
    """Whether the clinic's own notifications can go out (a server and the clinic's address)."""
    return bool(settings.smtp_host and settings.clinic_notify_email)


def tls_context(settings) -> ssl.SSLContext:
    """The client TLS context: the system CAs (or SMTP_CA_FILE's), certificate and host name
    verified."""
    cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    return ssl.create_default_context(cafile=cafile)


def _connect(settings) -> smtplib.SMTP:
    """An SMTP connection encrypted as SMTP_SECURITY says before anything is sent: implicit TLS,
    or STARTTLS, which fails (SMTPNotSupportedError) when the server does not offer it, rather
    than falling back to plain text. Plain only when the setting says so (a local relay)."""
    host, port, security = settings.smtp_host, settings.smtp_port, settings.smtp_security
    if security is SmtpSecurity.TLS:
        return smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=tls_context(settings))
    smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
    if security is SmtpSecurity.STARTTLS:
        try:
            smtp.starttls(context=tls_context(settings))
        except BaseException:
            smtp.close()
            raise
    return smtp


def build_message(settings, profile, recipient: str, draft: Draft) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = one_line(draft.subject)
    message["From"] = settings.mail_from
    message["To"] = one_line(recipient)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=mail_domain(profile))
    message.set_content(draft.body)
    for attachment in draft.attachments:
        message.add_attachment(attachment.content, subtype=attachment.subtype, filename=attachment.filename,
                               params=dict(attachment.params))
    return message


def send_draft(settings, profile, recipient: str, draft: Draft) -> None:
    """Send one message; raises OSError or smtplib.SMTPException when the server refuses or is down."""
    message = build_message(settings, profile, recipient, draft)
    with _connect(settings) as smtp:
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


def _deliver(settings, profile, build: Callable[[], Draft]) -> bool:
    """Build a draft and send it to the clinic at once; False (never an exception) on any failure."""
    if not mail_enabled(settings):
        return False
    try:
        draft = build()
    except Exception:  # a notification must never break the caller
        logger.exception("could not build the clinic notification")
        return False
    try:
        send_draft(settings, profile, settings.clinic_notify_email, draft)
    except smtplib.SMTPNotSupportedError:
        logger.error("could not send %r: %s:%s does not offer STARTTLS and SMTP_SECURITY requires it "
                     "(SMTP_SECURITY=plain is for a relay on this machine only)",
                     draft.subject, settings.smtp_host, settings.smtp_port)
        return False
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning("could not send %r to the clinic via %s:%s: %s",
                       draft.subject, settings.smtp_host, settings.smtp_port, exc)
        return False
    return True


# --- the clinic's three notifications ----------------------------------------------------------


def booking_draft(profile, info: Mapping[str, Any], moved: bool = False) -> Draft:
    """The clinic's mail about a new booking (or, `moved`, one moved to a new time), with an .ics
    calendar entry (same UID: the clinic's calendar updates the entry).

    info: intake_id, name, phone, email, concern (key or words), start (aware datetime), end
    (optional; default start + consultation length), reference.
    """
    tz = profile.timezone
    start = info["start"].astimezone(tz)
    end = booking_end(profile, info)
    reference = one_line(info.get("reference")) or "-"
    subject = f"{'Consultation moved' if moved else 'New consultation booking'} {reference}: {date_and_time(start)}"
    body = "\n".join(
        [
            "A booked consultation moved to a new time." if moved
            else "A visitor booked a free consultation through the assistant.",
            "",
            f"When:       {date_and_time(start)} - {clock(end.astimezone(tz))} ({tz.key})",
            f"Reference:  {reference}",
            f"Name:       {one_line(info.get('name')) or '-'}",
            f"Phone:      {one_line(info.get('phone')) or '-'}",
            f"E-mail:     {one_line(info.get('email')) or '-'}",
            f"Concern:    {_concern(profile, info.get('concern'))}",
            "",
            _dashboard_hint(info.get("intake_id")),
            "",
            "The attached calendar entry (.ics) adds the appointment to your calendar.",
        ]
    )
    ics = booking_ics(profile, info)
    return Draft(subject, body, [Attachment(f"consultation-{reference}.ics", ics, params={"method": "PUBLISH"})])


def callback_draft(profile, info: Mapping[str, Any]) -> Draft:
    """The clinic's mail that a visitor asked to be called back.

    info: intake_id, name, phone, email, best_time, reason, concern.
    """
    name = one_line(info.get("name")) or "A visitor"
    subject = f"Callback requested (intake #{info.get('intake_id', '-')})"
    body = "\n".join(
        [
            f"{name} asked to be called back.",
            "",
            f"Phone:      {one_line(info.get('phone')) or '-'}",
            f"E-mail:     {one_line(info.get('email')) or '-'}",
            f"Best time:  {one_line(info.get('best_time')) or '-'}",
            f"Reason:     {one_line(info.get('reason')) or '-'}",
            f"Concern:    {_concern(profile, info.get('concern'))}",
            "",
            _dashboard_hint(info.get("intake_id")),
        ]
    )
    return Draft(subject, body)


def alert_draft(profile, info: Mapping[str, Any]) -> Draft:
    """The clinic's safety alert; the subject starts with URGENT for an emergency.

    info: intake_id, kind (emergency | adverse_effect), priority, name, phone, email, words
    (the visitor's own words; `message` is accepted too).
    """
    kind = str(info.get("kind") or "alert")
    urgent = kind == AlertKind.EMERGENCY or info.get("priority") == AlertPriority.URGENT
    what = {"emergency": "possible emergency", "adverse_effect": "possible adverse effect"}.get(
        kind, kind.replace("_", " ")
    )
    subject = (
        f"{'URGENT' if urgent else 'Alert'}: {what} reported in chat "
        f"(intake #{info.get('intake_id', '-')})"
    )
    words = alert_excerpt(info.get("words") or info.get("message") or "")
    lines = [
        f"The assistant raised a safety alert: {what}.",
        "",
        f"Visitor said: \"{words}\"" if words else "Visitor's words: see the dashboard.",
        "",
        f"Name:       {one_line(info.get('name')) or '-'}",
        f"Phone:      {one_line(info.get('phone')) or '-'}",
        f"E-mail:     {one_line(info.get('email')) or '-'}",
        "",
        _dashboard_hint(info.get("intake_id")),
    ]
    return Draft(subject, "\n".join(lines))


def notify_booking(settings, profile, appointment_info: Mapping[str, Any]) -> bool:
    return _deliver(settings, profile, lambda: booking_draft(profile, appointment_info))


def notify_callback(settings, profile, info: Mapping[str, Any]) -> bool:
    return _deliver(settings, profile, lambda: callback_draft(profile, info))


def notify_alert(settings, profile, info: Mapping[str, Any]) -> bool:
    return _deliver(settings, profile, lambda: alert_draft(profile, info))


# --- helpers ----------------------------------------------------------------------------------


def alert_excerpt(text: Any) -> str:
    """The visitor's words for an alert mail: one line, links and addresses replaced, at most
    EXCERPT_CHARS (cut at a word, with an ellipsis)."""
    words = _LINK.sub(LINK_MARK, one_line(text or ""))
    if len(words) <= EXCERPT_CHARS:
        return words
    cut = words[: EXCERPT_CHARS - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:") + "…"


def _concern(profile, concern: Any) -> str:
    if not concern:
        return "-"
    known = profile.concerns.get(concern) if isinstance(concern, str) else None
    return known.display_name if known else one_line(concern)


def _dashboard_hint(intake_id: Any) -> str:
    if intake_id is None:
        return "Details are in the staff dashboard."
    return f"Details: staff dashboard, /staff/intakes/{intake_id}"
