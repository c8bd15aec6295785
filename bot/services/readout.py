"""Staff read-out of intakes, shared by the CLI, the dashboard and the exports: loading intakes in
full, the facts derived from them (current appointment, flags, an answer in words), the JSON
summary and the text report. Times are shown in the clinic's time zone.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.adapters.models import Appointment, Intake, ScreeningAnswer
from bot.adapters.transcripts import transcript
from bot.domain.statuses import AppointmentStatus

_FULL = (
    selectinload(Intake.contact),
    selectinload(Intake.appointments),
    selectinload(Intake.screening_answers),
    selectinload(Intake.callbacks),
    selectinload(Intake.alerts),
)


def intakes_with_details(session: Session, newest_first: bool = True) -> list[Intake]:
    """Every intake with its contact, appointments, screening answers, callbacks and alerts."""
    order = (
        (Intake.created_at.desc(), Intake.id.desc())
        if newest_first
        else (Intake.created_at, Intake.id)
    )
    return list(session.execute(select(Intake).options(*_FULL).order_by(*order)).scalars())


def load_intake(session: Session, intake_id: int) -> Intake | None:
    """One intake with all its details, or None."""
    return session.execute(
        select(Intake).options(*_FULL).where(Intake.id == intake_id)
    ).scalar_one_or_none()


def booked_appointment(intake: Intake) -> Appointment | None:
    """The latest booked appointment, else None: the one the visitor is expected at."""
    booked = [a for a in intake.appointments if a.status == AppointmentStatus.BOOKED]
    return booked[-1] if booked else None


def current_appointment(intake: Intake) -> Appointment | None:
    """The booked appointment, else the latest of any status (cancelled, rescheduled), else None:
    what a read-out reports, together with its status."""
    booked = booked_appointment(intake)
    if booked is not None:
        return booked
    return intake.appointments[-1] if intake.appointments else None


def answer_flags(answer: ScreeningAnswer) -> list[str]:
    """The flags one screening answer raised, as text (blank or malformed entries left out)."""
    if not isinstance(answer.flags, list):
        return []
    return [str(flag) for flag in answer.flags if flag is not None and str(flag).strip()]


def intake_flags(intake: Intake) -> list[str]:
    """Sorted unique flags raised by the intake's screening answers."""
    return sorted({flag for answer in intake.screening_answers for flag in answer_flags(answer)})


def answer_in_words(value: Any, *, capitalize: bool = True) -> str:
    """A stored screening answer in words. bot.domain.screening stores `{"answer": "yes"|"no"|
    "unsure"|number|[choices], "detail"?: text, "range"?: [low, high]}`, shown as e.g. "Yes:
    breastfeeding" or "12 (said 10-15)"; anything else is shown as it is, dicts as "key: value;
    ...", lists comma-separated, nothing as "-". `capitalize=False` keeps yes/no and the answer's
    first letter lower-case, for text that follows the question on the same line (the CLI)."""

    def words(item: Any) -> str:
        return answer_in_words(item, capitalize=capitalize)

    if isinstance(value, dict) and "answer" in value:
        main = value["answer"]
        text = words(main)
        if isinstance(main, str) and capitalize:
            text = text[:1].upper() + text[1:]
        extra = {key: item for key, item in value.items() if key not in ("answer", "detail", "range")}
        if isinstance(value.get("range"), (list, tuple)) and len(value["range"]) == 2:
            text += f" (said {value['range'][0]}-{value['range'][1]})"
        if value.get("detail"):
            text += f": {value['detail']}"
        if extra:
            text += f" ({words(extra)})"
        return text
    if isinstance(value, bool):
        text = "Yes" if value else "No"
        return text if capitalize else text.lower()
    if value is None or value == "":
        return "-"
    if isinstance(value, dict):
        return "; ".join(f"{key}: {words(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(words(item) for item in value) or "-"
    return str(value)


def intake_summary(intake: Intake, tz: ZoneInfo) -> dict[str, Any]:
    contact = intake.contact
    latest = current_appointment(intake)
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
        "status": intake.status,
        "flags": intake_flags(intake),
        "safety_flag": intake.safety_flag,
        "alerts": [
            {
                "kind": alert.kind,
                "priority": alert.priority,
                "created_at": alert.created_at.astimezone(tz).isoformat(),
                "resolved": alert.resolved_at is not None,
            }
            for alert in intake.alerts
        ],
    }


