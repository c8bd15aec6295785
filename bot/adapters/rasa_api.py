"""Talking to Rasa on 127.0.0.1: the REST channel (messages) and the HTTP API (a tracker's events).

Only the gateway calls this; visitors never reach Rasa. Every failure to get a usable answer
(refused connection, timeout, non-2xx status, a body of the wrong shape) is RasaUnavailable, which
the gateway turns into a friendly 503. Visitor text is never logged here.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Optional

import httpx

from bot.adapters.rasa_events import conversation_turns, is_alert, reply_buttons

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 5.0
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=CONNECT_TIMEOUT_SECONDS)
INTENT_PREFIX = "/"
KEEPALIVE_SECONDS = 2.0
POOL_LIMITS = httpx.Limits(max_connections=200, max_keepalive_connections=50, keepalive_expiry=KEEPALIVE_SECONDS)


class RasaUnavailable(Exception):
    """Rasa could not be reached or gave an unusable answer."""


class RasaClient:
    """The one way to Rasa: one pooled HTTP client per event loop, so turns reuse connections.

    Idle connections are dropped after KEEPALIVE_SECONDS, before Rasa's server (Sanic, 5 s keep-alive)
    closes them, so a message is never sent on a connection the server is closing. A second event
    loop (the tests' TestClient runs one per test) gets a client of its own.
    """

    def __init__(self, base_url: str, token: str, timeout: httpx.Timeout = DEFAULT_TIMEOUT):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop or self._client.is_closed:
            self._client = httpx.AsyncClient(timeout=self.timeout, limits=POOL_LIMITS)
            self._loop = loop
        return self._client

    async def aclose(self) -> None:
        """Close the pooled connections (the web service's shutdown)."""
        if self._client is not None and self._loop is asyncio.get_running_loop():
            await self._client.aclose()
        self._client = None

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http().request(method, f"{self.base_url}{path}", **kwargs)
        except httpx.HTTPError as exc:
            log.warning("rasa %s %s failed: %s", method, path.split("?")[0], type(exc).__name__)
            raise RasaUnavailable(type(exc).__name__) from exc
        if response.status_code // 100 != 2:
            log.warning("rasa %s answered HTTP %s", path.split("/")[1], response.status_code)
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise RasaUnavailable("response is not JSON") from exc

    async def send(self, conversation_id: str, text: str,
                   metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        """Post a visitor message (and the gateway's metadata for the actions, if any) to the REST
        channel; Rasa's raw replies."""
        message: Dict[str, Any] = {"sender": conversation_id, "message": text}
        if metadata:
            message["metadata"] = metadata
        body = await self._request(
            "POST", "/webhooks/rest/webhook", json=message,
            headers={"Authorization": f"Bearer {self.token}"},  # the channel's token, never in the URL
        )
        if not isinstance(body, list):
            raise RasaUnavailable("REST channel answer is not a list")
        return [item for item in body if isinstance(item, dict)]

    async def events(self, conversation_id: str) -> List[Dict[str, Any]]:
        """Every event of the conversation (all sessions, including rewound turns the visitor saw).
        Rasa's HTTP API takes its token only as a query parameter: this URL is never logged here,
        and bot.adapters.log_redaction removes the token from any library's log line."""
        body = await self._request(
            "GET",
            f"/conversations/{conversation_id}/tracker",
            params={"token": self.token, "include_events": "ALL"},
        )
        if not isinstance(body, dict):
            raise RasaUnavailable("tracker is not an object")
        events = body.get("events") or []
        if not isinstance(events, list):
            raise RasaUnavailable("tracker events are not a list")
        return [event for event in events if isinstance(event, dict)]


    async def trigger_intent(self, conversation_id: str, intent: str) -> List[Dict[str, Any]]:
        """Run the assistant as if the visitor had said `intent` (the live takeover starts the
        callback form this way); its raw replies, as the REST channel gives them."""
        body = await self._request(
            "POST", f"/conversations/{conversation_id}/trigger_intent",
            params={"token": self.token, "output_channel": "collector"}, json={"name": intent, "entities": {}},
        )
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list):
            raise RasaUnavailable("trigger_intent answer has no messages")
        return [item for item in messages if isinstance(item, dict)]


def _append(items: List[Dict[str, Any]], text: Any, buttons: List[Dict[str, str]], **extra: Any) -> None:
    """Add one message; buttons without text join the previous message (or an empty-text one)."""
    has_text = isinstance(text, str) and text.strip() != ""
    if has_text:
        items.append({"text": text, "buttons": buttons, **extra})
    elif buttons:
        if items and items[-1].get("role") != "visitor":
            items[-1]["buttons"] = items[-1]["buttons"] + buttons
        else:
            items.append({"text": "", "buttons": buttons, **extra})


def normalise_replies(replies: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rasa REST replies -> [{"text", "buttons"}]: one item per text message; images, custom
    payloads and other non-text parts are dropped.

    An alert (bot.adapters.rasa_events.is_alert) is a custom payload that the REST channel sends as
    an item of its own right after its message's text: that text's item gets `"alert": True`.
    """
    items: List[Dict[str, Any]] = []
    latest = None  # the item the previous reply became, which an alert payload marks
    for reply in replies:
        count = len(items)
        _append(items, reply.get("text"), reply_buttons(reply.get("buttons")))
        alert = is_alert(reply.get("custom"))
        if len(items) > count:
            latest = items[-1]
        elif not alert:
            latest = None
        if alert and latest is not None:
            latest["alert"] = True
            latest = None
    return items


def history_from_events(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Tracker events -> the transcript the visitor saw: [{"role", "text", "buttons", "time"}],
    times as ISO 8601 text (see bot.adapters.rasa_events.conversation_turns)."""
    return [{**turn, "time": turn["time"].isoformat() if turn["time"] else None}
            for turn in conversation_turns(events)]
