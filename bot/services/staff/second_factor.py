"""The second factor: TOTP (RFC 6238, pyotp) with an authenticator app, enrolled by confirming a
first code, and ten one-time recovery codes for a lost phone, shown once and stored as SHA-256.

A code is accepted once: the time step of the last accepted code is kept, and a code of that step
or an earlier one is refused (ASVS 2.8.4). One step of clock drift either way is accepted.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Optional

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.adapters.models import StaffRecoveryCode, StaffUser

RECOVERY_CODES = 10
DRIFT_STEPS = 1


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def pending_secret(db: Session, user: StaffUser) -> str:
    """The secret being enrolled (made on first call; a new one for an enrolled user starts over)."""
    if user.totp_secret is None or user.totp_enabled_at is not None:
        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = None
        user.totp_last_step = None
        db.flush()
    return user.totp_secret


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    return _totp(secret).provisioning_uri(name=email, issuer_name=issuer)


def _accept_code(user: StaffUser, code: str, now: datetime) -> bool:
    code = "".join((code or "").split())
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    totp = _totp(user.totp_secret)
    for drift in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        moment = now + timedelta(seconds=drift * totp.interval)
        step = totp.timecode(moment)
        if secrets.compare_digest(totp.at(moment), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False  # already used (or older than one that was)
            user.totp_last_step = step
            return True
    return False


def confirm_enrolment(db: Session, user: StaffUser, code: str, now: datetime) -> Optional[list[str]]:
    """Enable TOTP when `code` matches the pending secret; returns the new recovery codes (shown
    once), or None when the code is wrong."""
    if user.totp_secret is None or user.totp_enabled_at is not None or not _accept_code(user, code, now):
        return None
    user.totp_enabled_at = now
    codes = new_recovery_codes(db, user)
    db.flush()
    return codes


def _recovery_hash(code: str) -> str:
    normalized = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hashlib.sha256(normalized.encode()).hexdigest()


def new_recovery_codes(db: Session, user: StaffUser) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES fresh ones (returned in clear, once)."""
    for old in db.execute(select(StaffRecoveryCode).where(StaffRecoveryCode.staff_user_id == user.id)).scalars():
        db.delete(old)
    db.flush()
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.add(StaffRecoveryCode(staff_user_id=user.id, code_hash=_recovery_hash(raw)))
    db.flush()
    return codes


def check_second_factor(db: Session, user: StaffUser, code: str, now: datetime) -> Optional[str]:
    """"totp" or "recovery" when `code` is a fresh TOTP code or an unused recovery code (which is
    then used up); None otherwise."""
    if user.totp_enabled_at is None:
        return None
    if _accept_code(user, code, now):
        db.flush()
        return "totp"
    if not code or len(code) > 40:
        return None
    recovery = db.execute(select(StaffRecoveryCode).where(
        StaffRecoveryCode.staff_user_id == user.id, StaffRecoveryCode.code_hash == _recovery_hash(code),
        StaffRecoveryCode.used_at.is_(None),
    )).scalar_one_or_none()
    if recovery is None:
        return None
    recovery.used_at = now
    db.flush()
    return "recovery"


def recovery_codes_left(db: Session, user_id: int) -> int:
    return len(db.execute(select(StaffRecoveryCode.id).where(
        StaffRecoveryCode.staff_user_id == user_id, StaffRecoveryCode.used_at.is_(None))).all())