def intake_summaries(session: Session, tz: ZoneInfo) -> list[dict[str, Any]]:
    return [intake_summary(intake, tz) for intake in intakes_with_details(session)]


# --- one intake as text ---------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _when(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if value else "-"


def intake_report(session: Session, intake_id: int, profile) -> str | None:
    """The intake in full as text (contact, screening, appointment, callbacks, alerts, transcript),
    times in the clinic zone; None when there is no such intake."""
    intake = load_intake(session, intake_id)
    if intake is None:
        return None
    tz = profile.timezone
    contact = intake.contact
    concern = profile.concerns.get(intake.concern) if intake.concern else None
    if intake.consent_at:
        consent = f"given {_when(intake.consent_at, tz)}"
    elif intake.consent_declined_at:
        consent = f"declined {_when(intake.consent_declined_at, tz)}"
    else:
        consent = "not given"
    lines = [
        f"Intake #{intake.id}  (conversation {intake.conversation_id})",
        f"Created:      {_when(intake.created_at, tz)}",
        f"Status:       {intake.status}",
        "Contact:      "
        + (
            ", ".join(v for v in (contact.name, contact.phone, contact.email) if v)
            if contact
            else "-"
        ),
        "Concern:      "
        + (f"{concern.display_name} ({intake.concern})" if concern else intake.concern or "-"),
        f"Consent:      {consent}",
        f"Consultation only: {'yes' if intake.consultation_only else 'no'}",
        f"Safety flag:  {intake.safety_flag or '-'}",
        "",
        "Screening answers:",
    ]
    for answer in intake.screening_answers:
        flags = answer_flags(answer)
        lines.append(
            f"  - {answer.question_text} {answer_in_words(answer.answer, capitalize=False)}"
            + (f"  [flags: {', '.join(flags)}]" if flags else "")
        )
    if not intake.screening_answers:
        lines.append("  (none)")
    lines += ["", "Appointments:"]
    for appt in intake.appointments:
        lines.append(
            f"  - {appt.reference}  {_when(appt.start_at, tz)} - "
            f"{appt.end_at.astimezone(tz).strftime('%H:%M')}  {appt.status}"
        )
    if not intake.appointments:
        lines.append("  (none)")
    lines += ["", "Callback requests:"]
    for cb in intake.callbacks:
        lines.append(
            f"  - {_when(cb.created_at, tz)}  {cb.status}  {cb.name or '-'}, {cb.phone or '-'}"
            f"  best time: {cb.best_time or '-'}  (reason: {cb.reason})"
        )
    if not intake.callbacks:
        lines.append("  (none)")
    lines += ["", "Alerts:"]
    for alert in intake.alerts:
        state = f"resolved {_when(alert.resolved_at, tz)}" if alert.resolved_at else "OPEN"
        lines.append(
            f"  - {_when(alert.created_at, tz)}  {alert.kind} ({alert.priority}), {state}: "
            f"\"{alert.message}\""
        )
    if not intake.alerts:
        lines.append("  (none)")
    lines += ["", f"Transcript (times {tz.key}):"]
    entries = transcript(session, intake.conversation_id)
    for entry in entries:
        stamp = entry["time"].astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if entry["time"] else "?"
        who = "Visitor" if entry["role"] == "visitor" else "Assistant"
        text = entry["text"].replace("\n", "\n      ")
        lines.append(f"[{stamp}] {who}: {text}")
        if entry["buttons"]:
            titles = "  ".join(f"[{b.get('title') or b.get('payload')}]" for b in entry["buttons"])
            lines.append(f"      buttons: {titles}")
    if not entries:
        lines.append("  (no conversation recorded)")
    # visitors' words reach a staff terminal: no escape sequences or other control characters
    return _CONTROL.sub("\ufffd", "\n".join(lines))
