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
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.rasa_events import conversation_turns
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
