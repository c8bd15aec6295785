"""No patient data in any process's logs (issue #11 point 6), against the running assistant: a
persona books through the web gateway, then an action fails twice (called by Rasa, and called
directly), and every log line of Rasa, the action server and the web service is scanned for the
persona's name, phone, e-mail and message words, and for the secrets."""
from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_conversation_rest import answer_screening, payloads, texts

pytestmark = pytest.mark.stack

NAME = "Rosalind Quimby"
PHONE = "818 555 0147"
EMAIL = "rosalind.quimby@example.org"
CONCERN = "my armpits sweat through every shirt since my trip to Zanzibar"
# What must not appear anywhere: each part of the name, the phone in every written form, the
# e-mail's local part, and the message's unusual word.
NEEDLES = ["Rosalind", "Quimby", "555 0147", "5550147", "555-0147", "rosalind.quimby", "Zanzibar"]


class GatewayVisitor:
    """A visitor talking through the web gateway (/api/chat), with stack.rest's signature so the
    e2e helpers can drive it; it may only click buttons the assistant offered."""

    def __init__(self, http: httpx.Client):
        self.http = http
        self.headers = {"Authorization": f"Bearer {http.post('/api/session').json()['session']}"}

    def rest(self, _sender: str, message: str) -> list:
        reply = self.http.post("/api/chat", headers=self.headers, json={"message": message})
        assert reply.status_code == 200, reply.text
        return reply.json()["messages"]


def book_through_the_gateway(stack) -> str:
    """The persona books a consultation; the slot payload it chose."""
    with httpx.Client(base_url=stack.web_url, timeout=90) as http:
        visitor = GatewayVisitor(http)
        reply = visitor.rest("", CONCERN)
        booking = [p for p in payloads(reply) if p.startswith("/request_booking")]
        assert booking, texts(reply)
        reply = visitor.rest("", booking[0])
        assert "/give_consent" in payloads(reply), texts(reply)
        answer_screening(visitor, "", visitor.rest("", "/give_consent"))
        visitor.rest("", NAME)
        reply = visitor.rest("", f"{PHONE} or {EMAIL}")
        slots = [p for p in payloads(reply) if p.startswith("/choose_slot")]
        assert slots, texts(reply)
        booked = visitor.rest("", slots[0])
        assert "reference" in texts(booked), texts(booked)
    return slots[0]


def fail_an_action_directly(stack) -> None:
    """A failing call straight to the action server (with its secret), over a tracker holding the
    persona's name and contact and a screening_answers slot that is no mapping, so the action
    raises: the answer echoes nothing of the tracker it was sent, and the log line names only the
    exception. (The booking action, which the test failed before, no longer raises on a bad
    contact: it hands back to its form.)"""
    call = {"next_action": "action_ask_screening_complete", "sender_id": "logs-private-direct", "version": "3.6.2",
            "tracker": {"sender_id": "logs-private-direct", "events": [], "latest_message": {"text": CONCERN},
                        "slots": {"full_name": NAME, "contact": f"{NAME} of Zanzibar",
                                  "screening_answers": f"{NAME} of Zanzibar"}},
            "domain": {}}
    response = httpx.post(f"http://127.0.0.1:{stack.settings.actions_port}/webhook", json=call, timeout=30,
                          headers={"Authorization": f"Bearer {stack.settings.actions_token}"})
    assert response.status_code == 500
    assert response.json() == {"error": "the action failed"}


def test_no_persona_data_or_secret_in_any_log(stack):
    book_through_the_gateway(stack)
    fail_an_action_directly(stack)

    logs = {path.name: path.read_text(errors="replace") for path in sorted(stack.log_dir.glob("*.log"))}
    assert set(logs) == {"rasa.log", "actions.log", "web.log"}
    # the failure was logged, and the web service logged the visitor's requests
    assert "action call failed: ValueError" in logs["actions.log"], logs["actions.log"][-3000:]
    assert "POST /api/chat" in logs["web.log"]
    secrets = [stack.settings.rasa_token, stack.settings.actions_token, stack.settings.secret_key]
    leaks = [(name, line) for name, text in logs.items() for line in text.splitlines()
             if any(needle.lower() in line.lower() for needle in NEEDLES + secrets)]
    assert leaks == []
