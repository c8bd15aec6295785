"""The patient's e-mails (confirmation, reminder, reschedule and cancellation notices) as drafts:
words from the wording catalog (`patient_mail.*`), the clinic's address from the profile, the
booking's calendar file, and the signed link to the page where the patient moves or cancels it.
"""
from __future__ import annotations

from bot.adapters.calendar import booking_ics
from bot.adapters.mail import Attachment, Draft
from bot.adapters.manage_links import manage_url
from bot.domain.profile import ClinicProfile
from bot.domain.scheduling import describe_slot
from bot.domain.statuses import MailKind
from bot.domain.wording import Wording
from bot.services.intake import BookingInfo

WITH_CALENDAR = frozenset({MailKind.CONFIRMATION, MailKind.RESCHEDULE})
WITH_MANAGE_LINK = frozenset({MailKind.CONFIRMATION, MailKind.REMINDER, MailKind.RESCHEDULE})


def patient_draft(settings, profile: ClinicProfile, wording: Wording, kind: MailKind, booking: BookingInfo) -> Draft:
    values = {
        "name": booking.name or "",
        "when": describe_slot(profile, booking.start),
        "reference": booking.reference,
        "manage_days": settings.manage_link_days,
        "manage_url": manage_url(settings, booking.appointment_id, booking.reference),
    }
    paragraphs = [wording.text(f"patient_mail.{kind}.body", **values)]
    if kind in WITH_MANAGE_LINK:
        paragraphs.append(wording.text("patient_mail.manage_hint", **values))
    paragraphs.append(wording.text("patient_mail.signature", **values))
    attachments = []
    if kind in WITH_CALENDAR:
        ics = booking_ics(profile, {"start": booking.start, "end": booking.end, "reference": booking.reference},
                          summary=wording.text("patient_mail.calendar_summary", **values),
                          description=wording.text("patient_mail.calendar_description", **values))
        attachments.append(Attachment(f"consultation-{booking.reference}.ics", ics, params={"method": "PUBLISH"}))
    return Draft(wording.text(f"patient_mail.{kind}.subject", **values), "\n\n".join(paragraphs), attachments)
