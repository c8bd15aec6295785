"""The audit log: `record_audit`, the one writer of entries (every read of patient data and every
change, from the dashboard, the CLI and retention), reading entries back, and checking the chain.

Entries are numbered by `seq` without gaps and hash-chained (bot.domain.audit_chain). Two writers
racing for the same number cannot fork the chain: `seq` is unique, so the second insert fails
inside its savepoint and is retried on top of the first.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.adapters.db import utcnow
from bot.adapters.models import AuditEntry, StaffUser
from bot.domain.audit_chain import GENESIS, BrokenLink, ChainedEntry, broken_link, entry_hash
from bot.domain.statuses import AuditOutcome

SEQ_RETRIES = 20
DETAIL_LIMIT = 500


def record_audit(
    session: Session,
    staff_user_id: int | None,
    action: str,
    intake_id: int | None = None,
    detail: str | None = None,
    *,
    ip: str | None = None,
    outcome: AuditOutcome = AuditOutcome.OK,
) -> AuditEntry:
    """Append one entry at the end of the chain (flushed; the caller's unit of work commits)."""
    detail = detail[:DETAIL_LIMIT] if detail else detail
    at = utcnow()
    for _attempt in range(SEQ_RETRIES):
        last = session.execute(
            select(AuditEntry.seq, AuditEntry.row_hash).order_by(AuditEntry.seq.desc()).limit(1)
        ).first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
        chained = ChainedEntry(seq, at, staff_user_id, action, intake_id, detail, ip, str(outcome))
        entry = AuditEntry(seq=seq, staff_user_id=staff_user_id, action=action, intake_id=intake_id,
                           detail=detail, ip=ip, outcome=outcome, at=at, prev_hash=prev_hash,
                           row_hash=entry_hash(prev_hash, chained))
        try:
            with session.begin_nested():
                session.add(entry)
        except IntegrityError:  # another writer took this number first: chain onto theirs
            continue
        return entry
    raise RuntimeError(f"could not append to the audit log after {SEQ_RETRIES} tries")


def verify_chain(session: Session, batch: int = 1000) -> tuple[int, Optional[BrokenLink]]:
    """How many entries were checked, and the first broken link (None: the chain is whole)."""
    checked = 0

    def rows():
        nonlocal checked
        after = 0
        while True:
            chunk = session.execute(
                select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(batch)
            ).scalars().all()
            if not chunk:
                return
            for e in chunk:
                checked += 1
                yield (ChainedEntry(e.seq, e.at, e.staff_user_id, e.action, e.intake_id, e.detail, e.ip,
                                    str(e.outcome)), e.prev_hash, e.row_hash)
            after = chunk[-1].seq

    broken = broken_link(rows())
    return checked, broken


@dataclass(frozen=True)
class AuditRow:
    id: int
    seq: int
    at: datetime
    staff_email: str | None
    action: str
    intake_id: int | None
    detail: str | None
    ip: str | None
    outcome: str


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
        .order_by(AuditEntry.seq.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        AuditRow(e.id, e.seq, e.at, email, e.action, e.intake_id, e.detail, e.ip, str(e.outcome))
        for e, email in rows
    ], total
