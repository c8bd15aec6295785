"""The visitor gateway with the real Rasa: the shared `stack` (trained model, action server, web
service). The gateway against a fake Rasa is tested in tests/integration/test_gateway.py, whose
helpers this uses."""
from __future__ import annotations

import pytest

from bot.web.sessions import SessionTokens
from tests.integration.test_gateway import _altered, bearer


@pytest.mark.stack
def test_real_rasa_round_trip(stack):
    import httpx

    from bot.domain.profile import load_profile

    concern = "my armpits sweat through every shirt"
    with httpx.Client(base_url=stack.web_url, timeout=90) as http:
        token, other = (http.post("/api/session").json()["session"] for _ in range(2))
        reply = http.post("/api/chat", headers=bearer(token), json={"message": concern})
        assert reply.status_code == 200, reply.text
        messages = reply.json()["messages"]
        assert messages and all(isinstance(m["text"], str) and isinstance(m["buttons"], list) for m in messages)
        sweating = load_profile(stack.settings.clinic_profile).concerns["sweating"].display_name
        assert sweating in " ".join(m["text"] for m in messages)
        offered = [button for m in messages for button in m["buttons"]]
        assert offered, "the assistant offers next steps as buttons"
        clicked = http.post("/api/chat", headers=bearer(token), json={"message": offered[0]["payload"]})
        assert clicked.status_code == 200 and clicked.json()["messages"]

        history = http.get("/api/history", headers=bearer(token)).json()["messages"]
        assert [m["text"] for m in history if m["role"] == "visitor"] == [concern, offered[0]["title"]]
        assistant = [m["text"] for m in history if m["role"] == "assistant"]
        assert [m["text"] for m in messages if m["text"]] == assistant[: len([m for m in messages if m["text"]])]
        assert http.get("/api/history", headers=bearer(other)).json() == {"messages": []}
        assert http.get("/api/history", headers=bearer(_altered(token, 0))).status_code == 401

    # Rasa saw the server-derived conversation id, never the token.
    conversation_id = SessionTokens(stack.settings.secret_key).conversation_id(token.split(".")[0])
    events = stack.tracker(conversation_id)["events"]
    assert [e["text"] for e in events if e["event"] == "user"][0] == concern
