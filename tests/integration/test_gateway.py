"""The visitor gateway (bot/web/gateway.py): sessions, the chat API's rules and errors, CORS,
rate limits, the demo page and widget.js.

Forwarding and history are checked against a real HTTP server: `FakeRasa`, a tiny Starlette app
on a free port that records what it receives and answers in Rasa's REST-channel and tracker
formats (it is a fake, not Rasa). The round trip with the real Rasa is in
tests/e2e/test_gateway_stack.py (and in tests/e2e/test_widget_browser.py), on the shared `stack`;
the rate limiter alone in tests/unit/test_rate_limit.py.
"""
from __future__ import annotations

import atexit
import json
import re
import shutil
import tempfile
import time
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.adapters.migrate import upgrade
from bot.adapters.rasa_api import history_from_events, normalise_replies
from bot.adapters.rasa_events import offered_buttons
from bot.composition import build_app
from bot.settings import PROJECT_ROOT, Settings
from bot.web.gateway import STATIC_DIR, Gateway, routes
from bot.web.sessions import SessionTokens
from tests.servers import free_port, serve_in_thread
from tests.support import TEST_KEYS, FakeClock

SECRET = "gateway-test-secret-key"
RASA_TOKEN = "rasa-test-token"
ORIGIN = "https://clinic.example"
AREA_BUTTONS = [
    {"title": "Underarms", "payload": '/choose_area{"area": "underarms"}'},
    {"title": "Palms", "payload": '/choose_area{"area": "palms"}'},
]


@lru_cache(maxsize=1)
def gateway_database() -> str:
    """A migrated SQLite database the gateway tests share (the gateway keeps live-takeover messages
    there; conversation ids are random per session, so tests never meet)."""
    folder = Path(tempfile.mkdtemp(prefix="gateway-db-"))
    atexit.register(shutil.rmtree, folder, True)
    url = f"sqlite:///{folder / 'clinic.db'}"
    upgrade(url)
    return url


def make_settings(rasa_url: str, **overrides: Any) -> Settings:
    base = Settings(
        database_url=gateway_database(),
        clinic_profile=PROJECT_ROOT / "clinic" / "profile.yml",
        rasa_url=rasa_url,
        rasa_port=0,
        rasa_token=RASA_TOKEN,
        actions_port=0,
        web_host="127.0.0.1",
        web_port=0,
        secret_key=SECRET,
        **TEST_KEYS,
        cors_origins=(ORIGIN,),
        chat_max_message_chars=50,
        chat_rate_per_session=1000,
        chat_rate_per_ip=1000,
    )
    return replace(base, **overrides)


def client_for(settings: Settings, address: str = "203.0.113.7", **gateway_args: Any) -> TestClient:
    app = Starlette(routes=Gateway(build_app(settings), **gateway_args).routes())
    return TestClient(app, client=(address, 50000))


def bearer(token: str) -> Dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_session(client: TestClient) -> str:
    response = client.post("/api/session")
    assert response.status_code == 201, response.text
    return response.json()["session"]


# ---- a fake Rasa: a real HTTP server speaking Rasa's formats --------------------------------


