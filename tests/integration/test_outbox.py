"""The outbox, end to end against a real SMTP server (aiosmtpd) on localhost: mail is written with
the booking, kept while the server is down and sent when it is back; held while mail is not
configured; the patient's confirmation carries the .ics, the address and a manage link; the
reminder goes out once; cancelling drops it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from actions.booking import ActionBookConsultation
from bot.adapters.db import session_scope
from bot.adapters.models import OutboxMessage
from bot.cli import main as cli
from bot.composition import build_app, deliver_outbox
from bot.domain.statuses import MailKind, OutboxStatus
from bot.domain.validators import ContactDetails
from bot.ops.runner import outbox_command
from bot.services.intake import book, cancel_booking
from bot.services.outbox import queue_booking, queue_cancellation, queue_due_reminders, reminder_key
from bot.settings import PROJECT_ROOT, SmtpSecurity
from tests.integration.test_actions import booking_slots, free_start, make_tracker, run
from tests.servers import free_port, smtp_inbox
from tests.support import TEST_KEY_ENV, settings_for

PATIENT = "jane@example.com"
CLINIC = "frontdesk@clinic.example"


def mail_app(database_url, port, **overrides):
    """An App that mails aiosmtpd on this machine in plain SMTP (TLS has its own tests: test_mail_tls)."""
    return build_app(settings_for(database_url, **{
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": SmtpSecurity.PLAIN,
        "clinic_notify_email": CLINIC, "mail_from": "assistant@clinic.example",
        "public_url": "https://clinic.example", **overrides}))


def at(app, moment: datetime):
    """The same App with its clock standing at `moment` (the outbox's notion of now)."""
    return replace(app, clock=lambda: moment)


def outbox(engine) -> list:
    with session_scope(engine) as session:
        rows = session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
        for row in rows:
            session.expunge(row)
        return rows


def tried(engine, count: int, timeout: float = 10.0) -> list:
    """The outbox once `count` messages have had an attempt."""
    deadline = time.monotonic() + timeout
    while True:
        rows = outbox(engine)
        if len(rows) == count and all(r.attempts for r in rows):
            return rows
        assert time.monotonic() < deadline, f"not tried: {[(r.kind, r.attempts) for r in rows]}"
        time.sleep(0.05)


def book_with_email(app, start, conversation="conv-mail"):
    with app.unit_of_work(for_write=True) as session:
        booking = book(session, app.profile, conversation, "Jane Doe",
                       ContactDetails(phone="+18185550199", email=PATIENT), start, "sweating")
        queue_booking(session, app.mail_context(), booking)
    return booking


def subject(message) -> str:
    """The subject as a mail client shows it (a long one may arrive folded before its first word)."""
    return " ".join(str(message["Subject"]).split())


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


async def test_smtp_down_keeps_the_mail_and_sends_it_when_the_server_is_back(database_url, profile):
    port = free_port()  # nothing listens there yet: the SMTP server is down
    app = mail_app(database_url, port)
    try:
        start = free_start(app.engine, profile, days_ahead=3)
        slots = booking_slots(start, contact=f"+18185550199 {PATIENT}")
        _, messages = await run(ActionBookConsultation(app), make_tracker(slots=slots))
        assert any("reference is" in m["text"] for m in messages)  # the booking was made
        rows = tried(app.engine, count=2)  # the action tried at once, in the background, and failed
        assert {(r.kind, r.recipient) for r in rows} == {("clinic_booking", CLINIC), ("confirmation", PATIENT)}
        assert all(r.status == OutboxStatus.PENDING and r.attempts == 1 and r.last_error for r in rows)
        now = datetime.now(timezone.utc)
        with smtp_inbox(port) as inbox:
            assert deliver_outbox(at(app, now)).sent == 0  # not due again yet: back-off
            later = now + timedelta(minutes=10)
            assert deliver_outbox(at(app, later)).sent == 2
            assert {m["To"] for m in inbox.messages} == {CLINIC, PATIENT}
        assert all(r.status == OutboxStatus.SENT and r.sent_at == later for r in outbox(app.engine))
    finally:
        app.close()


def test_a_message_is_given_up_after_the_last_attempt(database_url, profile):
    app = mail_app(database_url, free_port(), outbox_max_attempts=2)
    try:
        book_with_email(app, free_start(app.engine, profile, days_ahead=3))
        now = datetime.now(timezone.utc)
        deliver_outbox(at(app, now))
        deliver_outbox(at(app, now + timedelta(hours=2)))
        assert {(r.status, r.attempts) for r in outbox(app.engine)} == {(OutboxStatus.FAILED, 2)}
        assert deliver_outbox(at(app, now + timedelta(days=1))).failed == 0  # never tried again
    finally:
        app.close()


def test_the_patient_confirmation_has_the_calendar_file_address_and_manage_link(database_url, profile):
    with smtp_inbox() as inbox:
        app = mail_app(database_url, inbox.port)
        try:
            booking = book_with_email(app, free_start(app.engine, profile, days_ahead=3))
            assert deliver_outbox(app).sent == 2
        finally:
            app.close()
    [mail] = inbox.to(PATIENT)
    body = plain(mail)
    assert booking.reference in body and profile.address.split(",")[0] in body and profile.phone in body
    assert "Dear Jane Doe" in body
    assert "https://clinic.example/manage/" in body
    assert "/staff/" not in body  # the staff dashboard is for staff
    [ics] = [part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"]
    calendar = ics.get_content()
    assert f"UID:{booking.reference}@" in calendar and "LOCATION:" in calendar
    assert "Staff dashboard" not in calendar


def test_with_mail_not_configured_messages_are_held_and_listed(database_url, profile, monkeypatch, capsys):
    app = build_app(settings_for(database_url))  # no SMTP_HOST
    try:
        booking = book_with_email(app, free_start(app.engine, profile, days_ahead=3))
        assert deliver_outbox(app).sent == 0
    finally:
        app.close()
    assert {(r.kind, r.status) for r in outbox(app.engine)} == {
        ("clinic_booking", "held"), ("confirmation", "held")}
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    assert cli(["outbox", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    confirmation = next(row for row in listed if row["kind"] == "confirmation")
    assert {"to", "subject", "kind", "status", "attempts", "attachments"} <= set(confirmation)
    assert confirmation["to"] == PATIENT and confirmation["status"] == "held" and confirmation["attempts"] == 0
    assert confirmation["attachments"] == [f"consultation-{booking.reference}.ics"]


def test_the_reminder_is_sent_once(database_url, profile):
    with smtp_inbox() as inbox:
        app = mail_app(database_url, inbox.port)
        try:
            booking = book_with_email(app, free_start(app.engine, profile, days_ahead=3))
            deliver_outbox(app)  # the confirmation and the clinic's notice
            too_early = at(app, booking.start - timedelta(hours=30))
            deliver_outbox(too_early)
            assert subject(inbox.to(PATIENT)[-1]).startswith("Your")  # no reminder yet
            day_before = at(app, booking.start - timedelta(hours=23))
            deliver_outbox(day_before)
            deliver_outbox(at(app, booking.start - timedelta(hours=22)))
            with day_before.unit_of_work(for_write=True) as session:  # a second sender racing
                assert queue_due_reminders(session, day_before.mail_context()) == 0
        finally:
            app.close()
    reminders = [m for m in inbox.to(PATIENT) if subject(m).startswith("Reminder")]
    assert len(reminders) == 1
    assert booking.reference in plain(reminders[0]) and "/manage/" in plain(reminders[0])


def test_the_database_refuses_a_second_reminder_for_the_same_time(app, profile):
    booking = book_with_email(app, free_start(app.engine, profile, days_ahead=3))
    key = reminder_key(booking.appointment_id, booking.start)
    with pytest.raises(IntegrityError):
        with app.unit_of_work(for_write=True) as session:
            for _ in range(2):
                session.add(OutboxMessage(kind=MailKind.REMINDER, recipient=PATIENT, subject="s", body="b",
                                          attachments=[], status=OutboxStatus.HELD, attempts=0, dedupe_key=key))
                session.flush()


def test_cancelling_sends_a_notice_and_drops_the_reminder(database_url, profile):
    with smtp_inbox() as inbox:
        app = mail_app(database_url, inbox.port)
        try:
            booking = book_with_email(app, free_start(app.engine, profile, days_ahead=3))
            day_before = at(app, booking.start - timedelta(hours=23))
            with day_before.unit_of_work(for_write=True) as session:
                assert queue_due_reminders(session, day_before.mail_context()) == 1
            with app.unit_of_work(for_write=True) as session:
                cancelled = cancel_booking(session, booking.reference, ContactDetails(email=PATIENT))
                queue_cancellation(session, app.mail_context(), cancelled)
            deliver_outbox(day_before)
        finally:
            app.close()
    subjects = [subject(m) for m in inbox.to(PATIENT)]
    assert any(s.startswith("Cancelled") for s in subjects)
    assert not any(s.startswith("Reminder") for s in subjects)
    assert {r.status for r in outbox(app.engine) if r.kind == MailKind.REMINDER} == {OutboxStatus.DROPPED}


def test_the_sender_loop_that_make_run_starts_sends_and_stops_cleanly(database_url, profile):
    """`python -m bot outbox run` (bot.ops.runner.outbox_command) as its own process."""
    with smtp_inbox() as inbox:
        app = mail_app(database_url, inbox.port)
        try:
            book_with_email(app, free_start(app.engine, profile, days_ahead=3))
        finally:
            app.close()
        env = {**os.environ, "DATABASE_URL": database_url, "SMTP_HOST": "127.0.0.1", "SMTP_SECURITY": "plain",
               "SMTP_PORT": str(inbox.port),
               "CLINIC_NOTIFY_EMAIL": CLINIC, "SECRET_KEY": "test-secret", "RASA_TOKEN": "test-token",
               "OUTBOX_POLL_SECONDS": "1", "PYTHONPATH": str(PROJECT_ROOT), **TEST_KEY_ENV}
        sender = subprocess.Popen(outbox_command(), cwd=PROJECT_ROOT, env=env)
        try:
            deadline = time.monotonic() + 60
            while len(inbox.messages) < 2:
                assert sender.poll() is None, "the sender exited"
                assert time.monotonic() < deadline, "the sender sent nothing"
                time.sleep(0.2)
        finally:
            sender.send_signal(signal.SIGTERM)
            # The sender finishes the pass it is in before it stops; on a loaded machine (a CI run
            # beside a Rasa test, 2026-12-03) that once took over 20 s on PostgreSQL.
            assert sender.wait(timeout=60) == 0
    assert {m["To"] for m in inbox.messages} == {CLINIC, PATIENT}


def test_held_mail_is_sent_once_released(database_url, profile, monkeypatch, capsys):
    unconfigured = build_app(settings_for(database_url))
    try:
        booking = book_with_email(unconfigured, free_start(unconfigured.engine, profile, days_ahead=3))
    finally:
        unconfigured.close()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SMTP_HOST", raising=False)
    assert cli(["outbox", "release"]) == 1  # still not configured: nothing changes
    assert {r.status for r in outbox(unconfigured.engine)} == {OutboxStatus.HELD}
    with smtp_inbox() as inbox:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(inbox.port))
        monkeypatch.setenv("SMTP_SECURITY", "plain")  # aiosmtpd here; TLS has its own tests
        monkeypatch.setenv("CLINIC_NOTIFY_EMAIL", CLINIC)
        assert cli(["outbox", "release"]) == 0
        assert cli(["outbox", "send"]) == 0
    assert "sent 1" in capsys.readouterr().out  # the clinic's copy had no address when it was written
    [mail] = inbox.messages
    assert mail["To"] == PATIENT and booking.reference in plain(mail)
    statuses = {(r.kind, r.status) for r in outbox(unconfigured.engine)}
    assert statuses == {("clinic_booking", "held"), ("confirmation", "sent")}
