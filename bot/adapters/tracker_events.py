"""Rasa's tracker events as stored by the project's tracker store (rasa_plugins/tracker_store.py):
table `events`, one row per event, its serialised JSON encrypted in `data` (EncryptedText).

Read and changed here with SQLAlchemy Core, never with Rasa: the staff transcript reads them,
erasure and retention delete them, and a declined consent takes the visitor's words out of them.
The table may be missing until the first conversation creates it.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Iterable, Optional

from sqlalchemy import Float, Integer, String, column, delete, func, inspect, select, table, update
from sqlalchemy.orm import Session

from bot.adapters.encryption import EncryptedText

EVENTS_TABLE = "events"

# The columns of the tracker store's events that are read or changed here.
events = table(
    EVENTS_TABLE,
    column("id", Integer),
    column("sender_id", String),
    column("type_name", String),
    column("timestamp", Float),
    column("data", EncryptedText()),
)

# Slots whose values hold the visitor's health answers: emptied with the words when consent is declined.
HEALTH_SLOTS = ("screening_answers",)


def events_table_exists(session: Session) -> bool:
    """Whether Rasa has created its `events` table in this database (in the search path)."""
    return inspect(session.connection()).has_table(EVENTS_TABLE)


def count_events(session: Session, sender_ids: Iterable[str]) -> int:
    senders = list(sender_ids)
    if not senders or not events_table_exists(session):
        return 0
    return sum(session.scalar(select(func.count()).select_from(events)
                              .where(events.c.sender_id.in_(senders[start:start + 500]))) or 0
               for start in range(0, len(senders), 500))


def delete_conversations(session: Session, sender_ids: Iterable[str]) -> int:
    """Remove every event of these conversations; the number of events removed."""
    senders = list(sender_ids)
    if not senders or not events_table_exists(session):
        return 0
    removed = 0
    for start in range(0, len(senders), 500):  # bounded IN lists
        removed += session.execute(delete(events).where(events.c.sender_id.in_(senders[start:start + 500]))).rowcount
    return removed


def last_activity(session: Session) -> Dict[str, float]:
    """Each conversation's latest event time (a Unix timestamp)."""
    if not events_table_exists(session):
        return {}
    rows = session.execute(select(events.c.sender_id, func.max(events.c.timestamp)).group_by(events.c.sender_id))
    return {sender: stamp or 0.0 for sender, stamp in rows}


def withheld(event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The event without the visitor's words, or None when it holds none. A `user` event keeps its
    intent and entity names (the dialogue policies read those), not its text, values or metadata."""
    kind = event.get("event")
    if kind == "user":
        parse = event.get("parse_data") or {}
        entities = [{key: entity[key] for key in ("entity", "role", "group") if key in entity}
                    for entity in parse.get("entities") or [] if isinstance(entity, dict)]
        kept = {"intent": parse.get("intent"), "entities": entities}
        return {**event, "text": None, "parse_data": kept, "metadata": {}}
    if kind == "slot" and event.get("name") in HEALTH_SLOTS and event.get("value") is not None:
        return {**event, "value": None}
    return None


def withhold_visitor_words(session: Session, sender_id: str) -> int:
    """Take the visitor's words (and health answers) out of every stored event of a conversation;
    the number of events changed. The rows stay, so Rasa's count of stored events stays right."""
    if not events_table_exists(session):
        return 0
    changed = 0
    rows = session.execute(select(events.c.id, events.c.data).where(
        events.c.sender_id == sender_id, events.c.type_name.in_(("user", "slot"))))
    for event_id, data in rows.all():
        redacted = withheld(_load(data))
        if redacted is not None:
            session.execute(update(events).where(events.c.id == event_id).values(data=json.dumps(redacted)))
            changed += 1
    return changed


def _load(raw: Optional[str]) -> Dict[str, Any]:
    try:
        data = json.loads(raw) if raw else {}
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
