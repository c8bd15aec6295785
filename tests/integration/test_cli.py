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

from bot.adapters.db import session_scope
from bot.adapters.models import Alert, Appointment, AuditEntry, CallbackRequest, Contact, Intake, ScreeningAnswer
from bot.cli import main
from tests.support import TEST_KEY_ENV, tracker_store

UTC = timezone.utc
CREATED = datetime(2025, 7, 10, 16, 30, tzinfo=UTC)  # 9:30 am in Encino
START = datetime(2025, 7, 15, 17, 0, tzinfo=UTC)
OLD_KEYS = {"id", "created_at", "conversation_id", "name", "phone", "email", "concern", "appointment"}


@pytest.fixture
def cli_env(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RASA_TOKEN", "test-token")
    monkeypatch.setenv("SECRET_KEY", "test-secret")
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
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
    """The conversation as the project's tracker store stores it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from rasa.shared.core.events import BotUttered, UserUttered
        from rasa.shared.core.trackers import DialogueStateTracker

        store = tracker_store(database_url)
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


FULL_KEYS = {"id", "conversation_id", "created_at", "updated_at", "status", "concern", "concern_name",
             "other_concerns", "safety_flag", "consent", "consultation_only", "contact", "contacts", "flags",
             "screening", "appointment", "appointments", "callbacks", "alerts", "transcript"}


def seed_full(engine) -> int:
    """seed()'s intake plus what a real conversation stores: a second concern, a yes with its
    detail, a resolved alert and an earlier appointment made with another contact."""
    intake_id = seed(engine)
    with session_scope(engine) as session:
        intake = session.get(Intake, intake_id)
        intake.other_concerns = ["migraine"]
        other = Contact(name="Jane Doe", email="jane.work@example.com")
        session.add(other)
        session.flush()
        session.add_all([
            ScreeningAnswer(intake_id=intake_id, question_key="previous_side_effect",
                            question_text="Have you ever had a side effect from a previous Botox treatment?",
                            answer={"answer": "yes", "detail": "my brow was heavy for a week"}, flags=[]),
            Alert(intake_id=intake_id, kind="emergency", priority="urgent", message="I can't swallow",
                  callback_phone="+18185550199", created_at=CREATED + timedelta(minutes=4),
                  updated_at=CREATED + timedelta(minutes=5), resolved_at=CREATED + timedelta(minutes=9)),
            Appointment(intake_id=intake_id, contact_id=other.id, reference="OLD123",
                        start_at=START - timedelta(days=1), end_at=START - timedelta(days=1, minutes=-30),
                        status="rescheduled"),
        ])
    return intake_id


def test_intake_json_in_full(cli_env, engine, capsys):
    intake_id = seed_full(engine)
    write_transcript(cli_env)
    assert main(["intake", str(intake_id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == FULL_KEYS
    assert data["id"] == intake_id and data["conversation_id"] == "conv-cli"
    assert data["created_at"] == "2025-07-10T09:30:00-07:00"
    assert (data["status"], data["concern"], data["concern_name"]) == (
        "booked", "clenching", "Jaw clenching and teeth grinding")
    assert data["other_concerns"] == ["migraine"]
    assert data["safety_flag"] == "pregnancy"
    assert data["consent"] == {"state": "given", "at": "2025-07-10T09:31:00-07:00"}
    assert data["consultation_only"] is False
    assert data["contact"] == {"name": "Jane Doe", "phone": "+1 818-555-0100", "email": "jane@example.com"}
    assert data["contacts"] == [data["contact"],
                                {"name": "Jane Doe", "phone": None, "email": "jane.work@example.com"}]
    assert data["flags"] == ["allergy", "pregnancy"]
    by_key = {answer["question_key"]: answer for answer in data["screening"]}
    assert list(by_key) == ["pregnant", "meds", "allergy", "previous_side_effect"]  # the order stored
    assert by_key["pregnant"]["question_text"] == "Are you pregnant or breastfeeding?"
    assert by_key["pregnant"]["answer"] is True and by_key["pregnant"]["flags"] == ["pregnancy"]
    side_effect = by_key["previous_side_effect"]
    assert side_effect["answer"] == {"answer": "yes", "detail": "my brow was heavy for a week"}  # as stored
    assert side_effect["answer_in_words"] == "yes: my brow was heavy for a week"
    assert side_effect["flags"] == []
    assert data["appointment"] == {"reference": "XYZ789", "status": "booked", "start": "2025-07-15T10:00:00-07:00"}
    assert [(a["reference"], a["status"], a["start"], a["end"]) for a in data["appointments"]] == [
        ("XYZ789", "booked", "2025-07-15T10:00:00-07:00", "2025-07-15T10:30:00-07:00"),
        ("OLD123", "rescheduled", "2025-07-14T10:00:00-07:00", "2025-07-14T10:30:00-07:00"),
    ]
    assert data["callbacks"] == [{"name": "Jane", "phone": "+1 818-555-0100", "best_time": "after 3 pm",
                                  "reason": "talk_to_person", "status": "open",
                                  "created_at": "2025-07-10T09:33:00-07:00"}]
    assert data["alerts"] == [
        {"kind": "adverse_effect", "priority": "high", "message": "my eyelid droops", "callback_phone": None,
         "created_at": "2025-07-10T09:32:00-07:00", "updated_at": None, "resolved": False, "resolved_at": None},
        {"kind": "emergency", "priority": "urgent", "message": "I can't swallow", "callback_phone": "+18185550199",
         "created_at": "2025-07-10T09:34:00-07:00", "updated_at": "2025-07-10T09:35:00-07:00", "resolved": True,
         "resolved_at": "2025-07-10T09:39:00-07:00"},
    ]
    assert data["transcript"] == [
        {"role": "visitor", "text": "I clench my jaw at night", "time": "2025-07-10T09:30:05-07:00", "buttons": []},
        {"role": "assistant", "text": "I can help with that. Shall we book?", "time": "2025-07-10T09:30:06-07:00",
         "buttons": [{"title": "Yes, book", "payload": "/affirm"}]},
        {"role": "visitor", "text": "Yes, book", "time": "2025-07-10T09:30:20-07:00", "buttons": []},
    ]
    with session_scope(engine) as session:
        audit = session.execute(select(AuditEntry)).scalars().all()
    assert [(a.action, a.intake_id, a.ip, str(a.outcome)) for a in audit] == [
        ("cli_view_intake", intake_id, "local", "ok")]
    assert audit[0].detail.startswith("python -m bot intake --json (command line, by ")


def test_intake_json_and_text_show_the_same_intake(cli_env, engine, capsys):
    intake_id = seed_full(engine)
    assert main(["intake", str(intake_id), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert main(["intake", str(intake_id)]) == 0
    text = capsys.readouterr().out
    for answer in data["screening"]:
        assert f"{answer['question_text']} {answer['answer_in_words']}" in text
    for appointment in data["appointments"]:
        assert f"{appointment['reference']}  " in text
    assert "emergency (urgent), resolved 2025-07-10 09:39 PDT: \"I can't swallow\"" in text


def test_intake_by_conversation(cli_env, engine, capsys):
    intake_id = seed_full(engine)
    assert main(["intake", "--conversation", "conv-cli", "--json"]) == 0
    by_conversation = json.loads(capsys.readouterr().out)
    assert main(["intake", str(intake_id), "--json"]) == 0
    by_id = json.loads(capsys.readouterr().out)
    assert by_conversation == by_id and by_conversation["id"] == intake_id
    assert main(["intake", "--conversation", "conv-cli"]) == 0
    assert f"Intake #{intake_id}  (conversation conv-cli)" in capsys.readouterr().out


def test_intake_json_of_an_empty_intake(cli_env, engine, capsys):
    seed(engine)
    assert main(["intake", "--conversation", "conv-empty", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["consent"] == {"state": "not_given", "at": None}
    assert data["contact"] is None and data["contacts"] == []
    assert data["screening"] == data["appointments"] == data["alerts"] == data["callbacks"] == []
    assert data["appointment"] is None and data["transcript"] == [] and data["other_concerns"] == []


def test_intake_json_unknown_or_ambiguous(cli_env, engine, capsys):
    intake_id = seed(engine)
    assert main(["intake", "--conversation", "nobody", "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "no intake with conversation nobody" in captured.err
    assert main(["intake", "4242", "--json"]) == 1
    assert "no intake with id 4242" in capsys.readouterr().err
    assert main(["intake"]) == 2
    assert main(["intake", str(intake_id), "--conversation", "conv-cli"]) == 2
    assert "not both" in capsys.readouterr().err


def test_intake_json_escapes_control_characters(cli_env, engine, capsys):
    with session_scope(engine) as session:
        session.add(Intake(conversation_id="conv-esc-json", status="new",
                           contact=Contact(name="Eve\x1b[2J", phone="1")))
    assert main(["intake", "--conversation", "conv-esc-json", "--json"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert json.loads(out)["contact"]["name"] == "Eve\x1b[2J"  # kept exactly, escaped by JSON
