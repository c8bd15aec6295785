"""`python -m bot intakes --json`, `intake ID` and `export`, run in-process on both databases."""
from __future__ import annotations

import asyncio
import csv
import json
import warnings
from datetime import datetime, timedelta, timezone

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.adapters.db import session_scope
from bot.adapters.models import Alert, Appointment, AuditEntry, CallbackRequest, Contact, Intake, ScreeningAnswer
from bot.cli import main

UTC = timezone.utc
CREATED = datetime(2025, 7, 10, 16, 30, tzinfo=UTC)  # 9:30 am in Encino
START = datetime(2025, 7, 15, 17, 0, tzinfo=UTC)
OLD_KEYS = {"id", "created_at", "conversation_id", "name", "phone", "email", "concern", "appointment"}


@pytest.fixture
def cli_env(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RASA_TOKEN", "test-token")
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    monkeypatch.delenv("CLINIC_PROFILE", raising=False)
    return database_url


def seed(engine) -> int:
    with session_scope(engine) as session:
        intake = Intake(
            conversation_id="conv-cli",
            concern="clenching",
            status="booked",
            safety_flag="pregnancy",
            consent_at=CREATED + timedelta(minutes=1),
            created_at=CREATED,
            contact=Contact(name="Jane Doe", phone="+1 818-555-0100", email="jane@example.com"),
        )
        session.add(intake)
        session.flush()
        session.add_all(
            [
                ScreeningAnswer(intake_id=intake.id, question_key="pregnant",
                                question_text="Are you pregnant or breastfeeding?", answer=True,
                                flags=["pregnancy"]),
                ScreeningAnswer(intake_id=intake.id, question_key="meds",
                                question_text="Blood thinners?", answer=False, flags=[]),
                ScreeningAnswer(intake_id=intake.id, question_key="allergy",
                                question_text="Allergies?", answer="latex",
                                flags=["allergy", "pregnancy"]),
                Appointment(intake_id=intake.id, contact_id=intake.contact_id, reference="XYZ789",
                            start_at=START, end_at=START + timedelta(minutes=30), status="booked"),
                CallbackRequest(intake_id=intake.id, name="Jane", phone="+1 818-555-0100",
                                best_time="after 3 pm", created_at=CREATED + timedelta(minutes=3)),
                Alert(intake_id=intake.id, kind="adverse_effect", priority="high",
                      message="my eyelid droops", created_at=CREATED + timedelta(minutes=2)),
            ]
        )
        session.add(
            Intake(conversation_id="conv-empty", status="new", created_at=CREATED + timedelta(days=1))
        )
        return intake.id


def write_transcript(database_url: str) -> None:
    """The conversation as Rasa's SQLTrackerStore stores it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rasa.core.tracker_store import SQLTrackerStore
        from rasa.shared.core.events import BotUttered, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        url = make_url(database_url)
        store = SQLTrackerStore(dialect=url.drivername, host=url.host, port=url.port, db=url.database,
                                username=url.username, password=url.password, query=dict(url.query))
    t0 = CREATED.timestamp()
    events = [
        UserUttered("I clench my jaw at night", timestamp=t0 + 5),
        BotUttered("I can help with that. Shall we book?",
                   data={"buttons": [{"title": "Yes, book", "payload": "/affirm"}]}, timestamp=t0 + 6),
        UserUttered("/affirm", timestamp=t0 + 20),
    ]
    try:
        asyncio.run(store.save(DialogueStateTracker.from_events("conv-cli", events)))
    finally:
        store.engine.dispose()


def test_intakes_json_keeps_old_keys_and_adds_new(cli_env, engine, capsys):
    intake_id = seed(engine)
    assert main(["intakes", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows][-1] == intake_id  # newest first
    row = next(r for r in rows if r["id"] == intake_id)
    assert OLD_KEYS | {"status", "flags", "safety_flag", "alerts"} == set(row)
    assert row["created_at"] == CREATED.isoformat()
    assert row["appointment"] == {"start": "2025-07-15T10:00:00-07:00", "status": "booked",
                                  "reference": "XYZ789"}
    assert row["status"] == "booked"
    assert row["flags"] == ["allergy", "pregnancy"]
    assert row["safety_flag"] == "pregnancy"
    assert row["alerts"] == [{"kind": "adverse_effect", "priority": "high",
                              "created_at": "2025-07-10T09:32:00-07:00", "resolved": False}]
    empty = next(r for r in rows if r["id"] != intake_id)
    assert empty["flags"] == [] and empty["alerts"] == [] and empty["appointment"] is None


def test_intake_text_with_transcript(cli_env, engine, capsys):
    intake_id = seed(engine)
    write_transcript(cli_env)
    assert main(["intake", str(intake_id)]) == 0
    out = capsys.readouterr().out
    assert f"Intake #{intake_id}" in out
    assert "Jane Doe, +1 818-555-0100, jane@example.com" in out
    assert "Jaw clenching and teeth grinding (clenching)" in out
    assert "Status:       booked" in out
    assert "Consent:      given 2025-07-10 09:31 PDT" in out
    assert "Are you pregnant or breastfeeding? yes  [flags: pregnancy]" in out
    assert "Blood thinners? no" in out
    assert "XYZ789  2025-07-15 10:00 PDT - 10:30  booked" in out
    assert "after 3 pm" in out
    assert 'adverse_effect (high), OPEN: "my eyelid droops"' in out
    assert "[2025-07-10 09:30:05] Visitor: I clench my jaw at night" in out
    assert "[2025-07-10 09:30:06] Assistant: I can help with that. Shall we book?" in out
    assert "[Yes, book]" in out
    assert "[2025-07-10 09:30:20] Visitor: Yes, book" in out
    # the transcript comes last, in order
    assert out.index("Alerts:") < out.index("Transcript") < out.index("Visitor: I clench")
    with session_scope(engine) as session:
        audit = session.execute(select(AuditEntry)).scalars().all()
    assert [(a.action, a.intake_id) for a in audit] == [("cli_view_intake", intake_id)]


def test_intake_without_conversation(cli_env, engine, capsys):
    seed(engine)
    with session_scope(engine) as session:
        empty_id = session.execute(
            select(Intake.id).where(Intake.conversation_id == "conv-empty")
        ).scalar_one()
    assert main(["intake", str(empty_id)]) == 0
    out = capsys.readouterr().out
    assert "(no conversation recorded)" in out
    assert "Consent:      not given" in out


def test_unknown_intake(cli_env, capsys):
    assert main(["intake", "4242"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no intake with id 4242" in captured.err


def test_export_csv_and_fhir(cli_env, engine, capsys, tmp_path):
    intake_id = seed(engine)
    csv_path, fhir_dir = tmp_path / "intakes.csv", tmp_path / "fhir"
    assert main(["export", "--csv", str(csv_path), "--fhir", str(fhir_dir)]) == 0
    out = capsys.readouterr().out
    assert f"wrote 2 intake(s) to {csv_path}" in out
    assert f"wrote 2 FHIR bundle(s) to {fhir_dir}" in out

    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2
    row = next(r for r in rows if r["id"] == str(intake_id))
    assert row["name"] == "Jane Doe" and row["flags"] == "allergy;pregnancy"
    assert row["phone"] == "'+1 818-555-0100"
    assert row["open_alerts"] == "1" and row["callback_requested"] == "yes"

    files = sorted(p.name for p in fhir_dir.iterdir())
    assert f"intake-{intake_id}.json" in files and len(files) == 2
    bundle = Bundle.parse_obj(json.loads((fhir_dir / f"intake-{intake_id}.json").read_text()))
    types = [entry.resource.resource_type for entry in bundle.entry]
    assert types == ["Patient", "QuestionnaireResponse", "Appointment"]


def test_export_only_csv(cli_env, engine, capsys, tmp_path):
    seed(engine)
    target = tmp_path / "sub" / "out.csv"
    assert main(["export", "--csv", str(target)]) == 0
    assert target.exists()
    assert "FHIR" not in capsys.readouterr().out


def test_export_needs_a_target(cli_env, capsys):
    assert main(["export"]) == 2
    assert "--csv" in capsys.readouterr().err


def test_intake_text_strips_control_characters(cli_env, engine, capsys):
    with session_scope(engine) as session:
        intake = Intake(conversation_id="conv-esc", status="new",
                        contact=Contact(name="Eve\x1b[2J\x1b]0;pwned\x07", phone="1"))
        session.add(intake)
        session.flush()
        session.add(Alert(intake_id=intake.id, kind="emergency", priority="urgent",
                          message="help\r\x1b[31mnow"))
        intake_id = intake.id
    assert main(["intake", str(intake_id)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\r" not in out
    assert "Eve\ufffd[2J" in out
