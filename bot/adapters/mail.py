"""E-mail to the clinic (settings.clinic_notify_email) on a new booking, a callback request and
a safety alert, over SMTP.

Mail is off, quietly, until both SMTP_HOST and CLINIC_NOTIFY_EMAIL are set. Sending never
raises: any failure is logged and the function returns False, so a booking or an alert is never
lost because the mail server is down. Calls block for up to SMTP_TIMEOUT seconds; from async
code run them in a thread.

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
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

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


# --- sending ----------------------------------------------------------------------------------


def mail_enabled(settings) -> bool:
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


def _send(settings, message: EmailMessage) -> bool:
    try:
        with _connect(settings) as smtp:
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(message)
    except smtplib.SMTPNotSupportedError:
        logger.error("could not send %r: %s:%s does not offer STARTTLS and SMTP_SECURITY requires it "
                     "(SMTP_SECURITY=plain is for a relay on this machine only)",
                     message["Subject"], settings.smtp_host, settings.smtp_port)
        return False
    except (OSError, smtplib.SMTPException) as exc:
        logger.warning(
            "could not send %r to the clinic via %s:%s: %s",
            message["Subject"], settings.smtp_host, settings.smtp_port, exc,
        )
        return False
    return True


def _deliver(settings, profile, build) -> bool:
    """Build a message with `build()` and send it; False (never an exception) on any failure."""
    if not mail_enabled(settings):
        return False
    try:
        subject, body, attachments = build()
        message = EmailMessage()
        message["Subject"] = one_line(subject)
        message["From"] = settings.mail_from
        message["To"] = settings.clinic_notify_email
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=mail_domain(profile))
        message.set_content(body)
        for content, filename, params in attachments:
            message.add_attachment(
                content, subtype="calendar", filename=filename, params=params
            )
    except Exception:  # a notification must never break the caller
        logger.exception("could not build the clinic notification")
        return False
    return _send(settings, message)


# --- the three notifications ------------------------------------------------------------------


def notify_booking(settings, profile, appointment_info: Mapping[str, Any]) -> bool:
    """Mail the clinic about a new booking, with an .ics calendar entry.

    appointment_info: intake_id, name, phone, email, concern (key or words), start (aware
    datetime), end (optional; default start + consultation length), reference.
    """

    def build():
        info = appointment_info
        tz = profile.timezone
        start = info["start"].astimezone(tz)
        end = booking_end(profile, info)
        reference = one_line(info.get("reference")) or "-"
        subject = f"New consultation booking {reference}: {date_and_time(start)}"
        body = "\n".join(
            [
                "A visitor booked a free consultation through the assistant.",
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
        return subject, body, [(ics, f"consultation-{reference}.ics", {"method": "PUBLISH"})]

    return _deliver(settings, profile, build)


def notify_callback(settings, profile, info: Mapping[str, Any]) -> bool:
    """Mail the clinic that a visitor asked to be called back.

    info: intake_id, name, phone, email, best_time, reason, concern.
    """

    def build():
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
        return subject, body, []

    return _deliver(settings, profile, build)


def notify_alert(settings, profile, info: Mapping[str, Any]) -> bool:
    """Mail the clinic a safety alert; the subject starts with URGENT for an emergency.

    info: intake_id, kind (emergency | adverse_effect), priority, name, phone, email, words
    (the visitor's own words; `message` is accepted too).
    """

    def build():
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
        ]
        lines += [
            f"Visitor said: \"{words}\"" if words else "Visitor's words: see the dashboard.",
            "",
            f"Name:       {one_line(info.get('name')) or '-'}",
            f"Phone:      {one_line(info.get('phone')) or '-'}",
            f"E-mail:     {one_line(info.get('email')) or '-'}",
            "",
            _dashboard_hint(info.get("intake_id")),
        ]
        return subject, "\n".join(lines), []

    return _deliver(settings, profile, build)


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


class Mailer:
    """The clinic's mail, bound to the settings and profile it is sent with (built by the
    composition root); each method returns False, never raises, when mail is off or fails."""

    def __init__(self, settings, profile):
        self.settings = settings
        self.profile = profile

    def booking(self, info: Mapping[str, Any]) -> bool:
        return notify_booking(self.settings, self.profile, info)

    def callback(self, info: Mapping[str, Any]) -> bool:
        return notify_callback(self.settings, self.profile, info)

    def alert(self, info: Mapping[str, Any]) -> bool:
        return notify_alert(self.settings, self.profile, info)
