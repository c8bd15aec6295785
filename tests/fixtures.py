"""The database fixtures: a freshly migrated database per test, on SQLite and on PostgreSQL, and
the App over it. tests/integration/conftest.py and tests/e2e/conftest.py re-export them; the unit
tests never see them.

PostgreSQL runs on this machine (127.0.0.1:5432, database `test`, trust auth; override with
TEST_POSTGRES_URL). Each test gets its own schema, so tests and parallel runs never share rows.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.adapters.db import make_engine
from bot.adapters.migrate import upgrade
from bot.composition import build_app
from tests.support import fixed_cipher, settings_for

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path):
    """A migrated, empty database URL: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'clinic.db'}"
        upgrade(url)
        yield url
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = _postgres_schema_url(schema)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(database_url):
    eng = make_engine(database_url, fixed_cipher())
    yield eng
    eng.dispose()


@pytest.fixture
def app(database_url):
    """The App (bot.composition) over the test database, as handed to the actions."""
    built = build_app(settings_for(database_url))
    yield built
    built.close()


@pytest.fixture
def db(app):
    """The test database's engine (the App's)."""
    return app.engine

