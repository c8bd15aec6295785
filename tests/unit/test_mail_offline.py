"""Clinic e-mail without an SMTP server: mail is off until it is configured, and the booking's
calendar entry (bot.adapters.calendar) folds and escapes its lines. Mail sent to a real SMTP
server is tested in tests/integration/test_notify.py."""
from __future__ import annotations

from bot.adapters import mail as notify
from bot.adapters.calendar import booking_ics, fold, ics_escape
from bot.adapters.mail import notify_alert, notify_booking, notify_callback
from tests.mail_samples import BOOKING, START, make_settings, unfold


def test_off_when_not_configured(profile, monkeypatch):
    def no_smtp(*args, **kwargs):
        raise AssertionError("must not connect")

    monkeypatch.setattr(notify.smtplib, "SMTP", no_smtp)
    assert notify_booking(make_settings(smtp_host=None), profile, BOOKING) is False
    assert notify_booking(make_settings(smtp_host=""), profile, BOOKING) is False
    assert notify_callback(make_settings(clinic_notify_email=None), profile, {"intake_id": 1}) is False
    assert notify_alert(make_settings(clinic_notify_email=""), profile, {"kind": "emergency"}) is False


def test_ics_folding_and_escaping(profile):
    info = dict(BOOKING, name="Zoë; O'Brien, the third\nline " + "é" * 60)
    ics = booking_ics(profile, info, now=START)
    assert ics.endswith("\r\n")
    for line in ics.split("\r\n")[:-1]:
        assert len(line.encode("utf-8")) <= 75
    summary = next(line for line in unfold(ics) if line.startswith("SUMMARY:"))
    # the name is a single line in the mail, so the newline arrives as a space
    assert summary.startswith("SUMMARY:Free consultation: Zoë\\; O'Brien\\, the third line é")
    assert "DTSTAMP:20250715T170000Z" in ics
    assert ics_escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne"
    assert fold("x" * 80) == "x" * 75 + "\r\n " + "x" * 5
    assert fold("é" * 40).split("\r\n")[0] == "é" * 37  # 74 octets, never half a character
