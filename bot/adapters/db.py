"""Engine and session factory. Callers open a session per unit of work and close it when done:

    with session_scope(engine) as session:
        ...

There is no module-level session; an engine is cheap to share and is created from settings.
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import DateTime, String, TypeDecorator

from bot.adapters.encryption import DataCipher, attach_cipher
from bot.adapters.private_files import private_dir, private_file
from bot.settings import VAR_DIR


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored in UTC; naive values are refused, values read are UTC-aware.

    PostgreSQL keeps the zone (timestamptz); SQLite has none, so the value is stored as UTC and the
    zone is restored when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give times with a zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Optional[datetime], dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class StrEnumType(TypeDecorator):
    """A column of one of bot.domain.statuses' enums, stored as its plain text value (no schema
    change, no database enum type); values read come back as members of the enum."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class, length: int = 32):
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value, dialect):
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value, dialect):
        return None if value is None else self.enum_class(value)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _private_sqlite_file(database_url: str) -> None:
    """The SQLite file 0600 in a 0700 folder (it holds health data), created before SQLite would
    create it with the umask's mode; SQLite gives its journal the file's mode. var/, the default
    folder, is tightened when it exists already; another existing folder keeps its mode."""
    path = make_url(database_url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        file = Path(path).resolve()
        private_dir(file.parent, tighten=file.parent == VAR_DIR.resolve())
        private_file(file)


def make_engine(database_url: str, cipher: Optional[DataCipher] = None) -> Engine:
    """An engine; with `cipher`, one that can store and read the encrypted columns."""
    if database_url.startswith("sqlite"):
        _private_sqlite_file(database_url)
    # hide_parameters: an error message never carries the bound values (names, phones, answers).
    engine = create_engine(database_url, future=True, pool_pre_ping=True, hide_parameters=True)
    if engine.dialect.name == "sqlite":

        # pysqlite starts transactions late and commits on its own, which breaks SAVEPOINTs (a
        # released savepoint would commit the unit of work so far). Let SQLAlchemy own the
        # transaction (the SQLAlchemy docs' pysqlite recipe). A unit of work opened with
        # `for_write=True` begins IMMEDIATE: it takes the write lock at once, so two writers wait
        # for each other (busy_timeout) instead of failing when both try to upgrade a read lock.
        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.execute("PRAGMA secure_delete=ON")  # deleted or rewritten rows leave no bytes behind
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # pragma: no cover - driver hook
            immediate = connection.get_execution_options().get(WRITE_OPTION)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if cipher is not None:
        attach_cipher(engine, cipher)
    return engine


WRITE_OPTION = "clinic_for_write"


@contextmanager
def session_scope(engine: Engine, for_write: bool = False) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error, always close. `for_write` marks a
    unit of work that will write (SQLite then locks for writing at its start)."""
    bind = engine.execution_options(**{WRITE_OPTION: True}) if for_write else engine
    session = sessionmaker(bind=bind, future=True, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


log = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0)  # seconds: a unit of work is tried for about 8 s in all


def unreachable(exc: BaseException) -> bool:
    """Whether a database error means the database could not be reached (a refused or dropped
    connection, a server restarting, SQLite's file locked): the same work may succeed later."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, InterfaceError))


def run_unit_of_work(engine: Engine, work: Callable[[Session], T], *, for_write: bool = False,
                     pauses: Sequence[float] = RETRY_PAUSES, sleep: Callable[[float], None] = time.sleep) -> T:
    """`work(session)` in a unit of work (session_scope); when the database cannot be reached, the
    whole unit is rolled back and run again after each pause in turn. `work` must be safe to run
    twice: a commit whose answer was lost may have landed (the services make such writes
    idempotent, and constraints stop duplicates)."""
    for pause in pauses:
        try:
            with session_scope(engine, for_write=for_write) as session:
                return work(session)
        except DBAPIError as exc:
            if not unreachable(exc):
                raise
            log.warning("database unreachable (%s); trying the unit of work again in %.1f s",
                        type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__, pause)
            sleep(pause)
    with session_scope(engine, for_write=for_write) as session:  # the last try: its error is raised
        return work(session)
