"""Staff accounts: argon2 password hashes, adding users, setting passwords, sign-in with lock-out.

Plain logic over a caller-owned session (nothing here commits; the caller's `session_scope` does).

Lock-out: after `attempts` failed sign-ins in a row an account is locked for `minutes`
(recorded in staff_users.failed_logins / locked_until, so every process agrees). While locked,
even the right password is refused. An e-mail that has no account goes through the same
counting (kept in this process only), so "locked" never tells a stranger the e-mail exists.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.db import utcnow
from bot.adapters.models import StaffUser

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
