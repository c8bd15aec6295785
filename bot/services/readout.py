"""Staff read-out of intakes, shared by the CLI, the dashboard and the exports: loading intakes in
full, the facts derived from them (current appointment, flags, an answer in words), the JSON
summary, and one intake in full (intake_detail), shown as JSON (intake_json) and as the text
report (intake_report). Times are shown in the clinic's time zone.
"""
from __future__ import annotations

import re
from datetime import datetime
from enum import Enum
from typing import Any, Collection
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.adapters.models import Appointment, Contact, Intake, ScreeningAnswer
from bot.adapters.transcripts import transcript
from bot.domain.statuses import AppointmentStatus
from bot.services.live import live_lines, with_live_lines

_FULL = (
    selectinload(Intake.contact),
    selectinload(Intake.appointments),
    selectinload(Intake.screening_answers),
    selectinload(Intake.callbacks),
    selectinload(Intake.alerts),
)


def intakes_with_details(session: Session, newest_first: bool = True,
                         ids: Collection[int] | None = None) -> list[Intake]:
    """Every intake (or those in `ids`) with its contact, appointments, screening answers,
    callbacks and alerts."""
    order = (
        (Intake.created_at.desc(), Intake.id.desc())
        if newest_first
        else (Intake.created_at, Intake.id)
    )
    query = select(Intake).options(*_FULL).order_by(*order)
    if ids is not None:
        query = query.where(Intake.id.in_(list(ids)))
    return list(session.execute(query).scalars())


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


# --- one intake in full: the structure, as JSON and as text -------------------------------------


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def intake_id_for_conversation(session: Session, conversation_id: str) -> int | None:
    """The id of the intake of one conversation (Rasa's sender id), or None."""
    return session.execute(
        select(Intake.id).where(Intake.conversation_id == conversation_id)
    ).scalar_one_or_none()


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    return value.astimezone(tz) if value is not None else None


