"""The audit log: writing an entry for every staff view and change, and reading it back."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.adapters.db import utcnow
from bot.adapters.models import AuditEntry, StaffUser


def record_audit(
    session: Session,
    staff_user_id: int | None,
    action: str,
    intake_id: int | None = None,
    detail: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(staff_user_id=staff_user_id, action=action, intake_id=intake_id,
                       detail=detail, at=utcnow())
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    staff_email: str | None
    action: str
    intake_id: int | None
    detail: str | None


def audit_entries(
    session: Session,
    limit: int = 200,
    offset: int = 0,
    intake_id: int | None = None,
    action: str | None = None,
) -> tuple[list[AuditRow], int]:
    """Audit entries, newest first, with the staff user's e-mail; and the total matching."""
    conditions = []
    if intake_id is not None:
        conditions.append(AuditEntry.intake_id == intake_id)
    if action:
        conditions.append(AuditEntry.action == action)
    total = session.execute(
        select(func.count(AuditEntry.id)).where(*conditions)
    ).scalar_one()
    rows = session.execute(
        select(AuditEntry, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == AuditEntry.staff_user_id)
        .where(*conditions)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        AuditRow(e.id, e.at, email, e.action, e.intake_id, e.detail) for e, email in rows
    ], total
