"""Exports of the intake store for the clinic's other systems: a CSV sheet and FHIR bundles.

FHIR: fhir.resources 7.x models R5 at the package top level and R4B (4.3.0) under
`fhir.resources.R4B`; it carries no plain-R4 package. R4B is R4's compatible ballot update and
every element used here (Patient, QuestionnaireResponse, Appointment, Bundle) is shaped as in
R4, so the bundles read as R4. Each resource is built with the library's model, which
validates it on construction; values the models do not check (codes, integer range) are
mapped here to valid ones.
"""
from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Collection, Optional
from zoneinfo import ZoneInfo

from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy.orm import Session

from bot.adapters.db import utcnow
from bot.adapters.models import Appointment, Intake
from bot.adapters.private_files import private_dir, write_private
from bot.domain.statuses import AppointmentStatus
from bot.services.readout import (
    answer_flags,
    current_appointment,
    intake_flags,
    intakes_with_details,
    load_intake,
)

CSV_COLUMNS = (
    "id",
    "created_at",
    "status",
    "concern",
    "name",
    "phone",
    "email",
    "consent_at",
    "appointment_start",
    "appointment_status",
    "appointment_reference",
    "safety_flag",
    "flags",
    "open_alerts",
    "callback_requested",
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Flags a screening answer raised, carried as extensions on its QuestionnaireResponse item.
FLAG_EXTENSION_URL = "urn:clinic-intake:fhir:screening-flag"

# Our appointment statuses as FHIR Appointment.status codes.
_APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.RESCHEDULED: "cancelled",
}
_INT32 = (-(2**31), 2**31 - 1)


class IntakeNotFound(LookupError):
    """No intake has this id."""


# --- CSV ------------------------------------------------------------------------------------


def safe_cell(value: Any) -> str:
    """A cell as text, with a leading quote when a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _iso(value: datetime | None, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat() if value else ""


def intake_row(intake: Intake, tz: ZoneInfo) -> dict[str, Any]:
    """One intake as the CSV's plain values (not yet made safe for spreadsheets)."""
    contact = intake.contact
    appt = current_appointment(intake)
    return {
        "id": intake.id,
        "created_at": _iso(intake.created_at, tz),
        "status": intake.status,
        "concern": intake.concern,
        "name": contact.name if contact else None,
        "phone": contact.phone if contact else None,
        "email": contact.email if contact else None,
        "consent_at": _iso(intake.consent_at, tz),
        "appointment_start": _iso(appt.start_at, tz) if appt else "",
        "appointment_status": appt.status if appt else "",
        "appointment_reference": appt.reference if appt else "",
        "safety_flag": intake.safety_flag,
        "flags": ";".join(intake_flags(intake)),
        "open_alerts": sum(1 for alert in intake.alerts if alert.resolved_at is None),
        "callback_requested": "yes" if intake.callbacks else "no",
    }


