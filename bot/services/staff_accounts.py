"""Staff accounts: argon2 password hashes, the password policy (bot.domain.passwords), adding
users with a role, setting and changing passwords, disabling accounts, sign-in with lock-out.

Plain logic over a caller-owned session (nothing here commits; the caller's `session_scope` does).

Lock-out: after `attempts` failed sign-ins in a row (a wrong password or a wrong second-factor
code) an account is locked for `minutes` (recorded in staff_users.failed_logins / locked_until, so
every process agrees). Only failures count and the lock lifts by itself when the time is up, so
nobody can lock an account for good; per-address and global limits (bot.web.staff.throttle) stop
a flood. While locked, even the right password is refused. An e-mail that has no account goes
through the same counting (kept in this process only), so "locked" never tells a stranger the
e-mail exists; a disabled account answers like a wrong password.
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
from bot.domain.passwords import MAX_PASSWORD_LENGTH, password_problem
from bot.domain.statuses import StaffRole
from bot.services.staff.sessions import revoke_user_sessions

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so both paths cost one argon2 verification.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


class PasswordPolicyError(ValueError):
    """The password does not meet the policy (bot.domain.passwords)."""


class UserExists(ValueError):
    """A staff user with this e-mail already exists."""


class UnknownUser(LookupError):
    """No staff user with this e-mail."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_policy(password: str, email: str = "") -> None:
    problem = password_problem(password, normalize_email(email))
    if problem:
        raise PasswordPolicyError(problem)


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


def add_user(session: Session, email: str, password: str, role: StaffRole = StaffRole.STAFF) -> StaffUser:
    email = normalize_email(email)
    if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
        raise ValueError(f"not an e-mail address: {email!r}")
    check_password_policy(password, email)
    if find_user(session, email) is not None:
        raise UserExists(email)
    user = StaffUser(email=email, password_hash=hash_password(password), role=StaffRole(role),
                     failed_logins=0)
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, email: str, password: str) -> StaffUser:
    """Replace a user's password (a reset); lifts a lock-out and signs the user out everywhere."""
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    check_password_policy(password, user.email)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    revoke_user_sessions(session, user.id, utcnow())
    session.flush()
    return user


def change_password(session: Session, user_id: int, current: str, new: str) -> StaffUser:
    """The user's own change: the current password first; every session of theirs then ends."""
    user = session.get(StaffUser, user_id)
    if user is None or not verify_password(user.password_hash, (current or "")[:MAX_PASSWORD_LENGTH]):
        raise PasswordPolicyError("the current password is not right")
    return set_password(session, user.email, new)


def set_disabled(session: Session, email: str, disabled: bool) -> StaffUser:
    """Disable an account (no sign-in, every session revoked) or enable it again."""
    user = find_user(session, email)
    if user is None:
        raise UnknownUser(email)
    now = utcnow()
    user.disabled_at = now if disabled else None
    if disabled:
        revoke_user_sessions(session, user.id, now)
    session.flush()
    return user


@dataclass(frozen=True)
class LoginResult:
    outcome: str  # "ok" | "invalid" | "locked" | "disabled" (shown to the visitor as "invalid")
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
    if user.disabled_at is not None:
        verify_password(_DUMMY_HASH, password)
        return LoginResult("disabled", user)
    if verify_password(user.password_hash, password):
        user.failed_logins = 0
        user.locked_until = None
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.flush()
        return LoginResult("ok", user)

    locked = count_failure(session, user, now, attempts, minutes)
    return LoginResult("locked" if locked else "invalid", user)


def count_failure(session: Session, user: StaffUser, now: datetime, attempts: int, minutes: int) -> bool:
    """Count one failed sign-in step on the account; True when it locks the account."""
    if user.locked_until is not None and user.locked_until <= now:  # an expired lock: count afresh
        user.locked_until = None
        user.failed_logins = 0
    user.failed_logins = (user.failed_logins or 0) + 1
    locked = user.failed_logins >= max(1, attempts)
    if locked:
        user.locked_until = now + timedelta(minutes=minutes)
        user.failed_logins = 0
    session.flush()
    return locked