class FakeRasa:
    """Records REST-channel posts and keeps per-sender events, like Rasa's tracker."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []
        self.webhook_requests: List[Dict[str, str]] = []  # the Authorization header and query of each post
        self.tracker_requests: List[Dict[str, str]] = []
        self.events: Dict[str, List[Dict[str, Any]]] = {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = Starlette(
            routes=[
                Route("/webhooks/rest/webhook", self.webhook, methods=["POST"]),
                Route("/conversations/{sender:path}/tracker", self.tracker, methods=["GET"]),
            ]
        )
        self._serving = serve_in_thread(app, self.port)

    def start(self) -> FakeRasa:
        self._serving.__enter__()
        return self

    def stop(self) -> None:
        self._serving.__exit__(None, None, None)

    def _log(self, sender: str) -> List[Dict[str, Any]]:
        return self.events.setdefault(
            sender, [{"event": "action", "name": "action_session_start", "timestamp": time.time()}]
        )

    async def webhook(self, request: Request):
        body = await request.json()
        self.received.append(body)
        self.webhook_requests.append({"authorization": request.headers.get("authorization", ""),
                                      "query": request.url.query})
        sender, text = body["sender"], body["message"]
        if text == "boom":
            return JSONResponse({"status": "failure", "message": "internal"}, status_code=500)
        if text == "not a list":
            return JSONResponse({"oops": True})
        events = self._log(sender)
        events.append({"event": "user", "timestamp": time.time(), "text": text, "parse_data": {}})
        if text == "emergency":  # an alert: one bot event; the REST channel sends its custom payload apart
            events.append({"event": "bot", "timestamp": time.time(), "text": "Call 911 now.",
                           "data": {"buttons": None, "custom": {"alert": True}}})
            return JSONResponse([{"recipient_id": sender, "text": "Call 911 now."},
                                 {"recipient_id": sender, "custom": {"alert": True}}])
        if text == "book me":  # a booking: the action's text, then its unseen booked payload
            return JSONResponse([{"recipient_id": sender, "text": "You're booked."},
                                 {"recipient_id": sender, "custom": {"booked": True}}])
        if text == "which area":
            replies = [
                {"recipient_id": sender, "text": "Where do you sweat most?", "buttons": AREA_BUTTONS},
                {"recipient_id": sender, "image": "https://example.org/x.png"},
                {"recipient_id": sender, "custom": {"kind": "carousel"}},
                {"recipient_id": sender, "text": "Or just tell me."},
            ]
        else:
            replies = [{"recipient_id": sender, "text": f"You said: {text}"}]
        for reply in replies:
            data = {key: reply.get(key) for key in ("buttons", "image", "custom")}
            events.append({"event": "bot", "timestamp": time.time(), "text": reply.get("text"), "data": data})
        events.append({"event": "action", "name": "action_listen", "timestamp": time.time()})
        events.append({"event": "slot", "name": "concern", "value": "sweating", "timestamp": time.time()})
        return JSONResponse(replies)

    async def tracker(self, request: Request):
        sender = request.path_params["sender"]
        self.tracker_requests.append({"sender": sender, **request.query_params})
        if request.query_params.get("token") != RASA_TOKEN:
            return JSONResponse({"status": "failure", "reason": "NotAuthenticated"}, status_code=401)
        return JSONResponse({"sender_id": sender, "slots": {}, "events": list(self._log(sender))})


@pytest.fixture(scope="module")
def fake_rasa():
    server = FakeRasa().start()
    yield server
    server.stop()


@pytest.fixture
def rasa_down_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens there


@pytest.fixture
def down(rasa_down_url) -> TestClient:
    """A gateway whose Rasa is not running: requests that pass every check end in 503."""
    return client_for(make_settings(rasa_down_url))


# ---- sessions and tokens --------------------------------------------------------------------


def test_session_is_created_with_a_signed_unguessable_token(down):
    first, second = down.post("/api/session"), down.post("/api/session")
    assert first.status_code == second.status_code == 201
    assert first.headers["cache-control"] == "no-store"
    one, two = first.json()["session"], second.json()["session"]
    assert one != two
    random_part, timestamp, signature = one.split(".")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", random_part)  # 192 random bits
    assert SessionTokens(SECRET).verify(one) == random_part
    assert set(first.json()) == {"session"}  # no conversation id is ever handed out


def test_sessions_get_distinct_server_side_conversation_ids(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    tokens = [new_session(client), new_session(client)]
    before = len(fake_rasa.received)
    for token in tokens:
        response = client.post("/api/chat", headers=bearer(token), json={"message": "hello"})
        assert response.status_code == 200
        assert "web-" not in response.text
    senders = [item["sender"] for item in fake_rasa.received[before:]]
    assert senders[0] != senders[1]
    for token, sender in zip(tokens, senders, strict=True):
        random_part = token.split(".")[0]
        assert sender == SessionTokens(SECRET).conversation_id(random_part)
        # Not derivable by the client: it is keyed by the server's secret, and shares nothing with the token.
        assert sender != SessionTokens("another-secret").conversation_id(random_part)
        assert random_part not in sender and sender[4:] not in token


BAD_AUTH = {
    "no header": {},
    "not bearer": {"Authorization": "Basic dXNlcjpwYXNz"},
    "empty bearer": {"Authorization": "Bearer "},
    "garbage": {"Authorization": "Bearer not-a-token"},
    "huge": {"Authorization": "Bearer " + "A" * 5000},
}


@pytest.mark.parametrize("case", sorted(BAD_AUTH))
@pytest.mark.parametrize("method,path", [("POST", "/api/chat"), ("GET", "/api/history")])
def test_missing_or_malformed_token_is_401(down, case, method, path):
    response = down.request(method, path, headers=BAD_AUTH[case], json={"message": "hi"})
    assert response.status_code == 401
    assert response.json()["error"]
    assert response.headers["www-authenticate"].startswith("Bearer")


def _altered(token: str, part: int) -> str:
    """The token with the first character of one part changed. Not the last: in base64 that one
    may carry only padding bits, so a change there can decode to the same bytes (a flaky test)."""
    pieces = token.split(".")
    piece = pieces[part]
    pieces[part] = ("A" if piece[0] != "A" else "B") + piece[1:]
    return ".".join(pieces)


@pytest.mark.parametrize(
    "kind", ["other secret", "altered random part", "altered timestamp", "altered signature"]
)
def test_forged_or_altered_token_is_401(down, kind):
    token = new_session(down)
    forged = {
        "other secret": SessionTokens("an attacker's guess").issue(),
        "altered random part": _altered(token, 0),
        "altered timestamp": _altered(token, 1),
        "altered signature": _altered(token, 2),
    }[kind]
    for method, path in (("POST", "/api/chat"), ("GET", "/api/history")):
        response = down.request(method, path, headers=bearer(forged), json={"message": "hi"})
        assert response.status_code == 401, (kind, path)
    # The genuine token passes every check (and then finds Rasa down).
    assert down.post("/api/chat", headers=bearer(token), json={"message": "hi"}).status_code == 503


def test_expired_token_is_401(rasa_down_url):
    wall = FakeClock(1_700_000_000)
    client = client_for(make_settings(rasa_down_url), token_clock=wall, session_max_age=3600)
    token = new_session(client)
    wall.now += 3600
    assert client.get("/api/history", headers=bearer(token)).status_code == 503  # still valid
    wall.now += 2
    response = client.get("/api/history", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["error"]


def test_one_visitor_cannot_read_or_write_anothers_conversation(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    alice, bob = new_session(client), new_session(client)
    for token, text in ((alice, "alice private"), (bob, "bob private")):
        assert client.post("/api/chat", headers=bearer(token), json={"message": text}).status_code == 200
    alice_texts = [m["text"] for m in client.get("/api/history", headers=bearer(alice)).json()["messages"]]
    bob_texts = [m["text"] for m in client.get("/api/history", headers=bearer(bob)).json()["messages"]]
    assert "alice private" in alice_texts and "bob private" not in " ".join(alice_texts)
    assert "bob private" in bob_texts and "alice private" not in " ".join(bob_texts)
    # A body cannot pick the conversation: "sender" and friends are ignored.
    sender_of_alice = fake_rasa.received[-2]["sender"]
    client.post("/api/chat", headers=bearer(bob), json={"message": "hijack", "sender": sender_of_alice})
    assert fake_rasa.received[-1]["sender"] != sender_of_alice
    assert "hijack" not in json.dumps(client.get("/api/history", headers=bearer(alice)).json())


# ---- bodies and methods ---------------------------------------------------------------------

BAD_BODIES = {
    "not json": b"hello there",
    "empty body": b"",
    "json list": b'["hello"]',
    "json string": b'"hello"',
    "no message key": b'{"text": "hello"}',
    "message is a number": b'{"message": 5}',
    "message is null": b'{"message": null}',
    "message is an object": b'{"message": {"text": "hi"}}',
    "invalid utf-8": b'{"message": "\xff\xfe"}',
    # Issue #12 fuzzing: a lone surrogate is valid JSON but no text; it was a 500 (httpx could not encode it).
    "lone surrogate escape": b'{"message": "hi \\ud800 there"}',
    "utf-8 bytes of a surrogate": b'{"message": "hi \xed\xa0\x80 there"}',
    "deeply nested": b"[" * 5000 + b"]" * 5000,
}


@pytest.mark.parametrize("case", sorted(BAD_BODIES))
def test_wrong_shape_or_non_json_body_is_400(down, case):
    token = new_session(down)
    response = down.post(
        "/api/chat", headers={**bearer(token), "Content-Type": "application/json"}, content=BAD_BODIES[case]
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json"
    assert "message" in response.json()["error"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", "\x00\x01 ", "/", " / /"])
def test_empty_or_whitespace_message_is_400(down, text):
    token = new_session(down)
    response = down.post("/api/chat", headers=bearer(token), json={"message": text})
    assert response.status_code == 400
    assert response.json() == {"error": "Please type a message."}


def test_message_length_limit_is_413(down):
    token = new_session(down)  # the limit in these settings is 50 characters
    at_limit = down.post("/api/chat", headers=bearer(token), json={"message": "é" * 50})
    assert at_limit.status_code == 503  # accepted, then Rasa is down
    too_long = down.post("/api/chat", headers=bearer(token), json={"message": "x" * 51})
    assert too_long.status_code == 413
    assert too_long.json()["max_chars"] == 50 and "50" in too_long.json()["error"]
    huge = down.post("/api/chat", headers=bearer(token), json={"message": "x" * 100_000})
    assert huge.status_code == 413 and huge.json()["max_chars"] == 50


@pytest.mark.parametrize(
    "method,path,allow",
    [
        ("GET", "/api/session", "POST, OPTIONS"),
        ("PUT", "/api/session", "POST, OPTIONS"),
        ("GET", "/api/chat", "POST, OPTIONS"),
        ("DELETE", "/api/chat", "POST, OPTIONS"),
        ("POST", "/api/history", "GET, OPTIONS"),
        ("PATCH", "/api/history", "GET, OPTIONS"),
    ],
)
def test_wrong_method_is_a_json_405(down, method, path, allow):
    response = down.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.json()["error"].startswith("Method not allowed")


def test_unknown_api_path_is_a_json_404(down):
    response = down.get("/api/nothing/here")
    assert response.status_code == 404 and response.json() == {"error": "Not found."}


def test_rasa_down_is_a_friendly_503(down):
    token = new_session(down)
    for response in (
        down.post("/api/chat", headers=bearer(token), json={"message": "hello"}),
        down.post("/api/chat", headers=bearer(token), json={"message": "/book"}),  # needs the tracker
        down.get("/api/history", headers=bearer(token)),
    ):
        assert response.status_code == 503
        assert response.headers["retry-after"] == "30"
        assert response.json() == {
            "error": "Our assistant is unavailable right now. "
            "Please try again in a few minutes, or call the clinic."
        }


def test_rasa_errors_and_bad_answers_are_503(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    token = new_session(client)
    for text in ("boom", "not a list"):
        response = client.post("/api/chat", headers=bearer(token), json={"message": text})
        assert response.status_code == 503 and "unavailable" in response.json()["error"]
    wrong_token = client_for(make_settings(fake_rasa.url, rasa_token="wrong"))
    response = wrong_token.get("/api/history", headers=bearer(new_session(wrong_token)))
    assert response.status_code == 503


def test_an_unexpected_bug_is_json_without_a_trace(down):
    gateway = Gateway(build_app(make_settings("http://127.0.0.1:9")))

    async def broken(conversation_id, text, metadata=None):
        raise RuntimeError("internal detail /srv/secret.py line 42")

    gateway.rasa.send = broken
    client = TestClient(Starlette(routes=gateway.routes()))
    token = client.post("/api/session").json()["session"]
    response = client.post("/api/chat", headers=bearer(token), json={"message": "hello"})
    assert response.status_code == 500
    assert response.json() == {"error": "Something went wrong on our side. Please try again."}


# ---- rate limits ----------------------------------------------------------------------------


def test_rate_limit_per_session_is_a_sliding_window(rasa_down_url):
    clock = FakeClock()
    client = client_for(make_settings(rasa_down_url, chat_rate_per_session=3), clock=clock)
    token, other = new_session(client), new_session(client)
    for seconds in (0, 20, 40):
        clock.now = 1_000 + seconds
        assert client.post("/api/chat", headers=bearer(token), json={"message": "hi"}).status_code == 503
    clock.now = 1_050
    limited = client.post("/api/chat", headers=bearer(token), json={"message": "hi"})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "10"  # the request at t=0 leaves the window at t=60
    assert limited.json()["retry_after"] == 10 and limited.json()["error"]
    assert client.get("/api/history", headers=bearer(token)).status_code == 429  # history counts too
    assert client.post("/api/chat", headers=bearer(other), json={"message": "hi"}).status_code == 503
    clock.now = 1_060.5
    assert client.post("/api/chat", headers=bearer(token), json={"message": "hi"}).status_code == 503
    limited = client.post("/api/chat", headers=bearer(token), json={"message": "hi"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "20"


def test_rate_limit_per_client_address(rasa_down_url):
    clock = FakeClock()
    gateway = Gateway(build_app(make_settings(rasa_down_url, chat_rate_per_ip=4)), clock=clock)
    app = Starlette(routes=gateway.routes())
    here, elsewhere = TestClient(app, client=("198.51.100.1", 1)), TestClient(app, client=("198.51.100.2", 1))
    first, second = new_session(here), new_session(here)  # session creation counts: 2 of 4
    assert here.post("/api/chat", headers=bearer(first), json={"message": "hi"}).status_code == 503
    assert here.get("/api/history", headers=bearer(second)).status_code == 503
    for response in (
        here.post("/api/chat", headers=bearer(second), json={"message": "hi"}),
        here.post("/api/session"),
    ):
        assert response.status_code == 429 and int(response.headers["retry-after"]) == 60
    # Another address, even with the same token, has its own allowance.
    assert elsewhere.post("/api/chat", headers=bearer(first), json={"message": "hi"}).status_code == 503
    clock.now += 60
    assert here.post("/api/chat", headers=bearer(first), json={"message": "hi"}).status_code == 503


def test_failed_token_checks_count_against_the_address(rasa_down_url):
    client = client_for(make_settings(rasa_down_url, chat_rate_per_ip=3), clock=FakeClock())
    for _ in range(3):
        assert client.get("/api/history", headers=bearer("guess")).status_code == 401
    assert client.get("/api/history", headers=bearer("guess")).status_code == 429


# ---- CORS -----------------------------------------------------------------------------------


def test_cors_preflight_and_requests_for_allowed_origins_only(down):
    preflight = down.options(
        "/api/chat",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    assert "Content-Type" in preflight.headers["access-control-allow-headers"]
    assert "Origin" in preflight.headers["vary"]

    created = down.post("/api/session", headers={"Origin": ORIGIN})
    assert created.headers["access-control-allow-origin"] == ORIGIN
    assert "Retry-After" in created.headers["access-control-expose-headers"]
    # Error answers carry CORS headers too, so the widget on the clinic's site can read them.
    unauthorised = down.get("/api/history", headers={"Origin": ORIGIN})
    assert unauthorised.status_code == 401 and unauthorised.headers["access-control-allow-origin"] == ORIGIN

    for origin in ("https://evil.example", "https://clinic.example.evil.example", "null"):
        denied = down.options(
            "/api/chat", headers={"Origin": origin, "Access-Control-Request-Method": "POST"}
        )
        assert denied.status_code == 403 and "error" in denied.json()
        assert not any(h.startswith("access-control-") for h in denied.headers)
        plain = down.post("/api/session", headers={"Origin": origin})
        assert not any(h.startswith("access-control-") for h in plain.headers)
    assert not any(h.startswith("access-control-") for h in down.post("/api/session").headers)

    wrong_method = down.options(
        "/api/history", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"}
    )
    assert wrong_method.status_code == 405


def test_no_cors_when_no_origins_are_configured(rasa_down_url):
    client = client_for(make_settings(rasa_down_url, cors_origins=()))
    preflight = client.options(
        "/api/session", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers


# ---- forwarding and history against the fake Rasa -------------------------------------------


def test_chat_forwards_to_rasa_and_normalises_the_replies(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    token = new_session(client)
    response = client.post("/api/chat", headers=bearer(token), json={"message": "  which area  "})
    assert response.status_code == 200
    assert fake_rasa.received[-1]["message"] == "which area"
    assert set(fake_rasa.received[-1]) == {"sender", "message"}
    # One item per text message; the image and the custom payload are dropped.
    assert response.json() == {
        "messages": [
            {"text": "Where do you sweat most?", "buttons": AREA_BUTTONS},
            {"text": "Or just tell me.", "buttons": []},
        ]
    }


def test_history_maps_events_and_shows_the_clicked_button_title(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    token = new_session(client)
    assert client.get("/api/history", headers=bearer(token)).json() == {"messages": []}  # brand new
    client.post("/api/chat", headers=bearer(token), json={"message": "which area"})
    clicked = client.post("/api/chat", headers=bearer(token), json={"message": AREA_BUTTONS[1]["payload"]})
    assert clicked.status_code == 200
    assert fake_rasa.received[-1]["message"] == AREA_BUTTONS[1]["payload"]  # an offered payload passes as is
    assert fake_rasa.tracker_requests[-1]["token"] == RASA_TOKEN
    assert fake_rasa.tracker_requests[-1]["include_events"] == "ALL"

    history = client.get("/api/history", headers=bearer(token)).json()["messages"]
    assert [(m["role"], m["text"]) for m in history] == [
        ("visitor", "which area"),
        ("assistant", "Where do you sweat most?"),
        ("assistant", "Or just tell me."),
        ("visitor", "Palms"),  # the title of the button, not its payload
        ("assistant", f"You said: {AREA_BUTTONS[1]['payload']}"),
    ]
    assert history[1]["buttons"] == AREA_BUTTONS and history[0]["buttons"] == []
    for item in history:
        assert set(item) == {"role", "text", "buttons", "time"}
        assert item["time"].endswith("+00:00") and item["time"][:4].isdigit()


def test_an_alert_is_marked_in_the_chat_and_in_the_history(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    token = new_session(client)
    reply = client.post("/api/chat", headers=bearer(token), json={"message": "emergency"}).json()
    assert reply == {"messages": [{"text": "Call 911 now.", "buttons": [], "alert": True}]}
    history = client.get("/api/history", headers=bearer(token)).json()["messages"]
    assert [(m["role"], m["text"], m.get("alert")) for m in history] == [
        ("visitor", "emergency", None), ("assistant", "Call 911 now.", True)]


def test_typed_intent_syntax_is_forwarded_as_plain_text(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    token = new_session(client)
    client.post("/api/chat", headers=bearer(token), json={"message": "which area"})
    forged = '/book{"slot_start": "2030-01-01"}'  # within the 50-character limit
    assert client.post("/api/chat", headers=bearer(token), json={"message": forged}).status_code == 200
    assert fake_rasa.received[-1]["message"] == 'book{"slot_start": "2030-01-01"}'
    # Payloads offered in an earlier turn are stale once the visitor has answered.
    client.post("/api/chat", headers=bearer(token), json={"message": AREA_BUTTONS[0]["payload"]})
    assert fake_rasa.received[-1]["message"] == 'choose_area{"area": "underarms"}'


def test_normalise_and_history_edge_cases():
    replies = [
        {"recipient_id": "x", "buttons": [{"title": "Yes", "payload": "/affirm"}]},  # buttons, no text
        {"recipient_id": "x", "text": "First"},
        {"recipient_id": "x", "text": "Second", "buttons": [{"payload": "/deny"}, {"title": "bad"}, "junk"]},
        {"recipient_id": "x", "buttons": [{"title": "Later", "payload": "/later"}]},
        {"recipient_id": "x", "text": "   "},
        {"recipient_id": "x", "image": "https://example.org/a.png"},
        {"recipient_id": "x", "text": 42},
    ]
    assert normalise_replies(replies) == [
        {"text": "", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        {"text": "First", "buttons": []},
        {
            "text": "Second",
            "buttons": [{"title": "/deny", "payload": "/deny"}, {"title": "Later", "payload": "/later"}],
        },
    ]
    events = [
        {"event": "bot", "text": "Pick", "timestamp": 0,
         "data": {"buttons": [{"title": "A", "payload": "/a"}]}},
        {"event": "user", "text": "/zzz", "timestamp": 1},  # not offered: the payload is shown
        {"event": "bot", "text": "Where?", "timestamp": 1,
         "data": {"buttons": [{"title": "Hands", "payload": "hands"}]}},
        {"event": "user", "text": "hands", "timestamp": 1},  # a plain-text payload shows its title too
        {"event": "user", "text": "/a", "timestamp": 2},  # offered before the previous turn: stale
        {"event": "user", "text": "", "timestamp": 3},
        {"event": "bot", "text": None, "data": {"custom": {}}, "timestamp": "bad"},
        {"event": "slot", "name": "x", "value": 1},
        {"event": "bot", "text": "Done", "data": None, "timestamp": 4},
    ]
    history = history_from_events(events)
    assert [(m["role"], m["text"]) for m in history] == [
        ("assistant", "Pick"), ("visitor", "/zzz"), ("assistant", "Where?"), ("visitor", "Hands"),
        ("visitor", "/a"), ("assistant", "Done"),
    ]
    assert history[0]["time"] == "1970-01-01T00:00:00+00:00"
    assert offered_buttons(events) == [] and offered_buttons(events[:1]) == [{"title": "A", "payload": "/a"}]


# ---- the demo page, widget.js and config ----------------------------------------------------


def test_demo_page_shows_the_clinic_and_embeds_the_widget(down, tmp_path, rasa_down_url):
    from bot.domain.profile import load_profile

    profile = load_profile(PROJECT_ROOT / "clinic" / "profile.yml")
    page = down.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert profile.address in html and profile.hours_text() in html and profile.phone in html
    assert html.count("<script") == 1
    assert '<script src="/widget.js" defer></script>' in html
    assert "script-src 'self'" in page.headers["content-security-policy"]

    # Profile text is escaped (Jinja2 autoescape).
    text = (PROJECT_ROOT / "clinic" / "profile.yml").read_text(encoding="utf-8")
    hostile = tmp_path / "profile.yml"
    hostile.write_text(
        text.replace("name: Encino Aesthetic & Medical Clinic", 'name: "Encino <img src=x onerror=alert(1)>"',
                     1),
        encoding="utf-8",
    )
    html = client_for(make_settings(rasa_down_url, clinic_profile=hostile)).get("/").text
    assert "<img src=x" not in html and "Encino &lt;img src=x onerror=alert(1)&gt;" in html


def test_widget_js_is_served_and_never_renders_html(down):
    response = down.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"
    source = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    assert response.text == source
    frame_source = (STATIC_DIR / "chat.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source and sink not in frame_source, sink
    # The loader only adds the frame: no storage, no API call; the frame sends no token itself.
    assert "document.currentScript" in source and "iframe" in source
    assert "localStorage" not in source and "fetch(" not in source and "attachShadow" not in source
    assert "Authorization" not in frame_source and "document.cookie" not in frame_source


def test_config_for_the_widget(down):
    config = down.get("/api/config", headers={"Origin": ORIGIN})
    assert config.status_code == 200
    assert config.json()["max_message_chars"] == 50 and config.json()["emergency_number"] == "911"
    from bot.domain.profile import load_profile

    profile = load_profile(PROJECT_ROOT / "clinic" / "profile.yml")  # what the widget links in replies
    assert config.json()["phone"] == profile.phone and config.json()["address"] == profile.address
    assert config.json()["map_url"] == profile.map_url and profile.map_url.startswith("https://")
    assert config.headers["access-control-allow-origin"] == ORIGIN


def test_routes_factory_builds_the_gateway(rasa_down_url):
    paths = [route.path for route in routes(build_app(make_settings(rasa_down_url)))]
    assert {"/", "/widget.js", "/api/session", "/api/chat", "/api/history"} <= set(paths)

