"""A conversation's transcript, read from Rasa's SQL tracker store (table `events`, decrypted by
bot.adapters.tracker_events).

Rasa keeps every tracker event in the same database as the intake store (endpoints.yml points
its SQLTrackerStore at DATABASE_URL). Only what was said is read back: `user` events are the
visitor's words, `bot` events the assistant's replies with any buttons offered. Everything else
(actions, slots, session starts...) is left out. The table is read with SQLAlchemy Core, never
with Rasa, and may be missing altogether until the first conversation creates it.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.rasa_events import CORE_FALLBACK_ACTION, conversation_turns
from bot.adapters.tracker_events import events, events_table_exists

logger = logging.getLogger(__name__)


def transcript(session: Session, conversation_id: str) -> list[dict[str, Any]]:
    """What the visitor and the assistant said in one conversation, oldest first.

    Each entry is `{"role": "visitor" | "assistant", "text": str, "time": aware UTC datetime,
    "buttons": [{"title": ..., "payload": ...}, ...]}` (buttons only ever on assistant entries).
    A button the visitor clicked arrives as its payload (e.g. `/affirm`); it is shown as the
    button's title, which is what the visitor saw and chose (bot.adapters.rasa_events).
    """
    if not events_table_exists(session):
        return []
    rows = session.execute(
        select(events.c.type_name, events.c.timestamp, events.c.data)
        .where(events.c.sender_id == conversation_id, events.c.type_name.in_(("user", "bot")))
        .order_by(events.c.id)
    )
    said: list[dict[str, Any]] = []
    for type_name, timestamp, raw in rows:
        data = _load(raw)
        said.append({**data, "event": type_name,
                       "timestamp": timestamp if timestamp is not None else data.get("timestamp")})
    return conversation_turns(said)


def _load(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (TypeError, ValueError):
        logger.warning("unreadable tracker event data skipped")
        return {}
    return data if isinstance(data, dict) else {}


# Intents and actions that mean the assistant did not understand the visitor's message
# (config.yml's FallbackClassifier and core fallback; out_of_scope: asked what it cannot answer).
FALLBACK_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
FALLBACK_ACTION = CORE_FALLBACK_ACTION


def conversation_starts(session: Session, since: datetime) -> dict[str, datetime]:
    """Each conversation in which the visitor said something since `since`: its first message's
    time (aware UTC)."""
    if not events_table_exists(session):
        return {}
    rows = session.execute(
        select(events.c.sender_id, func.min(events.c.timestamp))
        .where(events.c.type_name == "user")
        .group_by(events.c.sender_id)
        .having(func.min(events.c.timestamp) >= since.timestamp())
    )
    return {sender: datetime.fromtimestamp(first, tz=timezone.utc) for sender, first in rows if first is not None}


def fallback_messages(session: Session, since: datetime) -> list[str]:
    """What visitors typed, since `since`, that the assistant fell back on: classified as a
    fallback intent, or answered by the fallback action. Button payloads are not counted."""
    if not events_table_exists(session):
        return []
    rows = session.execute(
        select(events.c.sender_id, events.c.type_name, events.c.data)
        .where(events.c.type_name.in_(("user", "action")), events.c.timestamp >= since.timestamp())
        .order_by(events.c.sender_id, events.c.id)
    )
    found: list[str] = []
    last_text: dict[str, str | None] = {}
    for sender, type_name, raw in rows:
        data = _load(raw)
        if type_name == "user":
            text = data.get("text") if isinstance(data.get("text"), str) else None
            if text and text.startswith("/"):
                text = None
            intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name")
            if text and intent in FALLBACK_INTENTS:
                found.append(text)
                text = None  # counted once
            last_text[sender] = text
        elif data.get("name") == FALLBACK_ACTION and last_text.get(sender):
            found.append(last_text[sender] or "")
            last_text[sender] = None
    return found
