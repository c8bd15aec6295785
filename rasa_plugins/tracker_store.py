"""Rasa's SQL tracker store, pointed at DATABASE_URL from bot.settings.

Transcripts then live in the same database as the intakes (SQLite file by default, PostgreSQL
when DATABASE_URL says so) and survive restarts. endpoints.yml names this class.
SQLTrackerStore accepts a complete SQLAlchemy URL in `host`, which carries every part at once.
"""
from __future__ import annotations

from typing import Any, Optional

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from bot.settings import load_settings

_CONNECTION_KEYS = ("dialect", "host", "port", "db", "username", "password", "login_db", "query")


class SettingsSQLTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Optional[Domain] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        for key in _CONNECTION_KEYS:
            kwargs.pop(key, None)
        super().__init__(
            domain=domain,
            host=load_settings().database_url,
            event_broker=event_broker,
            **kwargs,
        )
        # Rasa builds its engine without it: an error would print the serialised events it bound.
        self.engine.hide_parameters = True
