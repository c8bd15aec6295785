"""Helpers shared by the tests of every tier: settings for a test database, a service call in a unit
of work, the English wording catalog and a fake clock."""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any, Callable

from sqlalchemy.engine import Engine

from bot.adapters.db import session_scope
from bot.domain.profile import load_profile
from bot.domain.wording import Wording, profile_facts
from bot.settings import PROJECT_ROOT, Settings


def in_uow(engine: Engine, service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run `service(session, *args, **kwargs)` in a unit of work of its own and return its result."""
    with session_scope(engine, for_write=True) as session:
        return service(session, *args, **kwargs)


def settings_for(database_url: str, **overrides) -> Settings:
    """Settings for a test: the given database, the project's profile, fixed secrets, no mail."""
    base = Settings(database_url=database_url, clinic_profile=PROJECT_ROOT / "clinic" / "profile.yml",
                    rasa_url="http://127.0.0.1:9", rasa_port=0, rasa_token="test-token", actions_port=0,
                    web_host="127.0.0.1", web_port=0, secret_key="test-secret")
    return replace(base, **overrides)


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
