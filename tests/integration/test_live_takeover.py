"""Live takeover (issue #13 point 2) on SQLite and PostgreSQL: the service's queue-or-callback
decision and its one-open-chat constraint, the callback form's actions, and the whole web round
trip (the visitor gateway and the staff dashboard in one Starlette app) against a small fake Rasa
that plays the action server's part by queueing the chat through the real service.

The browser round trip with the real assistant is tests/e2e/test_live_takeover_browser.py.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from actions.callback import ActionSaveCallback, ValidateCallbackForm
from bot.adapters.db import session_scope
from bot.adapters.models import AuditEntry, CallbackRequest, LiveChat, LiveMessage
from bot.composition import build_app
from bot.domain.statuses import LiveAuthor, LiveChatStatus
from bot.services.live import (
    LiveChatClosed,
    LiveDecision,
    expire_overdue,
    hand_back,
    live_lines,
    reply,
    request_person,
    staff_display_name,
    take,
    with_live_lines,
)
from bot.services.staff_accounts import add_user
from bot.web.gateway import Gateway
from bot.web.staff import routes as staff_routes
from tests.integration.test_actions import make_tracker, run
from tests.integration.test_staff_web import PASSWORD, csrf_from, signed_in
from tests.servers import free_port, serve_in_thread
from tests.support import english, settings_for

UTC = timezone.utc  # noqa: UP017 (Python 3.10)
OPEN_NOW = datetime(2026, 12, 2, 19, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Los Angeles: open
CLOSED_NOW = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)  # a Saturday: closed
SENDER = "web-live-test-1"
NURSE = "jane.doe@clinic.example"


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock(OPEN_NOW)


@pytest.fixture
def live_app(database_url, clock):
    # The second factor has its own tests (test_staff_sign_in.py); staff sign in with a password here.
    built = replace(build_app(settings_for(database_url, live_wait_seconds=120, staff_require_totp=False)),
                    clock=clock)
    yield built
    built.close()


@pytest.fixture
def nurse(live_app):
    with session_scope(live_app.engine) as session:
        return add_user(session, NURSE, PASSWORD).id


def queue(app, sender: str = SENDER, now: datetime = OPEN_NOW, enabled: bool = True) -> LiveDecision:
    with app.unit_of_work(for_write=True) as session:
        return request_person(session, sender, app.profile, enabled=enabled, now=now)


def chats(app) -> List[tuple]:
    with app.unit_of_work() as session:
        return [(chat.conversation_id, chat.status) for chat in session.execute(select(LiveChat)).scalars()]


# ---- the service ------------------------------------------------------------------------------


def test_open_clinic_queues_once_and_closed_or_off_means_a_callback(live_app):
    assert queue(live_app, "web-a", CLOSED_NOW) is LiveDecision.CLOSED
    assert queue(live_app, "web-a", OPEN_NOW, enabled=False) is LiveDecision.OFF
    assert chats(live_app) == []
    assert queue(live_app, "web-a") is LiveDecision.QUEUED
    assert queue(live_app, "web-a") is LiveDecision.QUEUED  # asked twice: still one chat
    assert chats(live_app) == [("web-a", LiveChatStatus.WAITING)]


def test_the_database_allows_one_open_chat_per_conversation(live_app):
    queue(live_app, "web-b")
    with pytest.raises(IntegrityError):
        with session_scope(live_app.engine, for_write=True) as session:
            session.add(LiveChat(conversation_id="web-b", status=LiveChatStatus.TAKEN, requested_at=OPEN_NOW))
    with session_scope(live_app.engine, for_write=True) as session:  # an ended one beside it is fine
        session.add(LiveChat(conversation_id="web-b", status=LiveChatStatus.EXPIRED, requested_at=OPEN_NOW))


def test_take_reply_hand_back_are_audited_and_staff_lines_carry_the_name(live_app, nurse):
    queue(live_app)
    with live_app.unit_of_work(for_write=True) as session:
        chat_id = session.execute(select(LiveChat.id)).scalar_one()
        take(session, chat_id, nurse, OPEN_NOW)
        reply(session, chat_id, nurse, "Hello, this is Jane from the front desk.", OPEN_NOW + timedelta(seconds=5))
        hand_back(session, chat_id, nurse, english(), OPEN_NOW + timedelta(seconds=9))
    with live_app.unit_of_work() as session:
        lines = live_lines(session, SENDER)
        actions = session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
        stored = session.execute(select(LiveMessage).where(LiveMessage.author == LiveAuthor.STAFF)).scalar_one()
        raw = session.execute(text("SELECT text FROM live_messages WHERE id = :id"), {"id": stored.id}).scalar_one()
    assert [(line.author, line.name, line.text) for line in lines] == [
        (LiveAuthor.STAFF, "Jane Doe", "Hello, this is Jane from the front desk."),
        (LiveAuthor.SYSTEM, None, english().text("live.handed_back")),
    ]
    assert actions == ["live_take", "live_reply", "live_hand_back"]
    assert "front desk" not in str(raw)  # encrypted at rest
    with live_app.unit_of_work(for_write=True) as session, pytest.raises(LiveChatClosed):
        reply(session, stored.chat_id, nurse, "Still there?", OPEN_NOW)


def test_an_unanswered_chat_expires_and_the_next_request_is_a_callback(live_app):
    queue(live_app)
    with live_app.unit_of_work(for_write=True) as session:
        assert expire_overdue(session, english(), OPEN_NOW + timedelta(seconds=119), 120) == 0
        assert expire_overdue(session, english(), OPEN_NOW + timedelta(seconds=121), 120) == 1
    assert chats(live_app) == [(SENDER, LiveChatStatus.EXPIRED)]
    assert queue(live_app, now=OPEN_NOW + timedelta(seconds=130)) is LiveDecision.UNANSWERED
    assert queue(live_app, now=OPEN_NOW + timedelta(hours=1)) is LiveDecision.QUEUED  # later: a person again


def test_transcript_lines_are_merged_by_time():
    from bot.services.live import LiveLine

    turns = [{"role": "visitor", "text": "a person please", "time": OPEN_NOW, "buttons": []},
             {"role": "assistant", "text": "later", "time": OPEN_NOW + timedelta(seconds=30), "buttons": []}]
    line = LiveLine(1, LiveAuthor.STAFF, "Jane Doe", "hi", OPEN_NOW + timedelta(seconds=10))
    merged = with_live_lines(turns, [line])
    assert [(turn["role"], turn["text"]) for turn in merged] == [
        ("visitor", "a person please"), ("staff", "hi"), ("assistant", "later")]
    assert merged[1]["name"] == "Jane Doe"
    assert staff_display_name("front_desk-2@x.org") == "Front Desk 2"


# ---- the callback form's actions --------------------------------------------------------------


async def test_the_callback_form_queues_a_live_chat_and_ends_without_asking(live_app):
    events, messages = await run(ValidateCallbackForm(live_app), make_tracker(SENDER, active_loop="callback_form"))
    assert events == [{"event": "slot", "timestamp": None, "name": "requested_slot", "value": None}]
    assert [m["text"] for m in messages] == [english().text("live.queued")]
    assert chats(live_app) == [(SENDER, LiveChatStatus.WAITING)]
    events, messages = await run(ActionSaveCallback(live_app), make_tracker(SENDER))
    assert events == [] and messages == []
    with live_app.unit_of_work() as session:
        assert session.execute(select(CallbackRequest)).first() is None


async def test_outside_hours_the_visitor_is_told_and_the_form_goes_on(live_app, clock):
    clock.now = CLOSED_NOW
    events, messages = await run(ValidateCallbackForm(live_app), make_tracker(SENDER, active_loop="callback_form"))
    assert [m["text"] for m in messages] == [english().text("live.closed")]
    assert {"event": "slot", "timestamp": None, "name": "requested_slot", "value": None} not in events
    assert chats(live_app) == []


# ---- the web round trip: a fake Rasa, the gateway and the dashboard ---------------------------


class FakeRasa:
    """Rasa's REST channel and trigger_intent: "person" queues a live chat as the callback form's
    action does (through the real service); trigger_intent answers with the form's first question."""

    def __init__(self, app):
        self.app = app
        self.received: List[str] = []
        self.triggered: List[str] = []
        self.url = f"http://127.0.0.1:{free_port()}"
        self.web = Starlette(routes=[
            Route("/webhooks/rest/webhook", self.webhook, methods=["POST"]),
            Route("/conversations/{sender}/trigger_intent", self.trigger, methods=["POST"]),
        ])

    async def webhook(self, request: Request):
        body = await request.json()
        self.received.append(body["message"])
        if body["message"] == "person":
            queue(self.app, body["sender"], self.app.now())
            return JSONResponse([{"text": english().text("live.queued")}])
        return JSONResponse([{"text": f"You said: {body['message']}"}])

    async def trigger(self, request: Request):
        self.triggered.append((await request.json())["name"])
        return JSONResponse({"tracker": {}, "messages": [{"text": english().text("ask.full_name")}]})


