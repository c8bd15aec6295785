"""The gateway against abuse (issue #11 points 5 and 7), with the fake Rasa of test_gateway.py:
the REST channel's token goes in a header, never in the URL; new sessions and bookings are
limited per client address and hour; an address over its booking limit makes the actions book
nothing (message metadata only the gateway can set)."""
from __future__ import annotations

from tests.integration.test_gateway import RASA_TOKEN, bearer, client_for, fake_rasa, make_settings  # noqa: F401
from tests.support import FakeClock


def test_the_rest_channel_token_is_a_header_not_in_the_url(fake_rasa):  # noqa: F811
    client = client_for(make_settings(fake_rasa.url))
    token = client.post("/api/session").json()["session"]
    before = len(fake_rasa.webhook_requests)
    assert client.post("/api/chat", headers=bearer(token), json={"message": "hello"}).status_code == 200
    [sent] = fake_rasa.webhook_requests[before:]
    assert sent == {"authorization": f"Bearer {RASA_TOKEN}", "query": ""}


def test_new_sessions_are_limited_per_address_and_hour(fake_rasa):  # noqa: F811
    clock = FakeClock()
    settings = make_settings(fake_rasa.url, chat_sessions_per_ip=3)
    client = client_for(settings, address="198.51.100.1", clock=clock)
    assert [client.post("/api/session").status_code for _ in range(3)] == [201, 201, 201]
    refused = client.post("/api/session")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 60
    # another address is not affected; the same one may again an hour later
    gateway_other = client_for(settings, address="198.51.100.2", clock=clock)
    assert gateway_other.post("/api/session").status_code == 201
    clock.now += 3601
    assert client.post("/api/session").status_code == 201


def test_bookings_are_limited_per_address_and_hour(fake_rasa):  # noqa: F811
    clock = FakeClock()
    client = client_for(make_settings(fake_rasa.url, chat_bookings_per_ip=2), address="198.51.100.9", clock=clock)
    tokens = [client.post("/api/session").json()["session"] for _ in range(3)]
    before = len(fake_rasa.received)
    for token in tokens:
        reply = client.post("/api/chat", headers=bearer(token), json={"message": "book me"})
        assert reply.json() == {"messages": [{"text": "You're booked.", "buttons": []}]}  # the marker stays unseen
    sent = fake_rasa.received[before:]
    assert [body.get("metadata") for body in sent] == [None, None, {"bookings_blocked": True}]
    clock.now += 3601
    client.post("/api/chat", headers=bearer(tokens[0]), json={"message": "book me"})
    assert fake_rasa.received[-1].get("metadata") is None
