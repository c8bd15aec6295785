"""Rasa's SQL tracker store, pointed at DATABASE_URL from bot.settings, with the events encrypted.

Transcripts then live in the same database as the intakes (SQLite file by default, PostgreSQL
when DATABASE_URL says so) and survive restarts. endpoints.yml names this class.
SQLTrackerStore accepts a complete SQLAlchemy URL in `host`, which carries every part at once.

Each event's serialised JSON is stored encrypted (bot.adapters.encryption, the keys of DATA_KEYS);
the intent and action name columns, which repeat what the event says, are left empty. When a
turn records a declined consent, the visitor's words so far are taken out of the stored events
(bot.adapters.tracker_events): the assistant has just said it keeps no health information.
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.ext.declarative import declarative_base

from bot.adapters.encryption import DataCipher, EncryptedText, attach_cipher
from bot.adapters.tracker_events import withhold_visitor_words
from bot.domain.statuses import Consent
from bot.settings import Settings, load_settings

_CONNECTION_KEYS = ("dialect", "host", "port", "db", "username", "password", "login_db", "query")


class SettingsSQLTrackerStore(SQLTrackerStore):
    Base = declarative_base()

    class SQLEvent(Base):
        """Rasa's events table, its `data` encrypted."""

        __tablename__ = "events"
        id = sa.Column(sa.Integer, primary_key=True)
        sender_id = sa.Column(sa.String(255), nullable=False, index=True)
        type_name = sa.Column(sa.String(255), nullable=False)
        timestamp = sa.Column(sa.Float)
        intent_name = sa.Column(sa.String(255))
        action_name = sa.Column(sa.String(255))
        data = sa.Column(EncryptedText)

    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        settings: Optional[Settings] = None,
        **kwargs: Any,
    ) -> None:
        settings = settings or load_settings()
        cipher = DataCipher.from_settings(settings)
        for key in _CONNECTION_KEYS:
            kwargs.pop(key, None)
        super().__init__(domain=domain, host=settings.database_url, event_broker=event_broker, **kwargs)
        # Rasa builds its engine without it: an error would print the serialised events it bound.
        self.engine.hide_parameters = True
        attach_cipher(self.engine, cipher)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        if consent_declined_this_turn(tracker):
            with self.session_scope() as session:
                withhold_visitor_words(session, tracker.sender_id)
                session.commit()


@sa.event.listens_for(SettingsSQLTrackerStore.SQLEvent, "before_insert")
def _without_names(_mapper, _connection, event: SettingsSQLTrackerStore.SQLEvent) -> None:
    event.intent_name = event.action_name = None


def consent_declined_this_turn(tracker: DialogueStateTracker) -> bool:
    """Whether the events since the visitor's last message set the consent slot to declined."""
    for event in reversed(tracker.events):
        if event.type_name == "user":
            return False
        if event.type_name == "slot" and event.key == "consent" and event.value == Consent.DECLINED.value:
            return True
    return False
