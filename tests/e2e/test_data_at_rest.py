"""The proof of #11's encryption at rest and consent decline, on the running assistant: a visitor
books with their name, phone, e-mail and health details typed in; another types health details
and declines consent. Then the stack's SQLite file, and a copy of it made with sqlite3's backup
API, are read as raw bytes: none of the persona's data is there. The staff read-out still shows
it all (decrypted), and the declining visitor's words are gone from the tracker."""
from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from bot.adapters.db import make_engine, session_scope
from bot.adapters.transcripts import transcript
from tests.e2e.test_conversation_rest import answer_screening, payloads, stack_env, texts
from tests.raw_store import EMAIL, NAME, SECRETS, WORDS, leaks, sqlite_images
from tests.support import fixed_cipher

pytestmark = pytest.mark.stack


def test_the_database_file_and_its_backup_hold_no_visitor_data(stack, tmp_path):
    booked = f"rest-{uuid.uuid4().hex}"
    stack.rest(booked, f"my {WORDS[0]} every shirt, and I take {WORDS[1]}")
    reply = stack.rest(booked, "/request_booking")
    assert "/give_consent" in payloads(reply), texts(reply)
    reply = answer_screening(stack, booked, stack.rest(booked, "/give_consent"))
    stack.rest(booked, NAME)
    reply = stack.rest(booked, f"818 555 0147, {EMAIL}")
    slots = [p for p in payloads(reply) if p.startswith("/choose_slot")]
    assert slots, texts(reply)
    assert "reference is" in texts(stack.rest(booked, slots[0]))

    declined = f"rest-{uuid.uuid4().hex}"
    stack.rest(declined, f"I'm {WORDS[2]} and my jaw aches, can I still have botox?")
    reply = stack.rest(declined, "/request_booking")
    assert "/give_consent" in payloads(reply), texts(reply)
    stack.rest(declined, "/deny")

    found = leaks(sqlite_images(stack.database_url, tmp_path / "backup.db"), [*SECRETS, "818 555 0147"])
    assert found == [], f"plaintext in the database file: {found}"

    out = subprocess.run([sys.executable, "-m", "bot", "intake", "--conversation", booked, "--json"],
                         capture_output=True, text=True, env=stack_env(stack), check=True).stdout
    shown = json.loads(out)
    assert shown["contact"]["name"] == NAME and shown["contact"]["email"] == EMAIL
    assert "0147" in shown["contact"]["phone"]
    engine = make_engine(stack.database_url, fixed_cipher())
    try:
        with session_scope(engine) as session:
            assert any(WORDS[1] in turn["text"] for turn in transcript(session, booked))
            kept = transcript(session, declined)
    finally:
        engine.dispose()
    assert kept and [turn for turn in kept if turn["role"] == "visitor"] == []
