"""The gateway in front of several Rasa replicas (RASA_URLS): a conversation stays on one replica
(a stable hash) unless RASA_ROUTING=turn moves each of its turns to the next one; with the state in
Redis (RATE_LIMIT_STORE), two gateways (two workers) share the rate limits and the offered buttons.
The replicas are test_gateway's FakeRasa, a real HTTP server speaking Rasa's formats."""
from __future__ import annotations

import os
from collections import Counter

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.composition import build_app
from bot.settings import RasaRouting
from bot.web.gateway import Gateway
from tests.integration.test_gateway import AREA_BUTTONS, FakeRasa, bearer, make_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
CONVERSATIONS = 16


@pytest.fixture(scope="module")
def replicas():
    servers = [FakeRasa().start(), FakeRasa().start()]
    yield servers
    for server in servers:
        server.stop()


def gateway_client(settings) -> TestClient:
    return TestClient(Starlette(routes=Gateway(build_app(settings)).routes()))


def senders(server: FakeRasa) -> Counter:
    return Counter(body["sender"] for body in server.received)


def test_each_conversation_stays_on_one_replica_and_both_get_some(replicas):
    for server in replicas:
        server.received.clear()
    client = gateway_client(make_settings(replicas[0].url, rasa_urls=tuple(s.url for s in replicas)))
    for _ in range(CONVERSATIONS):
        token = client.post("/api/session").json()["session"]
        for text in ("hello", "again", "once more"):
            response = client.post("/api/chat", headers=bearer(token), json={"message": text})
            assert response.status_code == 200 and "x-rasa-replica" not in response.headers
    first, second = senders(replicas[0]), senders(replicas[1])
    assert not set(first) & set(second), "a conversation moved between replicas"
    assert first and second and len(first) + len(second) == CONVERSATIONS
    assert set(first.values()) | set(second.values()) == {3}


def test_turn_routing_moves_each_turn_to_the_next_replica(replicas):
    for server in replicas:
        server.received.clear()
    settings = make_settings(replicas[0].url, rasa_urls=tuple(s.url for s in replicas), rasa_routing=RasaRouting.TURN)
    client = gateway_client(settings)
    token = client.post("/api/session").json()["session"]
    served = [client.post("/api/chat", headers=bearer(token), json={"message": f"turn {n}"}).headers["x-rasa-replica"]
              for n in range(4)]
    assert served == ["0", "1", "0", "1"]
    assert [b["message"] for b in replicas[0].received] == ["turn 0", "turn 2"]
    assert [b["message"] for b in replicas[1].received] == ["turn 1", "turn 3"]


def test_two_gateway_workers_share_limits_and_offered_buttons_through_redis(replicas):
    settings = make_settings(replicas[0].url, rasa_urls=tuple(s.url for s in replicas), rasa_routing=RasaRouting.TURN,
                             rate_limit_store=REDIS_URL, chat_rate_per_session=3, chat_rate_per_ip=0,
                             chat_sessions_per_ip=0)
    first, second = gateway_client(settings), gateway_client(settings)
    token = first.post("/api/session").json()["session"]
    assert first.post("/api/chat", headers=bearer(token), json={"message": "which area"}).status_code == 200
    # The button the first worker's reply offered is passed on as an intent by the second worker...
    payload = AREA_BUTTONS[0]["payload"]
    assert second.post("/api/chat", headers=bearer(token), json={"message": payload}).status_code == 200
    assert replicas[1].received[-1]["message"] == payload
    # ...and once that turn has been answered, the first worker no longer takes it as offered.
    assert first.post("/api/chat", headers=bearer(token), json={"message": payload}).status_code == 200
    assert replicas[0].received[-1]["message"] == payload.lstrip("/")
    limited = second.post("/api/chat", headers=bearer(token), json={"message": "one too many"})
    assert limited.status_code == 429  # three chats in the minute, counted across both workers
