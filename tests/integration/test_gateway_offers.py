"""The button guard without the tracker fetch (issue #12): the gateway remembers what the latest
reply offered and reads Rasa's tracker only when it does not know (a fresh process, a failed turn)."""
from __future__ import annotations

import asyncio
from typing import Any, List

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.adapters.rasa_api import RasaClient
from bot.web.app import create_app
from tests.integration.test_gateway import AREA_BUTTONS, FakeRasa, bearer, client_for, make_settings, new_session
from tests.servers import serve_in_thread


@pytest.fixture(scope="module")
def fake_rasa():
    server = FakeRasa().start()
    yield server
    server.stop()


def test_an_offered_button_is_passed_on_without_reading_the_tracker(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    token = new_session(client)
    client.post("/api/chat", headers=bearer(token), json={"message": "which area"})
    reads = len(fake_rasa.tracker_requests)
    click = client.post("/api/chat", headers=bearer(token), json={"message": AREA_BUTTONS[1]["payload"]})
    assert click.status_code == 200
    assert fake_rasa.received[-1]["message"] == AREA_BUTTONS[1]["payload"]
    assert len(fake_rasa.tracker_requests) == reads
    # Offered one turn ago is stale: forwarded as plain words, still without a tracker read.
    client.post("/api/chat", headers=bearer(token), json={"message": AREA_BUTTONS[0]["payload"]})
    assert fake_rasa.received[-1]["message"] == 'choose_area{"area": "underarms"}'
    assert len(fake_rasa.tracker_requests) == reads


def test_a_gateway_that_does_not_know_the_conversation_reads_the_tracker(fake_rasa):
    settings = make_settings(fake_rasa.url)
    first = client_for(settings)
    token = new_session(first)
    first.post("/api/chat", headers=bearer(token), json={"message": "which area"})
    restarted = client_for(settings)  # a new process: same secret, so the same conversation
    reads = len(fake_rasa.tracker_requests)
    restarted.post("/api/chat", headers=bearer(token), json={"message": AREA_BUTTONS[0]["payload"]})
    assert fake_rasa.received[-1]["message"] == AREA_BUTTONS[0]["payload"]
    assert len(fake_rasa.tracker_requests) == reads + 1


def test_after_a_failed_turn_the_guard_reads_the_tracker_again(fake_rasa):
    client = client_for(make_settings(fake_rasa.url))
    token = new_session(client)
    client.post("/api/chat", headers=bearer(token), json={"message": "which area"})
    assert client.post("/api/chat", headers=bearer(token), json={"message": "boom"}).status_code == 503
    reads = len(fake_rasa.tracker_requests)
    client.post("/api/chat", headers=bearer(token), json={"message": AREA_BUTTONS[0]["payload"]})
    assert len(fake_rasa.tracker_requests) == reads + 1
    # The fake's tracker logged no reply to "boom", so the area buttons are still the latest offer.
    assert fake_rasa.received[-1]["message"] == AREA_BUTTONS[0]["payload"]


def test_the_rasa_client_reuses_one_connection_for_many_turns():
    """Every turn used to open a new HTTP client (a new TCP connection): now one pooled client."""
    peers: List[Any] = []

    async def webhook(request: Request):
        peers.append(request.client.port)
        return JSONResponse([{"recipient_id": "x", "text": "ok"}])

    async def turns(client: RasaClient) -> None:
        for _ in range(5):
            assert await client.send("c1", "hello") == [{"recipient_id": "x", "text": "ok"}]
        await client.aclose()

    with serve_in_thread(Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"])])) as url:
        asyncio.run(turns(RasaClient(url, "token")))
    assert len(peers) == 5 and len(set(peers)) == 1


def test_a_turn_rasa_answers_with_nothing_gets_the_catalogs_plain_words(wording):
    """Rasa answers [] when an action failed (the action server restarting): the visitor is told."""
    async def webhook(_request: Request):
        return JSONResponse([])

    with serve_in_thread(Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"])])) as url:
        client = client_for(make_settings(url))
        token = new_session(client)
        reply = client.post("/api/chat", headers=bearer(token), json={"message": "no"})
    assert reply.status_code == 200
    assert reply.json() == {"messages": [{"text": wording.text("no_reply"), "buttons": []}]}


def test_the_web_service_starts_and_shuts_down_with_its_pooled_rasa_client(fake_rasa):
    with TestClient(create_app(make_settings(fake_rasa.url))) as client:  # runs the lifespan
        token = new_session(client)
        assert client.post("/api/chat", headers=bearer(token), json={"message": "hello"}).status_code == 200
    assert fake_rasa.received[-1]["message"] == "hello"


SILENT_TURNS = {
    "core fallback": [{"event": "action", "name": "action_default_fallback"}, {"event": "rewind"},
                      {"event": "action", "name": "action_listen"}],
    "straight back to listening": [{"event": "action", "name": "action_listen"}],
    "an action that failed": [{"event": "action", "name": "action_identify_concern"},
                               {"event": "action", "name": "action_listen"}],
}


@pytest.mark.parametrize("turn", sorted(SILENT_TURNS))
def test_a_message_rasa_chose_not_to_answer_is_answered_not_understood(wording, turn):
    """Fuzzing (issue #12): SQL or template syntax fits no rule or story; Rasa's core fallback, or
    its policies going straight back to listening, say nothing, and the visitor was told to send the
    message again as if the turn had been lost. A turn lost to a failing action still says that."""
    received = []

    async def webhook(request: Request):
        received.append((await request.json())["message"])
        return JSONResponse([])

    async def tracker(_request: Request):
        return JSONResponse({"events": [{"event": "user", "text": "' OR 1=1 --", "parse_data": {}},
                                        {"event": "user_featurization"}, *SILENT_TURNS[turn]]})

    app = Starlette(routes=[Route("/webhooks/rest/webhook", webhook, methods=["POST"]),
                            Route("/conversations/{sender}/tracker", tracker, methods=["GET"])])
    with serve_in_thread(app) as url:
        client = client_for(make_settings(url))
        token = new_session(client)
        reply = client.post("/api/chat", headers=bearer(token), json={"message": "' OR 1=1 --"})
        assert reply.status_code == 200
        if turn == "an action that failed":
            assert reply.json() == {"messages": [{"text": wording.text("no_reply"), "buttons": []}]}
            return
        ways_forward = wording.buttons("misunderstood.ways_forward")
        assert reply.json() == {"messages": [{"text": wording.text("misunderstood.not_understood"),
                                              "buttons": ways_forward}]}
        assert ways_forward and all(b["payload"].startswith("/") for b in ways_forward)
        # The buttons it offered are the visitor's to click: passed on as intents.
        client.post("/api/chat", headers=bearer(token), json={"message": ways_forward[0]["payload"]})
    assert received == ["' OR 1=1 --", ways_forward[0]["payload"]]
