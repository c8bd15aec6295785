"""CSV and FHIR exports of seeded intakes, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from fhir.resources.R4B.bundle import Bundle

from bot.adapters.db import session_scope
from bot.adapters.exports import (
    CSV_COLUMNS,
    FLAG_EXTENSION_URL,
    IntakeNotFound,
    export_fhir_dir,
    intake_fhir_bundle,
    intakes_csv,
    safe_cell,
)
from bot.adapters.models import Alert, Appointment, CallbackRequest, Contact, Intake, ScreeningAnswer

UTC = timezone.utc
START = datetime(2025, 7, 15, 17, 0, tzinfo=UTC)  # 10:00 am in Los Angeles (PDT, -07:00)
CREATED = datetime(2025, 7, 10, 16, 30, tzinfo=UTC)
CONSENT = datetime(2025, 7, 10, 16, 31, tzinfo=UTC)


def seed(engine) -> dict:
    with session_scope(engine) as session:
        booked = Intake(
            conversation_id="conv-booked",
            concern="sweating",
            status="booked",
            safety_flag="pregnancy",
            consent_at=CONSENT,
            created_at=CREATED,
            contact=Contact(name="Jane Doe", phone="+1 818-555-0100", email="jane@example.com"),
        )
        session.add(booked)
        session.flush()
        session.add_all(
            [
                ScreeningAnswer(intake_id=booked.id, question_key="pregnant",
                                question_text="Are you pregnant or breastfeeding?",
                                answer=True, flags=["pregnancy"]),
                ScreeningAnswer(intake_id=booked.id, question_key="neuro",
                                question_text="Any neuromuscular condition?",
                                answer=False, flags=[]),
                ScreeningAnswer(intake_id=booked.id, question_key="age",
                                question_text="How old are you?", answer=34,
                                flags=["age_check", "pregnancy"]),
                ScreeningAnswer(intake_id=booked.id, question_key="meds",
                                question_text="Which medicines do you take?",
                                answer=["aspirin", "ibuprofen"], flags=["blood_thinner"]),
                Appointment(intake_id=booked.id, contact_id=booked.contact_id, reference="OLD234",
                            start_at=START - timedelta(days=1), end_at=START - timedelta(days=1, minutes=-30),
                            status="rescheduled"),
                Appointment(intake_id=booked.id, contact_id=booked.contact_id, reference="ABC234",
                            start_at=START, end_at=START + timedelta(minutes=30), status="booked"),
                Alert(intake_id=booked.id, kind="adverse_effect", priority="high",
                      message="my eyelid droops", created_at=CREATED + timedelta(minutes=5)),
                Alert(intake_id=booked.id, kind="emergency", priority="urgent", message="old",
                      created_at=CREATED, resolved_at=CREATED + timedelta(hours=1)),
            ]
        )
        sneaky = Intake(
            conversation_id="conv-sneaky",
            concern="acne",
            status="new",
            created_at=CREATED + timedelta(days=1),
            contact=Contact(name="=HYPERLINK(\"http://evil.example\",\"x\")", phone="-2+3",
                            email="@SUM(1,2)"),
        )
        bare = Intake(conversation_id="conv-bare", status="new", created_at=CREATED + timedelta(days=2))
        session.add_all([sneaky, bare])
        session.flush()
        session.add(
            CallbackRequest(intake_id=sneaky.id, name="Sam", phone="555", best_time="mornings, please")
        )
        return {"booked": booked.id, "sneaky": sneaky.id, "bare": bare.id}


def test_safe_cell():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+1 818") == "'+1 818"
    assert safe_cell("-5") == "'-5"
    assert safe_cell("@x") == "'@x"
    assert safe_cell("\t=x") == "'\t=x"
    assert safe_cell("Jane") == "Jane"
    assert safe_cell(None) == ""
    assert safe_cell(3) == "3"


def test_intakes_csv(engine, profile):
    ids = seed(engine)
    with session_scope(engine) as session:
        text = intakes_csv(session, profile.timezone)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assert [int(r["id"]) for r in rows] == [ids["booked"], ids["sneaky"], ids["bare"]]  # oldest first

    booked = rows[0]
    assert booked["created_at"] == "2025-07-10T09:30:00-07:00"  # clinic zone
    assert booked["consent_at"] == "2025-07-10T09:31:00-07:00"
    assert booked["status"] == "booked"
    assert booked["concern"] == "sweating"
    assert booked["name"] == "Jane Doe"
    assert booked["phone"] == "'+1 818-555-0100"  # a leading + would start a formula
    assert booked["email"] == "jane@example.com"
    assert booked["appointment_start"] == "2025-07-15T10:00:00-07:00"
    assert booked["appointment_status"] == "booked"
    assert booked["appointment_reference"] == "ABC234"
    assert booked["safety_flag"] == "pregnancy"
    assert booked["flags"] == "age_check;blood_thinner;pregnancy"
    assert booked["open_alerts"] == "1"
    assert booked["callback_requested"] == "no"

    sneaky = rows[1]
    assert sneaky["name"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"  # quoted, comma kept
    assert sneaky["phone"] == "'-2+3"
    assert sneaky["email"] == "'@SUM(1,2)"
    assert sneaky["callback_requested"] == "yes"
    assert sneaky["appointment_start"] == "" and sneaky["consent_at"] == ""

    bare = rows[2]
    assert bare["name"] == "" and bare["flags"] == "" and bare["open_alerts"] == "0"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@"))


def test_empty_store_csv_has_header_only(engine, profile):
    with session_scope(engine) as session:
        text = intakes_csv(session, profile.timezone)
    assert list(csv.reader(io.StringIO(text))) == [list(CSV_COLUMNS)]


def _resources(bundle: dict) -> dict:
    parsed = Bundle.parse_obj(bundle)  # re-validates the whole bundle with the library
    assert parsed.type == "collection"
    out = {}
    for entry in parsed.entry:
        out.setdefault(entry.resource.resource_type, []).append((entry.fullUrl, entry.resource))
    return out


def test_fhir_bundle(engine, profile):
    ids = seed(engine)
    with session_scope(engine) as session:
        bundle = intake_fhir_bundle(session, ids["booked"], profile)
    json.dumps(bundle)  # a plain JSON-ready dict
    assert bundle["resourceType"] == "Bundle"
    res = _resources(bundle)
    assert sorted(res) == ["Appointment", "Patient", "QuestionnaireResponse"]

    (patient_url, patient), = res["Patient"]
    assert patient_url.startswith("urn:uuid:")
    assert patient.name[0].text == "Jane Doe"
    assert {(t.system, t.value) for t in patient.telecom} == {
        ("phone", "+1 818-555-0100"), ("email", "jane@example.com")}

    (_, qr), = res["QuestionnaireResponse"]
    assert qr.status == "completed"
    assert qr.subject.reference == patient_url
    assert qr.authored.isoformat() == "2025-07-10T09:31:00-07:00"  # consent time, clinic zone
    items = {item.linkId: item for item in qr.item}
    assert items["pregnant"].text == "Are you pregnant or breastfeeding?"
    assert items["pregnant"].answer[0].valueBoolean is True
    assert items["neuro"].answer[0].valueBoolean is False
    assert items["age"].answer[0].valueInteger == 34
    assert [a.valueString for a in items["meds"].answer] == ["aspirin", "ibuprofen"]
    flags = [(e.url, e.valueString) for e in items["pregnant"].extension]
    assert flags == [(FLAG_EXTENSION_URL, "pregnancy")]
    assert [e.valueString for e in items["age"].extension] == ["age_check", "pregnancy"]
    assert not items["neuro"].extension

    appointments = {a.identifier[0].value: a for _, a in res["Appointment"]}
    booked = appointments["ABC234"]
    assert booked.status == "booked"
    assert booked.description == "Free consultation: Excessive sweating"
    assert booked.start.isoformat() == "2025-07-15T10:00:00-07:00"
    assert booked.end.isoformat() == "2025-07-15T10:30:00-07:00"
    assert booked.start == START
    assert booked.participant[0].actor.reference == patient_url
    assert booked.participant[0].status == "accepted"
    assert appointments["OLD234"].status == "cancelled"

    # stable identities: the same urn on a second export
    with session_scope(engine) as session:
        again = intake_fhir_bundle(session, ids["booked"], profile)
    assert [e["fullUrl"] for e in again["entry"]] == [e["fullUrl"] for e in bundle["entry"]]


def test_fhir_bundle_without_contact_or_answers(engine, profile):
    ids = seed(engine)
    with session_scope(engine) as session:
        bundle = intake_fhir_bundle(session, ids["bare"], profile)
    res = _resources(bundle)
    assert sorted(res) == ["Patient", "QuestionnaireResponse"]
    (_, qr), = res["QuestionnaireResponse"]
    assert qr.item is None
    assert qr.authored.isoformat() == "2025-07-12T09:30:00-07:00"  # no consent: created time


def test_fhir_bundle_unknown_intake(engine, profile):
    with session_scope(engine) as session:
        with pytest.raises(IntakeNotFound):
            intake_fhir_bundle(session, 999, profile)


def test_export_fhir_dir(engine, profile, tmp_path):
    ids = seed(engine)
    target = tmp_path / "out" / "fhir"
    with session_scope(engine) as session:
        paths = export_fhir_dir(session, target, profile)
    assert sorted(p.name for p in paths) == sorted(f"intake-{i}.json" for i in ids.values())
    for path in paths:
        bundle = json.loads(path.read_text(encoding="utf-8"))
        assert "Patient" in _resources(bundle)