def intakes_csv(session: Session, tz: ZoneInfo, ids: Optional[Collection[int]] = None) -> str:
    """The intakes (all, or those in `ids`: the dashboard's filters), oldest first, as CSV text
    (header row, RFC 4180 quoting, CRLF lines)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for intake in intakes_with_details(session, newest_first=False, ids=ids):
        row = intake_row(intake, tz)
        writer.writerow([safe_cell(row[name]) for name in CSV_COLUMNS])
    return out.getvalue()


# --- FHIR -----------------------------------------------------------------------------------


def _urn(profile, intake_id: int, what: str) -> str:
    """A stable urn:uuid for one resource of one intake (the same on every export)."""
    name = f"mailto:{profile.email}#intake/{intake_id}/{what}"
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def _answers(value: Any) -> list[dict[str, Any]]:
    """FHIR answer values for one stored answer (a list gives one answer per element)."""
    if isinstance(value, list):
        return [answer for item in value for answer in _answers(item)]
    if value is None:
        return []
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int) and _INT32[0] <= value <= _INT32[1]:
        return [{"valueInteger": value}]
    if isinstance(value, (int, float)):
        return [{"valueDecimal": value}]
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    return [{"valueString": text}] if text.strip() else []


def _patient(intake: Intake) -> Patient:
    contact = intake.contact
    data: dict[str, Any] = {}
    if contact is not None:
        if contact.name and contact.name.strip():
            data["name"] = [{"text": contact.name.strip()}]
        telecom = []
        if contact.phone and contact.phone.strip():
            telecom.append({"system": "phone", "value": contact.phone.strip()})
        if contact.email and contact.email.strip():
            telecom.append({"system": "email", "value": contact.email.strip()})
        if telecom:
            data["telecom"] = telecom
    return Patient(**data)


def _questionnaire_response(
    intake: Intake, patient_ref: dict[str, str], tz: ZoneInfo
) -> QuestionnaireResponse:
    items = []
    for answer in intake.screening_answers:
        item: dict[str, Any] = {"linkId": answer.question_key, "text": answer.question_text}
        answers = _answers(answer.answer)
        if answers:
            item["answer"] = answers
        flags = answer_flags(answer)
        if flags:
            item["extension"] = [{"url": FLAG_EXTENSION_URL, "valueString": flag} for flag in flags]
        items.append(item)
    data: dict[str, Any] = {
        "status": "completed",
        "authored": (intake.consent_at or intake.created_at).astimezone(tz),
        "subject": patient_ref,
    }
    if items:
        data["item"] = items
    return QuestionnaireResponse(**data)


def _appointment(
    appt: Appointment, intake: Intake, patient_ref: dict[str, str], profile
) -> FhirAppointment:
    tz = profile.timezone
    concern = profile.concerns.get(intake.concern) if intake.concern else None
    data: dict[str, Any] = {
        "identifier": [{"type": {"text": "Booking reference"}, "value": appt.reference}],
        "status": _APPOINTMENT_STATUS.get(appt.status, "cancelled"),
        "description": "Free consultation: "
        + (concern.display_name if concern else intake.concern or "not stated"),
        "start": appt.start_at.astimezone(tz),
        "end": appt.end_at.astimezone(tz),
        "minutesDuration": max(1, int((appt.end_at - appt.start_at).total_seconds() // 60)),
        "created": appt.created_at.astimezone(tz),
        "participant": [{"actor": patient_ref, "status": "accepted"}],
    }
    if appt.status == AppointmentStatus.RESCHEDULED:
        data["cancelationReason"] = {"text": "rescheduled"}
    return FhirAppointment(**data)


def intake_fhir_bundle(session: Session, intake_id: int, profile) -> dict[str, Any]:
    """The intake as a FHIR R4(B) Bundle of type collection, as a JSON-ready dict: the Patient,
    a QuestionnaireResponse with the screening answers, and an Appointment per booking."""
    intake = load_intake(session, intake_id)
    if intake is None:
        raise IntakeNotFound(intake_id)
    tz = profile.timezone
    patient_url = _urn(profile, intake.id, "patient")
    patient = _patient(intake)
    display = patient.name[0].text if patient.name else None
    patient_ref = {"reference": patient_url, **({"display": display} if display else {})}
    entries = [
        {"fullUrl": patient_url, "resource": patient},
        {
            "fullUrl": _urn(profile, intake.id, "screening"),
            "resource": _questionnaire_response(intake, patient_ref, tz),
        },
    ]
    for appt in intake.appointments:
        entries.append(
            {
                "fullUrl": _urn(profile, intake.id, f"appointment/{appt.id}"),
                "resource": _appointment(appt, intake, patient_ref, profile),
            }
        )
    bundle = Bundle(
        identifier={"system": "urn:ietf:rfc:3986", "value": _urn(profile, intake.id, "bundle")},
        type="collection",
        timestamp=utcnow().astimezone(tz),
        entry=entries,
    )
    return json.loads(bundle.json())


def export_fhir_dir(session: Session, directory: Path, profile) -> list[Path]:
    """Write one `intake-<id>.json` bundle per intake into `directory` (created 0700 if needed),
    each file 0600 (bot.adapters.private_files)."""
    directory = private_dir(Path(directory))
    written = []
    for intake in intakes_with_details(session, newest_first=False):
        path = directory / f"intake-{intake.id}.json"
        bundle = intake_fhir_bundle(session, intake.id, profile)
        write_private(path, json.dumps(bundle, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written
