"""The conversation's staff e-mails, end to end from the actions to a real SMTP server (aiosmtpd)
on localhost: a booking (with its .ics), a callback request and an urgent alert."""
from __future__ import annotations

import pytest

from actions.booking import ActionBookConsultation
from actions.callback import ActionSaveCallback
from actions.safety import ActionHandleRedFlag
from bot.composition import build_app
from bot.settings import SmtpSecurity
from tests.integration.test_actions import booking_slots, free_start, make_tracker, run
from tests.servers import smtp_inbox
from tests.support import settings_for


@pytest.fixture
def inbox(database_url):
    """A real SMTP server on localhost, and an App (the actions') over the test database that mails it."""
    with smtp_inbox() as box:
        app = build_app(settings_for(database_url, smtp_host="127.0.0.1", smtp_port=box.port,
                                     smtp_security=SmtpSecurity.PLAIN,
                                     clinic_notify_email="frontdesk@clinic.example",
                                     mail_from="assistant@clinic.example"))
        box.app = app
        try:
            yield box
        finally:
            app.close()


async def test_a_booking_mails_the_clinic_with_a_calendar_entry(inbox, profile):
    start = free_start(inbox.app.engine, profile, days_ahead=3)
    _, messages = await run(ActionBookConsultation(inbox.app), make_tracker(slots=booking_slots(start)))
    reference = next(m["text"] for m in messages if "reference is" in m["text"]).split("reference is ")[1][:6]
    [mail] = await inbox.wait_for(1)
    assert mail["To"] == "frontdesk@clinic.example"
    assert reference in mail["Subject"]
    calendar = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert calendar and f"UID:{reference}@" in calendar[0].get_content()


async def test_a_callback_request_mails_the_clinic(inbox):
    slots = {"full_name": "Ana Ruiz", "callback_phone": "+13105550123", "callback_time": "weekday mornings"}
    await run(ActionSaveCallback(inbox.app), make_tracker(slots=slots))
    [mail] = await inbox.wait_for(1)
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Callback requested" in mail["Subject"]
    assert "Ana Ruiz" in body and "weekday mornings" in body


async def test_an_emergency_mails_an_urgent_alert_with_the_visitors_words(inbox):
    words = "I had botox yesterday and now I can't swallow"
    await run(ActionHandleRedFlag(inbox.app), make_tracker(text=words, intent="report_emergency"))
    [mail] = await inbox.wait_for(1)
    assert mail["Subject"].startswith("URGENT")
    assert words in mail.get_body(preferencelist=("plain",)).get_content()


async def test_a_booking_with_an_email_also_confirms_to_the_patient(inbox, profile):
    start = free_start(inbox.app.engine, profile, days_ahead=3)
    slots = booking_slots(start, contact="jane@example.com")
    await run(ActionBookConsultation(inbox.app), make_tracker(slots=slots))
    messages = await inbox.wait_for(2)
    [patient] = [m for m in messages if m["To"] == "jane@example.com"]
    assert patient["Subject"].startswith("Your free consultation")
    assert any(part.get_filename().endswith(".ics") for part in patient.iter_attachments())
