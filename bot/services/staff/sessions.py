"""Server-side staff sessions (table staff_sessions): the browser holds a random id, the database
only its SHA-256. A session ends when idle longer than the idle timeout, at its absolute lifetime,
at sign-out, and for all of a user's sessions at a password change or when the account is disabled;
an ended session stays ended (a copied cookie is worth nothing after sign-out).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.adapters.models import StaffSession, StaffUser
from bot.domain.statuses import StaffRole

TOKEN_BYTES = 32


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta
    lifetime: timedelta


@dataclass(frozen=True)
class ActiveSession:
    """A live session and its user, as the dashboard needs them after the unit of work closed."""

    id: int
    user_id: int
    email: str
    role: StaffRole
    verified: bool  # the second factor was checked (or is not required of this user)
    totp_enabled: bool
    reauthenticated_at: Optional[datetime]

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(db: Session, user_id: int, now: datetime, *, verified: bool, ip: Optional[str],
                  user_agent: Optional[str]) -> str:
    """A new session for the user; returns the random id for the cookie (stored only hashed)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.add(StaffSession(token_hash=token_hash(token), staff_user_id=user_id, created_at=now,
                        last_seen_at=now, verified_at=now if verified else None,
                        ip=(ip or "")[:64] or None, user_agent=(user_agent or "")[:255] or None))
    db.flush()
    return token


def load_session(db: Session, token: Optional[str], policy: SessionPolicy, now: datetime,
                 touch: bool = True) -> Optional[ActiveSession]:
    """The live session of `token`, its last use moved to `now` (with `touch`); None when there is
    none or it has ended (an idle or expired session is revoked on the way)."""
    if not token or len(token) > 200:
        return None
    row = db.execute(
        select(StaffSession, StaffUser).join(StaffUser, StaffUser.id == StaffSession.staff_user_id)
        .where(StaffSession.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    record, user = row
    if record.revoked_at is not None or user.disabled_at is not None:
        return None
    if now - record.last_seen_at > policy.idle or now - record.created_at > policy.lifetime:
        record.revoked_at = now
        db.flush()
        return None
    if touch:
        record.last_seen_at = now
        db.flush()
    return ActiveSession(record.id, user.id, user.email, StaffRole(user.role), record.verified_at is not None,
                         user.totp_enabled_at is not None, record.reauthenticated_at)


def mark_verified(db: Session, session_id: int, now: datetime) -> None:
    db.execute(update(StaffSession).where(StaffSession.id == session_id).values(verified_at=now))


def mark_reauthenticated(db: Session, session_id: int, now: datetime) -> None:
    db.execute(update(StaffSession).where(StaffSession.id == session_id).values(reauthenticated_at=now))


def revoke_session(db: Session, token: Optional[str], now: datetime) -> Optional[int]:
    """End the session of `token`; returns its user's id (None: no such live session)."""
    if not token:
        return None
    record = db.execute(select(StaffSession).where(StaffSession.token_hash == token_hash(token))).scalar_one_or_none()
    if record is None or record.revoked_at is not None:
        return None
    record.revoked_at = now
    db.flush()
    return record.staff_user_id


def revoke_user_sessions(db: Session, user_id: int, now: datetime) -> None:
    """End every live session of the user (password changed, account disabled)."""
    db.execute(update(StaffSession).where(StaffSession.staff_user_id == user_id, StaffSession.revoked_at.is_(None))
               .values(revoked_at=now))
