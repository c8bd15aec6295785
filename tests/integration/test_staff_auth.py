"""Staff accounts: argon2 hashing, `python -m bot staff add-user`, sign-in and lock-out
(on SQLite and PostgreSQL via the `database_url` fixture)."""
from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.adapters.db import session_scope, utcnow
from bot.adapters.models import AuditEntry, StaffUser
from bot.cli import main
from bot.domain.passwords import MIN_PASSWORD_LENGTH
from bot.domain.statuses import StaffRole
from bot.services.staff_accounts import (
    PasswordPolicyError,
    UserExists,
    add_user,
    authenticate,
    verify_password,
)
from bot.settings import PROJECT_ROOT
from tests.support import TEST_KEY_ENV

PASSWORD = "correct horse battery"


def _user(engine, email: str) -> StaffUser:
    with session_scope(engine) as session:
        return session.execute(select(StaffUser).where(StaffUser.email == email)).scalar_one()


def test_add_user_refuses_short_password_and_duplicates(engine):
    with session_scope(engine) as session:
        with pytest.raises(PasswordPolicyError, match=f"at least {MIN_PASSWORD_LENGTH}"):
            add_user(session, "a@clinic.example", "x" * (MIN_PASSWORD_LENGTH - 1))
        with pytest.raises(PasswordPolicyError, match="too common"):
            add_user(session, "a@clinic.example", "Password1234")
        with pytest.raises(PasswordPolicyError, match="e-mail address's name"):
            add_user(session, "frontdesk@clinic.example", "my frontdesk secret 42")
        user = add_user(session, " A@Clinic.Example ", PASSWORD, role=StaffRole.ADMIN)
        assert user.email == "a@clinic.example" and user.is_admin
    with session_scope(engine) as session, pytest.raises(UserExists):
        add_user(session, "a@CLINIC.example", PASSWORD)


def test_right_and_wrong_password(engine):
    with session_scope(engine) as session:
        add_user(session, "nurse@clinic.example", PASSWORD)
    with session_scope(engine) as session:
        result = authenticate(session, "nurse@clinic.example", "wrong password!", 5, 15)
        assert result.outcome == "invalid"
    assert _user(engine, "nurse@clinic.example").failed_logins == 1
    with session_scope(engine) as session:
        result = authenticate(session, "Nurse@Clinic.example", PASSWORD, 5, 15)
        assert result.ok and result.user.email == "nurse@clinic.example"
    assert _user(engine, "nurse@clinic.example").failed_logins == 0


def test_lockout_after_repeated_failures_then_expiry(engine):
    with session_scope(engine) as session:
        add_user(session, "nurse@clinic.example", PASSWORD)
    now = utcnow()
    outcomes = []
    for _ in range(3):
        with session_scope(engine) as session:
            outcomes.append(
                authenticate(session, "nurse@clinic.example", "wrong password!", 3, 15, now=now).outcome
            )
    assert outcomes == ["invalid", "invalid", "locked"]
    user = _user(engine, "nurse@clinic.example")
    assert user.locked_until is not None
    assert abs((user.locked_until - now) - timedelta(minutes=15)) < timedelta(seconds=1)
    # While locked even the right password is refused.
    with session_scope(engine) as session:
        later = now + timedelta(minutes=14)
        assert authenticate(session, "nurse@clinic.example", PASSWORD, 3, 15, now=later).outcome == "locked"
    # After the lock-out the right password works again and the counters are reset.
    with session_scope(engine) as session:
        later = now + timedelta(minutes=16)
        assert authenticate(session, "nurse@clinic.example", PASSWORD, 3, 15, now=later).ok
    user = _user(engine, "nurse@clinic.example")
    assert user.locked_until is None and user.failed_logins == 0


def test_unknown_email_locks_the_same_way(engine):
    """'Locked' must not tell a stranger which e-mails have accounts."""
    now = utcnow()
    with session_scope(engine) as session:
        outcomes = [
            authenticate(session, "nobody@clinic.example", "whatever pass", 3, 15, now=now).outcome
            for _ in range(4)
        ]
    assert outcomes == ["invalid", "invalid", "locked", "locked"]
    with session_scope(engine) as session:
        later = now + timedelta(minutes=16)
        assert authenticate(session, "nobody@clinic.example", "x", 3, 15, now=later).outcome == "invalid"


def _cli(database_url, monkeypatch, capsys, argv, stdin):
    monkeypatch.setenv("DATABASE_URL", database_url)
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_add_user_reads_password_from_stdin(database_url, engine, monkeypatch, capsys):
    code, out, _err = _cli(database_url, monkeypatch, capsys,
                           ["staff", "add-user", "Admin@Clinic.example", "--admin"], PASSWORD + "\n")
    assert code == 0 and "admin@clinic.example added (admin)" in out
    user = _user(engine, "admin@clinic.example")
    assert user.is_admin and verify_password(user.password_hash, PASSWORD)

    code, _out, err = _cli(database_url, monkeypatch, capsys,
                           ["staff", "add-user", "nurse@clinic.example"], "short\n")
    assert code == 2
    assert f"password too short: use at least {MIN_PASSWORD_LENGTH} characters" in err
    with session_scope(engine) as session:
        emails = session.execute(select(StaffUser.email)).scalars().all()
    assert emails == ["admin@clinic.example"]

    code, _out, err = _cli(database_url, monkeypatch, capsys,
                           ["staff", "add-user", "admin@clinic.example"], PASSWORD + "\n")
    assert code == 1 and "already exists" in err

    code, out, _err = _cli(database_url, monkeypatch, capsys,
                           ["staff", "add-user", "nurse@clinic.example"], PASSWORD + "\n")
    assert code == 0 and not _user(engine, "nurse@clinic.example").is_admin
    with session_scope(engine) as session:
        actions = session.execute(select(AuditEntry.action)).scalars().all()
    assert actions.count("staff_user_added") == 2


def test_cli_set_password_lifts_lockout(database_url, engine, monkeypatch, capsys):
    with session_scope(engine) as session:
        add_user(session, "nurse@clinic.example", PASSWORD)
    for _ in range(2):
        with session_scope(engine) as session:
            authenticate(session, "nurse@clinic.example", "wrong password!", 2, 15)
    assert _user(engine, "nurse@clinic.example").locked_until is not None
    code, out, _err = _cli(database_url, monkeypatch, capsys,
                           ["staff", "set-password", "nurse@clinic.example"], "a brand new password\n")
    assert code == 0 and "lock-out is lifted" in out
    user = _user(engine, "nurse@clinic.example")
    assert user.locked_until is None and verify_password(user.password_hash, "a brand new password")


def test_cli_as_a_real_process(database_url, engine):
    """`python -m bot staff add-user EMAIL` in a subprocess, password piped on stdin."""
    env = {**os.environ, "DATABASE_URL": database_url, **TEST_KEY_ENV}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add-user", "frontdesk@clinic.example"],
        input="tiny\n", capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=120,
    )
    assert done.returncode == 2 and "password too short" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "bot", "staff", "add-user", "frontdesk@clinic.example"],
        input=PASSWORD + "\n", capture_output=True, text=True, cwd=PROJECT_ROOT, env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert verify_password(_user(engine, "frontdesk@clinic.example").password_hash, PASSWORD)
