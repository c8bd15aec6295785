"""A booking and mail settings shared by the mail tests: tests/unit/test_mail_offline.py (no SMTP
server) and tests/integration/test_notify.py (a real one on localhost)."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from bot.settings import Settings, SmtpSecurity
from tests.support import TEST_KEYS

UTC = dt.timezone.utc
START = dt.datetime(2025, 7, 15, 17, 0, tzinfo=UTC)  # Tuesday 15 July 2025, 10:00 am in Encino
BOOKING = {
    "intake_id": 42,
    "name": "Jane Doe",
    "phone": "+1 818-555-0100",
    "email": "jane@example.com",
    "concern": "sweating",
    "start": START,
    "reference": "ABC234",
}


def make_settings(**overrides) -> Settings:
    base = Settings(
        database_url="sqlite://",
        clinic_profile=Path("clinic/profile.yml"),
        rasa_url="http://127.0.0.1:5005",
        rasa_port=5005,
        rasa_token="t",
        actions_port=5055,
        web_host="127.0.0.1",
        web_port=8000,
        secret_key="s",
        **TEST_KEYS,
        smtp_host="127.0.0.1",
        smtp_security=SmtpSecurity.PLAIN,  # aiosmtpd on this machine; TLS has its own tests
        mail_from="assistant@clinic.example",
        clinic_notify_email="frontdesk@clinic.example",
    )
    return dataclasses.replace(base, **overrides)


def unfold(ics: str) -> list:
    return ics.replace("\r\n ", "").split("\r\n")
