"""The composition root: builds the App that every entry point shares; imports services and below.

`build_app(settings)` loads and validates the clinic profile and the wording catalog once,
creates the database engine, and returns them as an `App`; `deliver_outbox(app)` sends the mail
the services queued. The web service, the
CLI, the action server and the Rasa plugins each build one App per process; tests build their
own with test settings.
Nothing else creates engines or reads the profile file.
"""
from __future__ import annotations

import logging
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Optional, Sequence, TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.adapters.db import make_engine, run_unit_of_work, session_scope, utcnow
from bot.adapters.encryption import DataCipher
from bot.adapters.mail import send_draft
from bot.domain.profile import ClinicProfile, load_profile
from bot.domain.wording import Wording, check_language, profile_facts
from bot.services.outbox import MailContext, claim_due, queue_due_reminders, record_attempt
from bot.settings import Settings, load_settings

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class App:
    settings: Settings
    profile: ClinicProfile
    wording: Wording
    engine: Engine
    clock: Callable[[], datetime] = field(default=utcnow)

    def unit_of_work(self, for_write: bool = False) -> AbstractContextManager[Session]:
        """A session that commits on success and rolls back on error (see bot.adapters.db)."""
        return session_scope(self.engine, for_write=for_write)

    def transaction(self, work: Callable[[Session], T], for_write: bool = True) -> T:
        """`work(session)` in a unit of work, tried again while the database is unreachable for a
        few seconds (bot.adapters.db.run_unit_of_work); what the actions save goes through here."""
        return run_unit_of_work(self.engine, work, for_write=for_write)

    def now(self) -> datetime:
        return self.clock()

    def mail_context(self) -> MailContext:
        """What the outbox services need to write a message now."""
        return MailContext(self.settings, self.profile, self.wording, self.now())

    def close(self) -> None:
        self.engine.dispose()


def build_app(settings: Optional[Settings] = None) -> App:
    settings = settings or load_settings()
    profile = load_profile(settings.clinic_profile)
    language = check_language(settings.clinic_language)
    wording = Wording.load(settings.messages_path, profile_facts(profile), language)
    engine = make_engine(settings.database_url, DataCipher.from_settings(settings))
    return App(settings=settings, profile=profile, wording=wording, engine=engine)


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int  # attempts that failed (retried later, or given up after the last)


def deliver_outbox(app: App, ids: Optional[Sequence[int]] = None) -> Delivery:
    """One pass of the outbox sender: queue the reminders now due (unless only `ids` are to go),
    claim due messages, send each outside any transaction, record each outcome in its own unit
    of work. Safe to run in several processes at once (claims are exclusive)."""
    with app.unit_of_work(for_write=True) as session:
        if ids is None:
            queue_due_reminders(session, app.mail_context())
        batch = claim_due(session, app.now(), ids)
    sent = failed = 0
    for mail in batch:
        try:
            send_draft(app.settings, app.profile, mail.recipient, mail.draft)
            error = None
            sent += 1
        except Exception as exc:  # refused, unreachable, or a message that cannot be built: retried
            logger.warning("outbox %s: could not send %r: %s", mail.id, mail.draft.subject, exc)
            error = f"{type(exc).__name__}: {exc}"
            failed += 1
        with app.unit_of_work(for_write=True) as session:
            record_attempt(session, mail.id, app.now(), error, app.settings.outbox_max_attempts)
    return Delivery(sent, failed)


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
