"""Transcripts read back from events written by the project's tracker store (Rasa's SQLTrackerStore,
its events encrypted), on both databases."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from bot.adapters.db import session_scope
from bot.adapters.transcripts import events_table_exists, transcript
from tests.support import tracker_store

T0 = datetime(2025, 3, 4, 17, 0, 0, tzinfo=timezone.utc).timestamp()
BUTTONS = [
    {"title": "Book a consultation", "payload": "/book"},
    {"title": "Ask a question", "payload": "/ask"},
]




def save_conversation(database_url: str, sender_id: str, events) -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    store = tracker_store(database_url)
    try:
        asyncio.run(store.save(DialogueStateTracker.from_events(sender_id, events)))
    finally:
        store.engine.dispose()


def sample_events(offset: float = 0.0):
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        SlotSet,
        UserUttered,
    )

    return [
        ActionExecuted("action_session_start", timestamp=T0 + offset),
        SessionStarted(timestamp=T0 + offset + 0.1),
        ActionExecuted("action_listen", timestamp=T0 + offset + 0.2),
        UserUttered("hi, I sweat a lot", intent={"name": "greet", "confidence": 1.0},
                    timestamp=T0 + offset + 1),
        SlotSet("concern", "sweating", timestamp=T0 + offset + 1.5),
        BotUttered("Hello! How can I help?", data={"buttons": BUTTONS}, timestamp=T0 + offset + 2),
        ActionExecuted("action_listen", timestamp=T0 + offset + 2.5),
        UserUttered("/book", intent={"name": "book", "confidence": 1.0}, timestamp=T0 + offset + 5),
        BotUttered("Which day suits you?", timestamp=T0 + offset + 6),
        UserUttered("/unknown_payload", timestamp=T0 + offset + 7),
    ]


def test_no_events_table_gives_empty_transcript(engine):
    with session_scope(engine) as session:
        assert not events_table_exists(session)
        assert transcript(session, "anyone") == []


def test_transcript_of_rasa_events(database_url, engine):
    save_conversation(database_url, "conv-1", sample_events())
    from rasa.shared.core.events import UserUttered

    save_conversation(database_url, "conv-2", [UserUttered("someone else", timestamp=T0 + 3)])
    with session_scope(engine) as session:
        assert events_table_exists(session)
        entries = transcript(session, "conv-1")
        assert transcript(session, "nobody") == []
        other = transcript(session, "conv-2")

    assert [(e["role"], e["text"]) for e in entries] == [
        ("visitor", "hi, I sweat a lot"),
        ("assistant", "Hello! How can I help?"),
        ("visitor", "Book a consultation"),  # the clicked button's title, not its payload
        ("assistant", "Which day suits you?"),
        ("visitor", "/unknown_payload"),  # no button matches: shown as typed
    ]
    assert entries[1]["buttons"] == BUTTONS
    assert [e["buttons"] for e in entries if e is not entries[1]] == [[], [], [], []]
    for entry in entries:
        assert entry["time"].tzinfo is not None
        assert entry["time"].utcoffset().total_seconds() == 0
    assert entries[0]["time"] == datetime(2025, 3, 4, 17, 0, 1, tzinfo=timezone.utc)
    assert entries[3]["time"] == datetime(2025, 3, 4, 17, 0, 6, tzinfo=timezone.utc)
    assert [(e["role"], e["text"]) for e in other] == [("visitor", "someone else")]


def test_later_turns_append_in_order(database_url, engine):
    """As Rasa does on the next message: retrieve the tracker, add events, save again."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, UserUttered

    save_conversation(database_url, "conv-3", sample_events())
    store = tracker_store(database_url, domain=Domain.empty())
    try:
        tracker = asyncio.run(store.retrieve("conv-3"))
        tracker.update(UserUttered("thanks", timestamp=T0 + 60))
        tracker.update(BotUttered("Bye!", timestamp=T0 + 61))
        asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()
    with session_scope(engine) as session:
        entries = transcript(session, "conv-3")
    assert [e["text"] for e in entries][-3:] == ["/unknown_payload", "thanks", "Bye!"]
    assert len(entries) == 7
    times = [e["time"] for e in entries]
    assert times == sorted(times)


@pytest.mark.parametrize("raw", ["not json", None, "[1, 2]"])
def test_unreadable_event_data_is_skipped(database_url, engine, raw):
    from sqlalchemy import insert

    from bot.adapters.transcripts import events

    save_conversation(database_url, "conv-4", sample_events()[:4])
    with session_scope(engine) as session:
        session.execute(
            insert(events).values(sender_id="conv-4", type_name="user", timestamp=T0 + 9, data=raw)
        )
    with session_scope(engine) as session:
        entries = transcript(session, "conv-4")
    assert [e["text"] for e in entries] == ["hi, I sweat a lot"]
