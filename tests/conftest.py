"""Shared fixtures: a freshly migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL runs on this machine (127.0.0.1:5432, database `test`, trust auth; override with
TEST_POSTGRES_URL). Each test gets its own schema, so tests and parallel runs never share rows.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from actions import common
from bot.adapters.db import make_engine
from bot.adapters.migrate import upgrade
from bot.domain.profile import load_profile
from bot.settings import PROJECT_ROOT

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
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def profile():
    return load_profile(PROJECT_ROOT / "clinic" / "profile.yml")


@pytest.fixture
def db(database_url, monkeypatch):
    """Point the actions (actions.common.settings, cached) at the test database; yields its engine."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RASA_TOKEN", "test-token")
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    for name in ("SMTP_HOST", "CLINIC_NOTIFY_EMAIL", "CLINIC_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    common.settings.cache_clear()
    assert common.settings().database_url == database_url
    engine = common.engine()
    yield engine
    engine.dispose()
    common.settings.cache_clear()


from tests.stack import stack  # noqa: E402,F401  (the running assistant, for end-to-end tests)
