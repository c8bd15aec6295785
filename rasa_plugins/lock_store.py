"""Rasa's lock store, chosen by the settings: Rasa's RedisLockStore on LOCK_STORE_URL (default
REDIS_URL) when one is set, so that replicas sharing a tracker store never run two turns of one
conversation at once; otherwise Rasa's in-memory lock store (one Rasa process). endpoints.yml names
this class; Rasa's own `type: redis` cannot be switched off by an unset variable.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

from bot.settings import Settings, load_settings

KEY_PREFIX = "clinic"  # RedisLockStore's keys: "clinic:lock:<conversation id>"


def redis_lock_store(url: str) -> RedisLockStore:
    """RedisLockStore for a redis:// or rediss:// URL (user, password, host, port, /db)."""
    parts = urlsplit(url)
    db = parts.path.strip("/")
    return RedisLockStore(
        host=parts.hostname or "localhost",
        port=parts.port or 6379,
        db=int(db) if db else 1,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=parts.scheme == "rediss",
        key_prefix=KEY_PREFIX,
    )


class SettingsLockStore(LockStore):
    """Delegates to the store the settings choose (see the module docstring)."""

    def __init__(self, endpoint_config: Any = None, settings: Optional[Settings] = None) -> None:
        settings = settings or load_settings()
        url = settings.lock_store_url
        self.store: LockStore = redis_lock_store(url) if url else InMemoryLockStore()
        super().__init__()

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        return self.store.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.store.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.store.save_lock(lock)
