"""The patient's manage page, opened from the link in their confirmation: moving the booking keeps
its reference and mails the new time; cancelling mails a notice; forged, altered, expired or used
links change nothing."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from bot.adapters.manage_links import manage_token, read_manage_token
from bot.composition import deliver_outbox
from bot.domain import scheduling
from bot.web.app import create_app
from tests.integration import rows
from tests.integration.test_actions import free_start
from tests.integration.test_outbox import CLINIC, PATIENT, book_with_email, mail_app, plain, subject
from tests.servers import smtp_inbox
from tests.support import settings_for


@pytest.fixture
def booked(database_url, profile):
    """A booking made with an e-mail, its confirmation received over SMTP, and the web app."""
    with smtp_inbox() as inbox:
        app = mail_app(database_url, inbox.port)
        booking = book_with_email(app, free_start(app.engine, profile, days_ahead=3))
        deliver_outbox(app)
        [confirmation] = inbox.to(PATIENT)
        link = re.search(r"https://clinic\.example(/manage/\S+)", plain(confirmation)).group(1)
        client = TestClient(create_app(app.settings))
        try:
            yield app, booking, link, client, inbox
        finally:
            client.close()
            app.close()


def test_the_link_shows_the_booking_and_free_times(booked, profile):
    app, booking, link, client, _ = booked
    page = client.get(link)
    assert page.status_code == 200
    assert booking.reference in page.text and scheduling.describe_slot(profile, booking.start) in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.text.count('name="start"') >= 3


def test_moving_keeps_the_reference_and_mails_the_new_time(booked, profile):
    app, booking, link, client, inbox = booked
    later = free_start(app.engine, profile, days_ahead=5)
    answer = client.post(f"{link}/move", data={"start": scheduling.slot_payload(later)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].endswith("?done=moved")
    assert "stays" in client.get(answer.headers["location"]).text
    [appointment] = rows.appointments(app.engine)
    assert (appointment.reference, appointment.start_at, appointment.status) == (booking.reference, later, "booked")
    moved = [m for m in inbox.to(PATIENT) if subject(m).startswith("Moved")]
    assert len(moved) == 1 and booking.reference in plain(moved[0])
    assert scheduling.describe_slot(profile, later) in subject(moved[0])
    assert any(subject(m).startswith(f"Consultation moved {booking.reference}") for m in inbox.to(CLINIC))


def test_moving_to_a_taken_or_invalid_time_changes_nothing(booked, profile):
    app, booking, link, client, _ = booked
    taken = free_start(app.engine, profile, days_ahead=5)
    book_with_email(app, taken, conversation="someone-else")
    for start in (scheduling.slot_payload(taken), scheduling.slot_payload(booking.start + timedelta(minutes=7)),
                  "not a time"):
        answer = client.post(f"{link}/move", data={"start": start}, follow_redirects=False)
        assert answer.headers["location"].endswith("?done=taken")
    mine = next(a for a in rows.appointments(app.engine) if a.reference == booking.reference)
    assert mine.start_at == booking.start


def test_cancelling_mails_a_notice_and_the_link_then_stops_working(booked):
    app, booking, link, client, inbox = booked
    page = client.post(f"{link}/cancel")
    assert page.status_code == 200 and "is cancelled" in page.text
    [appointment] = rows.appointments(app.engine)
    assert appointment.status == "cancelled"
    assert rows.intake(app.engine, "conv-mail").status == "cancelled"
    assert any(subject(m).startswith("Cancelled") for m in inbox.to(PATIENT))
    assert client.get(link).status_code == 404
    assert client.post(f"{link}/cancel").status_code == 404


def test_forged_altered_and_foreign_links_are_refused(booked, database_url):
    app, booking, link, client, _ = booked
    token = link.rsplit("/", 1)[1]
    altered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_key = settings_for(database_url, secret_key="another-secret")
    forged = manage_token(other_key, booking.appointment_id, booking.reference)
    wrong_reference = manage_token(app.settings, booking.appointment_id, "ZZZ999")
    for bad in (altered, forged, wrong_reference, "guess"):
        page = client.get(f"/manage/{bad}")
        assert page.status_code == 404 and "not valid" in page.text
        assert client.post(f"/manage/{bad}/cancel").status_code == 404
    assert rows.appointments(app.engine)[0].status == "booked"


def test_a_link_expires(database_url):
    settings = settings_for(database_url, manage_link_days=0)
    token = manage_token(settings, 1, "ABC234")
    assert read_manage_token(settings_for(database_url), token) is not None
    time.sleep(1.1)
    assert read_manage_token(settings, token) is None
