"""Staff accounts: argon2 password hashes, sign-in with lock-out, and the `staff` CLI commands.

Plain logic over a caller-owned session (nothing here commits; the caller's `session_scope` does).

Lock-out: after `attempts` failed sign-ins in a row an account is locked for `minutes`
(recorded in staff_users.failed_logins / locked_until, so every process agrees). While locked,
even the right password is refused. An e-mail that has no account goes through the same
counting (kept in this process only), so "locked" never tells a stranger the e-mail exists.
"""
from __future__ import annotations

import argparse
import getpass
import sys
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.db import utcnow
from bot.adapters.models import AuditEntry, StaffUser

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 copes with more; a megabyte "password" is just a DoS

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class PasswordPolicyError(ValueError):
    """The password does not meet the policy (too short or too long)."""


class UserExists(ValueError):
    """A staff user with this e-mail already exists."""


class UnknownUser(LookupError):
    """No staff user with this e-mail."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"password too short: use at least {MIN_PASSWORD_LENGTH} characters"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(f"password too long: at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def find_user(session: Session, email: str, for_update: bool = False) -> StaffUser | None:
    query = select(StaffUser).where(func.lower(StaffUser.email) == normalize_email(email))
    if for_update:  # PostgreSQL: concurrent failed sign-ins count one by one (SQLite ignores it)
        query = query.with_for_update()
    return session.execute(query).scalar_one_or_none()


def add_user(session: Session, email: str, password: str, is_admin: bool = False) -> StaffUser:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        raise ValueError(f"not an e-mail address: {email!r}")
    check_password_policy(password)
    if find_user(session, email) is not None:
        raise UserExists(email)
    user = StaffUser(email=email, password_hash=hash_password(password), is_admin=is_admin,
                     failed_logins=0)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, email: str, password: str) -> StaffUser:
    """Replace a user's password; also lifts a lock-out."""
    check_password_policy(password)
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    return user


@dataclass(frozen=True)
class LoginResult:
    outcome: str  # "ok" | "invalid" | "locked"
    user: StaffUser | None = None  # set when the e-mail belongs to a user (any outcome)

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


class _UnknownEmailFailures:
    """Failure counts for e-mails without an account, bounded; mirrors the per-user columns."""

    def __init__(self, capacity: int = 10_000):
        self._data: OrderedDict[str, tuple[int, datetime | None]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def locked(self, email: str, now: datetime) -> bool:
        with self._lock:
            _count, until = self._data.get(email, (0, None))
            return until is not None and until > now

    def fail(self, email: str, now: datetime, attempts: int, minutes: int) -> bool:
        """Count a failure; True when this failure locks the e-mail."""
        with self._lock:
            count, until = self._data.pop(email, (0, None))
            if until is not None and until <= now:
                count = 0
            count += 1
            locked = count >= attempts
            self._data[email] = (0, now + timedelta(minutes=minutes)) if locked else (count, None)
            while len(self._data) > self._capacity:
                self._data.popitem(last=False)
            return locked

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


unknown_email_failures = _UnknownEmailFailures()


def authenticate(
    session: Session,
    email: str,
    password: str,
    attempts: int,
    minutes: int,
    now: datetime | None = None,
) -> LoginResult:
    """Check a sign-in. Failed attempts are counted on the user row; the caller commits."""
    now = now or utcnow()
    email = normalize_email(email)
    password = (password or "")[:MAX_PASSWORD_LENGTH]
    user = find_user(session, email, for_update=True) if email else None
    if user is None:
        if unknown_email_failures.locked(email, now):
            return LoginResult("locked")
        verify_password(_DUMMY_HASH, password)
        if unknown_email_failures.fail(email, now, attempts, minutes):
            return LoginResult("locked")
        return LoginResult("invalid")

    if user.locked_until is not None and user.locked_until > now:
        return LoginResult("locked", user)
    if verify_password(user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.flush()
        return LoginResult("ok", user)

    if user.locked_until is not None:  # an expired lock: start counting afresh
        user.locked_until = None
        user.failed_logins = 0
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= max(1, attempts):
        user.locked_until = now + timedelta(minutes=minutes)
        user.failed_logins = 0
        session.flush()
        return LoginResult("locked", user)
    session.flush()
    return LoginResult("invalid", user)


# --- `python -m bot staff ...` -------------------------------------------------------------


def _read_password(confirm: bool = True) -> str:
    """The new password from stdin: prompted twice on a terminal, else the first line of input."""
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Repeat password: ") != first:
            raise PasswordPolicyError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _engine():
    from bot.adapters.db import engine_for
    from bot.settings import load_settings

    return engine_for(load_settings().database_url)


def cmd_add_user(args: argparse.Namespace) -> int:
    from bot.adapters.db import session_scope

    try:
        password = _read_password()
        check_password_policy(password)
        with session_scope(_engine()) as session:
            user = add_user(session, args.email, password, is_admin=args.admin)
            session.add(AuditEntry(action="staff_user_added", detail=f"{user.email} (CLI)"
                                   + (" admin" if user.is_admin else "")))
            email, is_admin = user.email, user.is_admin
    except PasswordPolicyError as exc:
        print(f"error: {exc}; the user was not created", file=sys.stderr)
        return 2
    except UserExists as exc:
        print(f"error: a staff user {exc} already exists", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"staff user {email} added{' (admin)' if is_admin else ''}")
    return 0


def cmd_set_password(args: argparse.Namespace) -> int:
    from bot.adapters.db import session_scope

    try:
        password = _read_password()
        with session_scope(_engine()) as session:
            user = set_password(session, args.email, password)
            session.add(AuditEntry(action="staff_password_set", detail=f"{user.email} (CLI)"))
            email = user.email
    except PasswordPolicyError as exc:
        print(f"error: {exc}; the password was not changed", file=sys.stderr)
        return 2
    except UnknownUser as exc:
        print(f"error: no staff user {exc}", file=sys.stderr)
        return 1
    print(f"password for {email} changed; any lock-out is lifted")
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    """Add `staff add-user EMAIL [--admin]` and `staff set-password EMAIL` to `python -m bot`."""
    staff = subparsers.add_parser("staff", help="manage staff dashboard accounts")
    sub = staff.add_subparsers(dest="staff_command", required=True)
    add = sub.add_parser(
        "add-user",
        help=f"create a staff user; the password (at least {MIN_PASSWORD_LENGTH} characters) "
        "is read from stdin",
    )
    add.add_argument("email")
    add.add_argument("--admin", action="store_true", help="may read the audit log")
    add.set_defaults(func=cmd_add_user)
    reset = sub.add_parser(
        "set-password", help="set a staff user's password (read from stdin) and lift any lock-out"
    )
    reset.add_argument("email")
    reset.set_defaults(func=cmd_set_password)
