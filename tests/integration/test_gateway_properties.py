"""Property tests (hypothesis) of the chat API (issue #12 point 5), through Starlette's TestClient
against the fake Rasa of test_gateway.py (a real HTTP server speaking Rasa's formats): whatever a
client sends, the answer is JSON and never a 5xx; a message gets replies, refused input a sentence;
and no typed `/intent{...}` reaches Rasa as an intent unless the assistant offered it."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.fuzz import corpus
from tests.integration.test_gateway import FakeRasa, bearer, client_for, make_settings, new_session

MAX_CHARS = 200
HOSTILE = [text for category in corpus.CATEGORIES for text in corpus.samples(category, count=20, max_chars=MAX_CHARS)]
MESSAGES = st.one_of(st.text(max_size=MAX_CHARS + 20), st.sampled_from(HOSTILE),
                     st.builds(lambda text: "/" + text, st.text(max_size=60)))
BODIES = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda text: json.dumps({"message": text}).encode(), MESSAGES),
    st.builds(lambda value: json.dumps({"message": value}).encode(),
              st.one_of(st.none(), st.integers(), st.lists(st.text(max_size=5), max_size=3),
                        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))),
    st.sampled_from([b'{"message": "hi \\ud800"}', b'{"message": "\\udfff"}', b'{"message": "\\ud83d x"}',
                     b"[" * 5000, b'{"message": "' + b"\\u0000" * 50 + b'"}']),
)
# The TestClient and the fake Rasa are shared by all examples (they keep no state that matters here).
PROPERTIES = settings(max_examples=150, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fake_rasa():
    server = FakeRasa().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chat(fake_rasa):
    client = client_for(make_settings(fake_rasa.url, chat_max_message_chars=MAX_CHARS))
    return client, bearer(new_session(client))


@PROPERTIES
@given(BODIES)
@example(b'{"message": "hi \\ud800 there"}')
def test_any_body_gets_json_and_never_a_5xx(chat, body):
    client, headers = chat
    response = client.post("/api/chat", content=body, headers={**headers, "Content-Type": "application/json"})
    assert response.status_code in (200, 400, 413), (body, response.status_code, response.text)
    answer = response.json()
    if response.status_code == 200:
        assert answer["messages"] and all(m["text"].strip() for m in answer["messages"])
    else:
        assert isinstance(answer["error"], str) and answer["error"].strip()


@PROPERTIES
@given(MESSAGES)
def test_what_rasa_receives_is_clean_text_and_never_a_forged_intent(chat, fake_rasa, text):
    client, headers = chat
    before = len(fake_rasa.received)
    response = client.post("/api/chat", json={"message": text}, headers=headers)
    if response.status_code != 200:
        assert len(fake_rasa.received) == before  # refused input never reaches Rasa
        return
    sent = fake_rasa.received[-1]["message"]
    assert sent and sent == sent.strip() and not sent.startswith("/")  # nothing was offered: no intent
    assert len(sent) <= MAX_CHARS
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in sent)  # UTF-8 can hold it
    assert not any(c in sent for c in "\x00\x07\x1b\x7f")  # control characters removed
    sent.encode("utf-8")
