"""Helpers shared by the tests of every tier: settings for a test database, a service call in a unit
of work, the English wording catalog and a fake clock."""
from __future__ import annotations

import warnings
from dataclasses import replace
from functools import lru_cache
from typing import Any, Callable

from sqlalchemy.engine import Engine

from bot.adapters.db import session_scope
from bot.adapters.encryption import DataCipher
from bot.domain.profile import load_profile
from bot.domain.wording import Wording, profile_facts
from bot.settings import PROJECT_ROOT, Settings


def in_uow(engine: Engine, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run `service(session, *args, **kwargs)` in a unit of work of its own and return its result."""
    with session_scope(engine, for_write=True) as session:
        return service(session, *args, **kwargs)


# Fixed keys for the tests' encrypted columns (never used outside the tests).
TEST_DATA_KEYS = ("vjEjCYOAqXAP3JHhjEeb6rMWAqaBcOcsgakmXXqMA5w=",)
TEST_LOOKUP_KEY = "test-lookup-key"
TEST_KEYS = {"data_keys": TEST_DATA_KEYS, "lookup_key": TEST_LOOKUP_KEY}
TEST_KEY_ENV = {"DATA_KEYS": ",".join(TEST_DATA_KEYS), "LOOKUP_KEY": TEST_LOOKUP_KEY}  # for a process


def fixed_cipher() -> DataCipher:
    """The cipher of the tests' fixed keys (the stack and the test settings use them)."""
    return DataCipher(TEST_DATA_KEYS, TEST_LOOKUP_KEY)


def settings_for(database_url: str, **overrides) -> Settings:
    """Settings for a test: the given database, the project's profile, fixed secrets, no mail."""
    base = Settings(database_url=database_url, clinic_profile=PROJECT_ROOT / "clinic" / "profile.yml",
                    rasa_url="http://127.0.0.1:9", rasa_port=0, rasa_token="test-token", actions_port=0,
                    web_host="127.0.0.1", web_port=0, secret_key="test-secret", **TEST_KEYS)
    return replace(base, **overrides)


def tracker_store(database_url: str, domain=None):
    """The project's tracker store (Rasa's SQLTrackerStore, its events encrypted with the test keys)
    on a test database. Rasa is imported here, when called, so the unit tier never loads it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rasa_plugins.tracker_store import SettingsSQLTrackerStore

        return SettingsSQLTrackerStore(domain=domain, settings=settings_for(database_url))


@lru_cache(maxsize=1)
def english() -> Wording:
    """The English wording catalog, for tests that read what the assistant says."""
    return Wording.load(PROJECT_ROOT / "clinic" / "messages.en.yml",
                        profile_facts(load_profile(PROJECT_ROOT / "clinic" / "profile.yml")))


class FakeClock:
    """A clock that stands still until a test moves it: `clock.now = 60.2`."""

    def __init__(self, start: float = 1_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now
