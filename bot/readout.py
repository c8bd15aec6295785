"""Staff read-out of intakes as plain data (used by the CLI and the dashboard exports)."""
from __future__ import annotations

from typing import Any, Dict, List
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.models import Intake
from bot.store import intakes_newest_first


def intake_summary(intake: Intake, tz: ZoneInfo) -> Dict[str, Any]:
    contact = intake.contact
    booked = [a for a in intake.appointments if a.status == "booked"]
    latest = booked[-1] if booked else (intake.appointments[-1] if intake.appointments else None)
    return {
        "id": intake.id,
        "created_at": intake.created_at.isoformat(),
        "conversation_id": intake.conversation_id,
        "name": contact.name if contact else None,
        "phone": contact.phone if contact else None,
        "email": contact.email if contact else None,
        "concern": intake.concern,
        "appointment": None
        if latest is None
        else {
            "start": latest.start_at.astimezone(tz).isoformat(),
            "status": latest.status,
            "reference": latest.reference,
        },
    }


def intake_summaries(session: Session, tz: ZoneInfo) -> List[Dict[str, Any]]:
    return [intake_summary(intake, tz) for intake in intakes_newest_first(session)]
