"""Clinic e-mails sent to a real SMTP server (aiosmtpd) on localhost."""
from __future__ import annotations

import dataclasses
import datetime as dt
import email
import logging
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bot.adapters import mail as notify
from bot.adapters.mail import alert_excerpt, notify_alert, notify_booking, notify_callback
from tests.mail_samples import BOOKING, START, make_settings, unfold
from tests.servers import free_port

UTC = dt.timezone.utc


class Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


def received(collector, index=0):
    envelope = collector.envelopes[index]
    return envelope, email.message_from_bytes(envelope.content, policy=policy.default)


def test_booking_mail_with_calendar_entry(smtp_server, profile):
    controller, collector = smtp_server
    settings = make_settings(smtp_port=controller.port)
    assert notify_booking(settings, profile, BOOKING) is True

    envelope, msg = received(collector)
    assert envelope.mail_from == "assistant@clinic.example"
    assert envelope.rcpt_tos == ["frontdesk@clinic.example"]
    assert msg["From"] == "assistant@clinic.example"
    assert msg["To"] == "frontdesk@clinic.example"
    assert msg["Subject"] == "New consultation booking ABC234: Tuesday 15 July 2025, 10:00 am"
    assert msg["Message-ID"].endswith("@clinic.example>")
    assert msg["Date"]

    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "Tuesday 15 July 2025, 10:00 am - 10:30 am (America/Los_Angeles)" in body
    assert "Jane Doe" in body and "+1 818-555-0100" in body and "jane@example.com" in body
    assert "Excessive sweating" in body
    assert "/staff/intakes/42" in body

    attachments = list(msg.iter_attachments())
    assert len(attachments) == 1
    ics_part = attachments[0]
    assert ics_part.get_content_type() == "text/calendar"
    assert ics_part.get_param("method") == "PUBLISH"
    assert ics_part.get_filename() == "consultation-ABC234.ics"
    ics = ics_part.get_content()
    lines = unfold(ics.replace("\r\n", "\n").replace("\n", "\r\n"))
    assert lines[0] == "BEGIN:VCALENDAR" and "END:VCALENDAR" in lines
    assert "METHOD:PUBLISH" in lines
    assert "BEGIN:VEVENT" in lines
    assert "UID:ABC234@clinic.example" in lines
    assert "DTSTART:20250715T170000Z" in lines  # 10:00 am PDT in UTC
    assert "DTEND:20250715T173000Z" in lines
    assert "SUMMARY:Free consultation: Jane Doe (ABC234)" in lines
    assert "LOCATION:16055 Ventura Blvd\\, Suite 100\\, Encino\\, CA 91436" in lines
    dtstart = next(line for line in lines if line.startswith("DTSTART:"))
    parsed = dt.datetime.strptime(dtstart[len("DTSTART:"):], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert parsed == START


def test_no_screening_detail_in_mails(smtp_server, profile):
    controller, collector = smtp_server
    settings = make_settings(smtp_port=controller.port)
    info = dict(BOOKING, screening={"pregnant": True}, answers=["pregnant"])
    assert notify_booking(settings, profile, info)
    _, msg = received(collector)
    raw = msg.as_string()
    assert "pregnan" not in raw.lower()


def test_callback_mail(smtp_server, profile):
    controller, collector = smtp_server
    settings = make_settings(smtp_port=controller.port)
    info = {"intake_id": 7, "name": "Sam\r\nBcc: evil@example.com", "phone": "+1 818-555-0199",
            "best_time": "weekday mornings", "reason": "talk_to_person"}
    assert notify_callback(settings, profile, info) is True
    envelope, msg = received(collector)
    assert envelope.rcpt_tos == ["frontdesk@clinic.example"]
    assert msg["Subject"] == "Callback requested (intake #7)"
    assert msg["Bcc"] is None
    body = msg.get_content()
    assert "+1 818-555-0199" in body and "weekday mornings" in body
    assert "/staff/intakes/7" in body
    assert not list(msg.iter_attachments())


def test_alert_mails(smtp_server, profile):
    controller, collector = smtp_server
    settings = make_settings(smtp_port=controller.port)
    emergency = {"intake_id": 9, "kind": "emergency", "priority": "urgent", "name": "Ann",
                 "phone": "+1 818-555-0111", "words": "I can't breathe after my injection"}
    adverse = {"intake_id": 10, "kind": "adverse_effect", "priority": "high", "name": "Bo",
               "phone": "+1 818-555-0112", "message": "my eyelid droops"}
    assert notify_alert(settings, profile, emergency) is True
    assert notify_alert(settings, profile, adverse) is True

    _, urgent = received(collector, 0)
    assert urgent["Subject"].startswith("URGENT")
    assert "intake #9" in urgent["Subject"]
    body = urgent.get_content()
    assert "I can't breathe after my injection" in body
    assert "+1 818-555-0111" in body and "/staff/intakes/9" in body

    _, high = received(collector, 1)
    assert not high["Subject"].startswith("URGENT")
    assert "adverse effect" in high["Subject"]
    assert "my eyelid droops" in high.get_content()


def test_server_down_returns_false(profile, caplog):
    settings = make_settings(smtp_port=free_port())  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="bot.adapters.mail"):
        assert notify_booking(settings, profile, BOOKING) is False
        assert notify_alert(settings, profile, {"kind": "emergency", "intake_id": 1}) is False
    assert "could not send" in caplog.text


