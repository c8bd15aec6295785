"""Audit entries for the command line: the operating-system user stands for "who" (there is no
staff session), "local" for where from. Reads of patient data (intakes, intake, export) and
account changes are recorded through bot.services.staff.audit.record_audit like the dashboard's."""
from __future__ import annotations

import getpass
from typing import Optional

from sqlalchemy.orm import Session

from bot.domain.statuses import AuditOutcome
from bot.services.staff.audit import record_audit

SOURCE = "local"


def operator() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a container without one)
        return "unknown"


def cli_audit(session: Session, action: str, intake_id: Optional[int] = None, detail: str = "",
              outcome: AuditOutcome = AuditOutcome.OK) -> None:
    text = f"{detail} (command line, by {operator()})".strip()
    record_audit(session, None, action, intake_id, text, ip=SOURCE, outcome=outcome)
