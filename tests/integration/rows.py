"""Read rows back after a unit of work, detached from their session, for assertions."""
from __future__ import annotations

from typing import List, Optional

from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.models import Appointment, Intake


def intake(engine, conversation_id: str) -> Optional[Intake]:
    with session_scope(engine) as session:
        found = session.execute(
            select(Intake).where(Intake.conversation_id == conversation_id)
        ).scalar_one_or_none()
        if found is not None:
            session.expunge(found)
        return found


def appointments(engine) -> List[Appointment]:
    with session_scope(engine) as session:
        rows = session.execute(select(Appointment).order_by(Appointment.id)).scalars().all()
        for row in rows:
            session.expunge(row)
        return rows