def test_bad_info_returns_false(smtp_server, profile):
    controller, collector = smtp_server
    settings = make_settings(smtp_port=controller.port)
    naive = dict(BOOKING, start=dt.datetime(2025, 7, 15, 10, 0))
    assert notify_booking(settings, profile, naive) is False
    assert notify_booking(settings, profile, {"name": "no start"}) is False
    assert collector.envelopes == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # localhost test
def test_login_when_configured(profile, monkeypatch):
    collector = Collector()
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"clinic" and auth_data.password == b"s3cret")

    controller = Controller(collector, hostname="127.0.0.1", port=free_port(),
                            authenticator=authenticator, auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        ok = make_settings(smtp_port=controller.port, smtp_user="clinic", smtp_password="s3cret")
        assert notify_callback(ok, profile, {"intake_id": 3, "phone": "1"}) is True
        bad = dataclasses.replace(ok, smtp_password="wrong")
        monkeypatch.setattr(notify, "SMTP_TIMEOUT", 1)  # aiosmtpd stalls on a refused login
        assert notify_callback(bad, profile, {"intake_id": 3, "phone": "1"}) is False
    finally:
        controller.stop()
    assert (b"clinic", b"s3cret") in seen
    assert len(collector.envelopes) == 1


def test_an_alert_quotes_a_short_excerpt_without_links(smtp_server, profile):
    """A bot must not be able to use the clinic's alert mail to deliver its text or links."""
    controller, collector = smtp_server
    settings = make_settings(smtp_port=controller.port)
    words = ("URGENT my face is swelling, see https://evil.example/login?x=1 or www.phish.biz, "
             "mail help@evil.example, javascript:alert(1) or bad.io/p. " + "more words " * 40 + "TAILWORD")
    assert notify_alert(settings, profile, {"intake_id": 11, "kind": "emergency", "words": words}) is True
    _, mail = received(collector, 0)
    body = mail.get_content()
    quoted = next(line for line in body.splitlines() if line.startswith("Visitor said:"))
    assert "my face is swelling" in quoted and "[link removed]" in quoted
    for link in ("evil.example", "phish.biz", "http", "javascript", "bad.io", "@"):
        assert link not in body
    assert "TAILWORD" not in body and quoted.endswith('…"')
    assert len(quoted) <= len('Visitor said: ""') + notify.EXCERPT_CHARS
    assert alert_excerpt("Update: my lips, at 3.30 pm, e.g. numb") == "Update: my lips, at 3.30 pm, e.g. numb"