def _contact(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None:
        return None
    return {"name": contact.name, "phone": contact.phone, "email": contact.email}


def intake_detail(session: Session, intake_id: int, profile) -> dict[str, Any] | None:
    """One intake in full as plain data, or None when there is no such intake: what the text
    report (intake_report) and the JSON read-out (intake_json) both show. Times are aware
    datetimes in the clinic's zone; answers are the stored values (bot.domain.screening's
    `{"answer": ..., "detail"?: ...}`); `contacts` is every distinct contact linked to the intake
    or to one of its appointments, the intake's own first."""
    intake = load_intake(session, intake_id)
    if intake is None:
        return None
    tz = profile.timezone
    concern = profile.concerns.get(intake.concern) if intake.concern else None
    if intake.consent_at:
        consent = {"state": "given", "at": _local(intake.consent_at, tz)}
    elif intake.consent_declined_at:
        consent = {"state": "declined", "at": _local(intake.consent_declined_at, tz)}
    else:
        consent = {"state": "not_given", "at": None}
    contacts, seen = [], set()
    for linked in [intake.contact, *(appt.contact for appt in intake.appointments)]:
        if linked is not None and linked.id not in seen:
            seen.add(linked.id)
            contacts.append(_contact(linked))
    latest = current_appointment(intake)
    return {
        "id": intake.id,
        "conversation_id": intake.conversation_id,
        "created_at": _local(intake.created_at, tz),
        "updated_at": _local(intake.updated_at, tz),
        "status": intake.status,
        "concern": intake.concern,
        "concern_name": concern.display_name if concern else None,
        "other_concerns": list(intake.other_concerns or []),
        "safety_flag": intake.safety_flag,
        "consent": consent,
        "consultation_only": bool(intake.consultation_only),
        "contact": _contact(intake.contact),
        "contacts": contacts,
        "flags": intake_flags(intake),
        "screening": [
            {
                "question_key": answer.question_key,
                "question_text": answer.question_text,
                "answer": answer.answer,
                "answer_in_words": answer_in_words(answer.answer, capitalize=False),
                "flags": answer_flags(answer),
                "created_at": _local(answer.created_at, tz),
            }
            for answer in intake.screening_answers
        ],
        "appointment": None if latest is None else {"reference": latest.reference, "status": latest.status,
                                                    "start": _local(latest.start_at, tz)},
        "appointments": [
            {
                "reference": appt.reference,
                "status": appt.status,
                "kind": appt.kind,
                "start": _local(appt.start_at, tz),
                "end": _local(appt.end_at, tz),
                "created_at": _local(appt.created_at, tz),
            }
            for appt in intake.appointments
        ],
        "callbacks": [
            {
                "name": cb.name,
                "phone": cb.phone,
                "best_time": cb.best_time,
                "reason": cb.reason,
                "status": cb.status,
                "created_at": _local(cb.created_at, tz),
            }
            for cb in intake.callbacks
        ],
        "alerts": [
            {
                "kind": alert.kind,
                "priority": alert.priority,
                "message": alert.message,
                "callback_phone": alert.callback_phone,
                "created_at": _local(alert.created_at, tz),
                "updated_at": _local(alert.updated_at, tz),
                "resolved": alert.resolved_at is not None,
                "resolved_at": _local(alert.resolved_at, tz),
            }
            for alert in intake.alerts
        ],
        "transcript": [
            {"role": entry["role"], "text": entry["text"], "time": _local(entry["time"], tz),
             "buttons": [{"title": b.get("title"), "payload": b.get("payload")} for b in entry["buttons"]],
             **({"name": entry["name"]} if entry.get("name") else {})}  # a staff member's, in a live chat
            for entry in with_live_lines(transcript(session, intake.conversation_id),
                                         live_lines(session, intake.conversation_id))
        ],
    }


def jsonable(value: Any) -> Any:
    """A read-out structure as plain JSON: datetimes as ISO 8601 with their zone, enums as values."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def intake_json(session: Session, intake_id: int, profile) -> dict[str, Any] | None:
    """One intake in full (intake_detail) as JSON-ready data; None when there is no such intake."""
    detail = intake_detail(session, intake_id, profile)
    return None if detail is None else jsonable(detail)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M %Z") if value else "-"


def intake_report(session: Session, intake_id: int, profile) -> str | None:
    """The intake in full as text (contact, screening, appointment, callbacks, alerts, transcript),
    times in the clinic zone; None when there is no such intake."""
    detail = intake_detail(session, intake_id, profile)
    return None if detail is None else report_text(detail, profile.timezone)


def report_text(detail: dict[str, Any], tz: ZoneInfo) -> str:
    """An intake_detail structure as the staff's text report."""
    contact = detail["contact"]
    consent = detail["consent"]
    consent_text = f"{consent['state']} {_when(consent['at'])}" if consent["at"] else "not given"
    concern = detail["concern"]
    lines = [
        f"Intake #{detail['id']}  (conversation {detail['conversation_id']})",
        f"Created:      {_when(detail['created_at'])}",
        f"Status:       {detail['status']}",
        "Contact:      "
        + (", ".join(v for v in (contact["name"], contact["phone"], contact["email"]) if v) if contact else "-"),
        "Concern:      "
        + (f"{detail['concern_name']} ({concern})" if detail["concern_name"] else concern or "-"),
        f"Consent:      {consent_text}",
        f"Consultation only: {'yes' if detail['consultation_only'] else 'no'}",
        f"Safety flag:  {detail['safety_flag'] or '-'}",
        "",
        "Screening answers:",
    ]
    for answer in detail["screening"]:
        flags = answer["flags"]
        lines.append(
            f"  - {answer['question_text']} {answer['answer_in_words']}"
            + (f"  [flags: {', '.join(flags)}]" if flags else "")
        )
    if not detail["screening"]:
        lines.append("  (none)")
    lines += ["", "Appointments:"]
    for appt in detail["appointments"]:
        lines.append(f"  - {appt['reference']}  {_when(appt['start'])} - {appt['end'].strftime('%H:%M')}  "
                     f"{appt['status']}")
    if not detail["appointments"]:
        lines.append("  (none)")
    lines += ["", "Callback requests:"]
    for cb in detail["callbacks"]:
        lines.append(
            f"  - {_when(cb['created_at'])}  {cb['status']}  {cb['name'] or '-'}, {cb['phone'] or '-'}"
            f"  best time: {cb['best_time'] or '-'}  (reason: {cb['reason']})"
        )
    if not detail["callbacks"]:
        lines.append("  (none)")
    lines += ["", "Alerts:"]
    for alert in detail["alerts"]:
        state = f"resolved {_when(alert['resolved_at'])}" if alert["resolved"] else "OPEN"
        lines.append(
            f"  - {_when(alert['created_at'])}  {alert['kind']} ({alert['priority']}), {state}: "
            f"\"{alert['message']}\""
            + (f"  call back on {alert['callback_phone']}" if alert["callback_phone"] else "")
        )
    if not detail["alerts"]:
        lines.append("  (none)")
    lines += ["", f"Transcript (times {tz.key}):"]
    for entry in detail["transcript"]:
        stamp = entry["time"].strftime("%Y-%m-%d %H:%M:%S") if entry["time"] else "?"
        who = "Visitor" if entry["role"] == "visitor" else "Assistant"
        text = entry["text"].replace("\n", "\n      ")
        lines.append(f"[{stamp}] {who}: {text}")
        if entry["buttons"]:
            titles = "  ".join(f"[{b.get('title') or b.get('payload')}]" for b in entry["buttons"])
            lines.append(f"      buttons: {titles}")
    if not detail["transcript"]:
        lines.append("  (no conversation recorded)")
    # visitors' words reach a staff terminal: no escape sequences or other control characters
    return _CONTROL.sub("\ufffd", "\n".join(lines))