@pytest.fixture
def web(live_app, nurse):
    fake = FakeRasa(live_app)
    with serve_in_thread(fake.web, int(fake.url.rsplit(":", 1)[1])):
        app = replace(live_app, settings=replace(live_app.settings, rasa_url=fake.url))
        site = Starlette(routes=[*Gateway(app).routes(), *staff_routes(app)])
        visitor = TestClient(site, follow_redirects=False)
        staff = TestClient(site, follow_redirects=False)
        token = visitor.post("/api/session").json()["session"]
        visitor.headers["Authorization"] = f"Bearer {token}"
        signed_in(staff, NURSE)
        yield fake, visitor, staff


def say(visitor: TestClient, text: str) -> Dict[str, Any]:
    response = visitor.post("/api/chat", json={"message": text})
    assert response.status_code == 200, response.text
    return response.json()


def test_staff_take_reply_and_hand_back_through_the_web(web, live_app):
    fake, visitor, staff = web
    answer = say(visitor, "person")
    assert answer["live"] == {"state": "waiting", "open": True, "after": 0}
    assert say(visitor, "is anyone there?") == {"messages": [], "live": {"state": "waiting", "open": True}}
    assert fake.received == ["person"]  # the assistant never saw the second message

    listing = staff.get("/staff/live").text
    assert "is anyone there?" in listing and 'id="live-count"' in listing
    assert staff.get("/staff/live/waiting.json").json() == {"waiting": 1}
    chat_id = live_app.transaction(lambda s: s.execute(select(LiveChat.id)).scalar_one(), for_write=False)
    page = staff.get(f"/staff/live/{chat_id}").text
    csrf = csrf_from(page)
    assert staff.post(f"/staff/live/{chat_id}/take", data={}).status_code == 403  # no CSRF token
    assert staff.post(f"/staff/live/{chat_id}/take", data={"csrf_token": csrf}).status_code == 303
    assert staff.post(f"/staff/live/{chat_id}/reply",
                      data={"csrf_token": csrf, "text": "Hi, Jane here. How can I help?"}).status_code == 303

    polled = visitor.get("/api/live", params={"after": 0}).json()
    assert polled["state"] == "taken" and polled["open"] is True
    assert [(line["role"], line["name"], line["text"]) for line in polled["lines"]] == [
        ("staff", "Jane Doe", "Hi, Jane here. How can I help?")]
    assert visitor.get("/api/live", params={"after": polled["after"]}).json()["lines"] == []
    lines = staff.get(f"/staff/live/{chat_id}/lines.json").json()["lines"]
    assert [line["role"] for line in lines] == ["visitor", "staff"]
    assert all(line["shown"].endswith(("PST", "PDT")) for line in lines)  # the clinic's time, as the page shows

    assert staff.post(f"/staff/live/{chat_id}/hand-back", data={"csrf_token": csrf}).status_code == 303
    polled = visitor.get("/api/live", params={"after": polled["after"]}).json()
    assert polled["open"] is False and polled["lines"][0]["text"] == english().text("live.handed_back")
    assert say(visitor, "thanks")["messages"] == [{"text": "You said: thanks", "buttons": []}]
    assert fake.received == ["person", "thanks"]

    intake_id = live_app.transaction(lambda s: s.get(LiveChat, chat_id).intake_id, for_write=False)
    intake_page = staff.get(f"/staff/intakes/{intake_id}").text
    assert "Jane Doe (staff)" in intake_page and "Hi, Jane here. How can I help?" in intake_page
    assert "is anyone there?" in intake_page
    with session_scope(live_app.engine) as session:  # who read the chat and who changed it, from where
        audited = session.execute(select(AuditEntry.action, AuditEntry.ip).where(
            AuditEntry.action.like("%live%"))).all()
    assert [action for action, _ in audited] == ["view_live", "view_live_chat", "live_take", "live_reply",
                                                  "live_hand_back"]
    assert {ip for action, ip in audited if action.startswith("view_")} == {"testclient"}


