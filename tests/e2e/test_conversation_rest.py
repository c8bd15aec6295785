"""End to end over Rasa's REST channel, against the running assistant (tests/e2e/conftest.py):
the foundation's "done" conversation, from a described concern to a stored booking."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid

import httpx
import pytest

from bot.adapters.db import make_engine, session_scope
from bot.adapters.transcripts import transcript
from bot.domain.profile import load_profile
from tests.support import TEST_KEY_ENV, english, fixed_cipher

pytestmark = pytest.mark.stack
NAME_PROMPT = english().text("ask.full_name")


def texts(messages) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def payloads(messages):
    return [b["payload"] for m in messages for b in m.get("buttons", [])]


def answer_screening(stack, sender, messages, max_questions=25):
    """Answer every screening question with "no" (or the first choice / a small number) until
    the booking form asks for a name."""
    for _ in range(max_questions):
        if NAME_PROMPT in texts(messages):
            return messages
        options = payloads(messages)
        if "/deny" in options:
            reply = "/deny"
        elif options:
            reply = options[0]
        else:
            reply = "2"
        messages = stack.rest(sender, reply)
    raise AssertionError(f"screening did not reach the booking form; last reply: {texts(messages)}")


def test_described_concern_books_inside_office_hours(stack):
    sender = f"rest-{uuid.uuid4().hex}"
    profile = load_profile(stack.settings.clinic_profile)

    reply = stack.rest(sender, "my armpits sweat through every shirt")
    assert stack.tracker(sender)["slots"]["concern"] == "sweating"
    assert "Excessive sweating" in texts(reply)

    reply = stack.rest(sender, "/request_booking")
    assert "/give_consent" in payloads(reply)
    reply = stack.rest(sender, "/give_consent")
    reply = answer_screening(stack, sender, reply)

    reply = stack.rest(sender, "Maria Lopez")
    assert "phone" in texts(reply).lower()
    reply = stack.rest(sender, "818 555 0199")
    assert any(p.startswith("/choose_slot") for p in payloads(reply)), texts(reply)

    refused = stack.rest(sender, "saturday at 10am")
    assert "closed" in texts(refused).lower()
    assert profile.hours_text() in texts(refused)
    slot_buttons = [p for p in payloads(refused) if p.startswith("/choose_slot")]
    assert slot_buttons, "a refused time must come with free alternatives"

    booked = stack.rest(sender, slot_buttons[0])
    reference = re.search(r"reference is ([A-Z0-9]{6})", texts(booked))
    assert reference, texts(booked)
    chosen = json.loads(slot_buttons[0][len("/choose_slot"):])["slot_time"]

    out = subprocess.run([sys.executable, "-m", "bot", "intakes", "--json"], capture_output=True, text=True,
                         env={**stack_env(stack)}, check=True).stdout
    intakes = {row["conversation_id"]: row for row in json.loads(out)}
    row = intakes[sender]
    assert row["concern"] == "sweating"
    assert row["name"] == "Maria Lopez" and row["phone"] == "+18185550199"
    assert row["appointment"]["status"] == "booked"
    assert row["appointment"]["start"] == chosen
    assert row["appointment"]["reference"] == reference.group(1)

    # The transcript is in the same database as the intake (Rasa's SQL tracker store).
    with session_scope(make_engine(stack.database_url, fixed_cipher())) as session:
        turns = transcript(session, sender)
    assert turns[0]["role"] == "visitor" and turns[0]["text"] == "my armpits sweat through every shirt"
    assert any(t["role"] == "assistant" and reference.group(1) in t["text"] for t in turns)


def test_rasa_http_api_needs_the_token(stack):
    assert httpx.get(f"{stack.rasa_url}/conversations/someone/tracker", timeout=10).status_code == 401
    wrong = httpx.get(f"{stack.rasa_url}/conversations/someone/tracker", params={"token": "wrong"}, timeout=10)
    assert wrong.status_code == 401


def stack_env(stack):
    return {**os.environ, "DATABASE_URL": stack.database_url, **TEST_KEY_ENV}
