"""Files the project writes are the owner's only (issue #11 point 1's file modes): the SQLite
database (and its journal) 0600 in a 0700 folder, var/*.secret likewise, exports 0600 in folders
created 0700; even under a permissive umask."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

import bot.ops.secrets as dev_secrets
import bot.settings
from bot.adapters.db import make_engine, session_scope
from bot.adapters.migrate import upgrade
from bot.cli import main
from bot.ops.secrets import ensure_dev_secrets
from tests.integration.test_cli import cli_env, seed  # noqa: F401  (the CLI's fixture)
from tests.support import settings_for


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask():
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def test_a_new_sqlite_database_is_private(tmp_path):
    database = tmp_path / "new" / "deeper" / "clinic.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    engine = make_engine(url)
    with session_scope(engine, for_write=True) as session:
        session.execute(text("CREATE TABLE scratch (a TEXT)"))
        session.execute(text("INSERT INTO scratch VALUES ('x')"))
    engine.dispose()
    assert mode(database) == 0o600
    assert mode(database.parent) == 0o700 and mode(database.parent.parent) == 0o700
    assert all(mode(path) == 0o600 for path in database.parent.iterdir())  # journal files too


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    database = tmp_path / "clinic.db"
    database.write_bytes(b"")
    database.chmod(0o644)
    tmp_path.chmod(0o755)
    make_engine(f"sqlite:///{database}").dispose()
    assert mode(database) == 0o600
    assert mode(tmp_path) == 0o755  # a folder that is not ours keeps its mode


def test_development_secrets_are_private(tmp_path, monkeypatch):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    monkeypatch.setattr(bot.settings, "VAR_DIR", var)
    monkeypatch.setattr(dev_secrets, "VAR_DIR", var)
    settings = ensure_dev_secrets(settings_for("sqlite://", rasa_token=None, secret_key=None, actions_token=None))
    assert settings.rasa_token and settings.secret_key and settings.actions_token
    assert mode(var) == 0o700  # var/ is ours: tightened
    files = sorted(var.iterdir())
    assert [p.name for p in files] == ["actions_token.secret", "rasa_token.secret", "secret_key.secret"]
    assert all(mode(p) == 0o600 for p in files)


def test_exports_are_private(cli_env, engine, tmp_path, capsys):  # noqa: F811
    seed(engine)
    csv_path, fhir_dir = tmp_path / "out" / "intakes.csv", tmp_path / "fhir"
    assert main(["export", "--csv", str(csv_path), "--fhir", str(fhir_dir)]) == 0
    assert mode(csv_path) == 0o600 and mode(csv_path.parent) == 0o700
    assert mode(fhir_dir) == 0o700
    bundles = list(fhir_dir.iterdir())
    assert bundles and all(mode(p) == 0o600 for p in bundles)