def test_an_unanswered_chat_tells_the_visitor_and_starts_the_callback_form(web, live_app, clock):
    fake, visitor, staff = web
    say(visitor, "person")
    assert visitor.get("/api/live").json()["state"] == "waiting"
    clock.now = OPEN_NOW + timedelta(seconds=121)
    polled = visitor.get("/api/live").json()
    assert polled["state"] == "expired" and polled["open"] is False
    assert polled["lines"][0]["text"] == english().text("live.unanswered")
    assert polled["messages"] == [{"text": english().text("ask.full_name"), "buttons": []}]
    assert fake.triggered == ["human_handoff"]
    assert staff.get("/staff/live/waiting.json").json() == {"waiting": 0}


def test_today_lists_the_waiting_chat_and_erasure_removes_live_chats(web, live_app):
    from bot.services.retention import erase

    _fake, visitor, staff = web
    say(visitor, "person")
    say(visitor, "my phone is 818 555 0100")
    today = staff.get("/staff/today").text
    assert 'id="today-live"' in today and "/staff/live/" in today
    intake_id = live_app.transaction(lambda s: s.execute(select(LiveChat.intake_id)).scalar_one(), for_write=False)
    with live_app.unit_of_work(for_write=True) as session:
        assert erase(session, intake_id, "test").live_chats == 1
    with live_app.unit_of_work() as session:
        assert session.execute(select(LiveMessage)).first() is None
        assert session.execute(select(LiveChat)).first() is None
