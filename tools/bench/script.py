"""The bench conversation: one full booking, 20 visitor turns (greeting, concern, four questions,
asking to book, consent, the grouped screening answers, name, contact, a time), and the channels
it is driven through.

A step is typed text, or a click: the payload of the latest reply's button whose title contains
the given words (or whose payload starts with them). The same steps drive the assistant and the
peer, whose form asks the same things in the same order (bench/peer/domain.yml).
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import httpx

SAY, CLICK = "say", "click"
TURNS: List[Tuple[str, str]] = [
    (SAY, "hi"),
    (SAY, "I sweat through every shirt"),  # no area named: the areas question comes at the end
    (SAY, "how much does it cost"),
    (SAY, "how long does it last"),
    (SAY, "does it hurt"),
    (SAY, "is it safe"),
    (SAY, "I'd like to book a consultation"),
    (CLICK, "I agree"),
    (CLICK, "Yes, one or more"),   # health conditions: then each of the group's four questions
    (SAY, "no"),
    (SAY, "no"),
    (SAY, "no"),
    (SAY, "no"),
    (CLICK, "None of these"),      # right now
    (CLICK, "None of these"),      # earlier treatments
    (CLICK, "None of these"),      # medicines
    (CLICK, "Underarms"),
    (SAY, "Maria Lopez"),
    (SAY, "818 555 0199"),
    (CLICK, "/choose_slot"),       # the first time offered
]


class StepFailed(Exception):
    """The reply did not offer the button the next step clicks."""


def button_payload(buttons: List[Dict[str, str]], wanted: str) -> str:
    for button in buttons:
        if wanted.lower() in button["title"].lower() or button["payload"].startswith(wanted):
            return button["payload"]
    raise StepFailed(f"no button {wanted!r} among {[b['title'] for b in buttons]}")


def reply_buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [button for message in messages for button in (message.get("buttons") or [])
            if isinstance(button, dict) and "payload" in button and "title" in button]


class Channel:
    """One visitor's way in: `open()` once, then `send(text)` -> the reply's messages."""

    def __init__(self, client: httpx.AsyncClient, base_url: str):
        self.client = client
        self.base_url = base_url

    async def open(self) -> None:
        return None

    async def send(self, text: str) -> List[Dict[str, Any]]:
        raise NotImplementedError


class RestChannel(Channel):
    """Rasa's REST channel (the assistant's, behind RASA_TOKEN, or the peer's): a fresh sender id
    per visitor."""

    def __init__(self, client: httpx.AsyncClient, base_url: str, token: Optional[str] = None):
        super().__init__(client, base_url)
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    async def open(self) -> None:
        self.sender = f"bench-{uuid.uuid4().hex[:12]}"

    async def send(self, text: str) -> List[Dict[str, Any]]:
        response = await self.client.post(f"{self.base_url}/webhooks/rest/webhook", headers=self.headers,
                                          json={"sender": self.sender, "message": text})
        response.raise_for_status()
        return response.json()


class GatewayChannel(Channel):
    """The assistant's visitor gateway, as the widget uses it: a session, then /api/chat."""

    async def open(self) -> None:
        response = await self.client.post(f"{self.base_url}/api/session")
        response.raise_for_status()
        self.headers = {"Authorization": f"Bearer {response.json()['session']}"}

    async def send(self, text: str) -> List[Dict[str, Any]]:
        response = await self.client.post(f"{self.base_url}/api/chat", json={"message": text}, headers=self.headers)
        response.raise_for_status()
        return response.json()["messages"]


@dataclass
class ConversationResult:
    latencies_ms: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)


async def converse(channel: Channel) -> ConversationResult:
    """Drive TURNS through `channel`; a failed turn ends the conversation and is counted as one error
    (the turns after it are not sent: they would time nonsense)."""
    result = ConversationResult()
    buttons: List[Dict[str, str]] = []
    try:
        await channel.open()
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        result.errors.append(f"session: {type(exc).__name__}")
        return result
    for kind, value in TURNS:
        try:
            text = value if kind == SAY else button_payload(buttons, value)
            started = time.perf_counter()
            messages = await channel.send(text)
            elapsed = (time.perf_counter() - started) * 1000
        except StepFailed as exc:
            result.errors.append(str(exc))
            return result
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            result.errors.append(f"{value!r}: {type(exc).__name__} {exc}"[:200])
            return result
        if not messages:
            result.errors.append(f"{value!r}: empty reply")
            return result
        result.latencies_ms.append(elapsed)
        buttons = reply_buttons(messages)
    return result

