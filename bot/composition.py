"""The composition root: builds the App that every entry point shares; imports services and below.

`build_app(settings)` loads and validates the clinic profile and the wording catalog once,
creates the database engine and the mailer, and returns them as an `App`. The web service, the
CLI, the action server and the Rasa plugins each build one App per process; tests build their
own with test settings.
Nothing else creates engines or reads the profile file.
"""
from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.adapters.db import make_engine, session_scope, utcnow
from bot.adapters.encryption import DataCipher
from bot.adapters.mail import Mailer
from bot.domain.profile import ClinicProfile, load_profile
from bot.domain.wording import Wording, check_language, profile_facts
from bot.settings import Settings, load_settings


@dataclass(frozen=True)
class App:
    settings: Settings
    profile: ClinicProfile
    wording: Wording
    engine: Engine
    mailer: Mailer
    clock: Callable[[], datetime] = field(default=utcnow)

    def unit_of_work(self, for_write: bool = False) -> AbstractContextManager[Session]:
        """A session that commits on success and rolls back on error (see bot.adapters.db)."""
        return session_scope(self.engine, for_write=for_write)

    def now(self) -> datetime:
        return self.clock()

    def close(self) -> None:
        self.engine.dispose()


def build_app(settings: Optional[Settings] = None) -> App:
    settings = settings or load_settings()
    profile = load_profile(settings.clinic_profile)
    language = check_language(settings.clinic_language)
    wording = Wording.load(settings.messages_path, profile_facts(profile), language)
    engine = make_engine(settings.database_url, DataCipher.from_settings(settings))
    return App(settings=settings, profile=profile, wording=wording, engine=engine, mailer=Mailer(settings, profile))


_process_app: Optional[App] = None
_process_lock = threading.Lock()


def process_app() -> App:
    """The App of a process whose framework creates our objects itself (rasa-sdk instantiates the
    actions, Rasa the tracker store and NLU components): built on first use from the settings.
    Code that can be handed an App (tests, the web app, the CLI) is handed one instead."""
    global _process_app
    with _process_lock:
        if _process_app is None:
            _process_app = build_app()
        return _process_app
