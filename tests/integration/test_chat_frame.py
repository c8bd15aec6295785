"""The widget's frame (/chat) and its cookie session (/api/frame-session): the token stays in an
HttpOnly cookie that only the frame's own requests (X-Chat-Frame, same origin) may use, the frame
may be shown only by the configured sites, the greeting's suggested questions pass the button guard,
and Bearer clients work as before. Against FakeRasa (tests/integration/test_gateway.py)."""
from __future__ import annotations

import re

from bot.web.sessions import COOKIE_NAME, SECURE_COOKIE_NAME
from tests.integration.test_gateway import (  # noqa: F401  (the fake Rasa fixture and helpers)
    ORIGIN,
    bearer,
    client_for,
    down,
    fake_rasa,
    make_settings,
    new_session,
    rasa_down_url,
)
from tests.support import english

FRAME = {"X-Chat-Frame": "1", "Sec-Fetch-Site": "same-origin"}


def start_frame_session(client) -> str:
    response = client.post("/api/frame-session", headers=FRAME)
    assert response.status_code == 201, response.text
    assert response.json() == {"started": True}  # the token is not in the body
    return response.headers["set-cookie"]


def test_the_frame_session_is_an_httponly_cookie(fake_rasa):  # noqa: F811
    client = client_for(make_settings(fake_rasa.url))
    cookie = start_frame_session(client)
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert {"HttpOnly", "Path=/", "SameSite=Strict", "Max-Age=86400"} <= set(cookie.split("; "))
    assert "Secure" not in cookie  # plain HTTP (development)
    reply = client.post("/api/chat", headers=FRAME, json={"message": "hello"})
    assert reply.status_code == 200 and reply.json()["messages"][0]["text"] == "You said: hello"
    history = client.get("/api/history", headers=FRAME).json()["messages"]
    assert [(m["role"], m["text"]) for m in history] == [("visitor", "hello"), ("assistant", "You said: hello")]


def test_over_https_the_cookie_is_secure_partitioned_and_host_bound(fake_rasa):  # noqa: F811
    client = client_for(make_settings(fake_rasa.url, cookie_secure=True))
    cookie = start_frame_session(client)
    assert cookie.startswith(f"{SECURE_COOKIE_NAME}=")
    assert {"HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/"} <= set(cookie.split("; "))
    assert "Domain" not in cookie


def test_the_cookie_is_refused_without_the_frame_header_or_from_another_site(fake_rasa):  # noqa: F811
    client = client_for(make_settings(fake_rasa.url))
    start_frame_session(client)
    assert client.get("/api/history").status_code == 401  # a page's script: no header
    assert client.get("/api/history", headers={"X-Chat-Frame": "1", "Sec-Fetch-Site": "cross-site"}).status_code == 401
    assert client.get("/api/history", headers={"X-Chat-Frame": "1", "Sec-Fetch-Site": "same-site"}).status_code == 401
    assert client.post("/api/chat", json={"message": "hi"}).status_code == 401
    # Starting or ending a frame session from elsewhere is refused too.
    assert client.post("/api/frame-session").status_code == 403
    assert client.delete("/api/frame-session", headers={"X-Chat-Frame": "1", "Sec-Fetch-Site": "cross-site"}) \
        .status_code == 403
    # A preflight from an allowed site does not allow the frame's header.
    preflight = client.options("/api/history", headers={
        "Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-chat-frame"})
    assert "x-chat-frame" not in preflight.headers.get("access-control-allow-headers", "").lower()


def test_new_chat_clears_the_cookie(fake_rasa):  # noqa: F811
    client = client_for(make_settings(fake_rasa.url))
    start_frame_session(client)
    assert client.get("/api/history", headers=FRAME).status_code == 200
    ended = client.delete("/api/frame-session", headers=FRAME)
    assert ended.status_code == 204
    assert re.match(rf"{COOKIE_NAME}=; .*Max-Age=0", ended.headers["set-cookie"])
    assert client.get("/api/history", headers=FRAME).status_code == 401


def test_bearer_clients_work_as_before_and_ignore_the_cookie(fake_rasa):  # noqa: F811
    client = client_for(make_settings(fake_rasa.url))
    start_frame_session(client)
    client.post("/api/chat", headers=FRAME, json={"message": "from the frame"})
    token = new_session(client)
    assert client.get("/api/history", headers=bearer(token)).json() == {"messages": []}  # its own conversation
    assert client.get("/api/history", headers={**FRAME, **bearer("forged.token.x")}).status_code == 401


def test_the_frame_page_may_be_shown_by_the_configured_sites_only(down):  # noqa: F811
    page = down.get("/chat?host=https://clinic.example")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'self' https://clinic.example" in csp and "script-src 'self'" in csp
    assert '<script src="chat.js"' in page.text and "<style" not in page.text
    for path, kind in (("/chat.js", "text/javascript"), ("/chat.css", "text/css")):
        asset = down.get(path)
        assert asset.status_code == 200 and asset.headers["content-type"].startswith(kind)
        assert asset.headers["cross-origin-resource-policy"] == "same-origin"
    assert down.get("/widget.js").headers["cross-origin-resource-policy"] == "cross-origin"


def test_the_config_has_the_greeting_and_the_new_chat_question(down):  # noqa: F811
    config = down.get("/api/config").json()
    wording = english()
    assert config["greeting"]["text"] == wording.text("widget.greeting")
    assert len(config["greeting"]["suggestions"]) == 3
    assert config["greeting"]["suggestions"] == wording.buttons("widget.greeting")
    assert config["new_chat"]["question"] == wording.text("widget.new_chat.question")


def test_a_suggested_question_passes_the_guard_and_shows_its_title(fake_rasa):  # noqa: F811
    client = client_for(make_settings(fake_rasa.url))
    start_frame_session(client)
    suggestion = english().buttons("widget.greeting")[1]
    assert client.post("/api/chat", headers=FRAME, json={"message": suggestion["payload"]}).status_code == 200
    assert fake_rasa.received[-1]["message"] == suggestion["payload"]  # passed on as the intent
    history = client.get("/api/history", headers=FRAME).json()["messages"]
    assert history[0] == {**history[0], "role": "visitor", "text": suggestion["title"]}
