"""Encryption at rest, on SQLite and PostgreSQL: a visitor's name, contact and words written by the
services the actions call and by the project's tracker store are nowhere in the raw store (the
SQLite file, a backup copy of it, PostgreSQL's text columns), yet read back whole; bookings are
still found by reference and contact (keyed hashes); migration 0004 encrypts existing rows and
its downgrade restores them; `rotate-key` moves everything to a new key."""
from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timezone

import pytest
from sqlalchemy import Integer, Text, column, select, table, text

from bot.adapters.db import make_engine, session_scope
from bot.adapters.encryption import DataCipher, Lookup
from bot.adapters.migrate import downgrade, upgrade
from bot.adapters.models import (
    Alert,
    Appointment,
    CallbackRequest,
    Contact,
    Intake,
    OutboxMessage,
    ScreeningAnswer,
    StaffNote,
)
from bot.adapters.transcripts import transcript
from bot.cli import main
from bot.composition import build_app
from bot.domain.statuses import AlertKind, CallbackReason
from bot.domain.validators import ContactDetails
from bot.services.intake import (
    book,
    cancel_booking,
    find_booking,
    record_alert,
    record_consent,
    save_callback,
    save_screening_answer,
)
from bot.services.outbox import queue_booking
from bot.services.readout import intake_json
from tests.raw_store import EMAIL, NAME, PHONE, SECRETS, WORDS, leaks, raw_store
from tests.support import TEST_DATA_KEYS, TEST_LOOKUP_KEY, settings_for, tracker_store

START = datetime(2031, 3, 4, 18, 0, tzinfo=timezone.utc)
SENDER = "conv-persona"


def persona_conversation(database_url: str, sender: str = SENDER, start: datetime = START) -> None:
    """What a conversation with the persona leaves: tracker events and every kind of stored row."""
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [
        UserUttered(f"Hi, I'm {NAME}, my {WORDS[0]} every shirt", intent={"name": "inform", "confidence": 1.0},
                    entities=[{"entity": "concern", "value": WORDS[0], "start": 0, "end": 5}]),
        BotUttered("Thanks. Do you take any medicines?"),
        UserUttered(f"I take {WORDS[1]} and I'm {WORDS[2]}", intent={"name": "inform", "confidence": 1.0}),
        SlotSet("full_name", NAME),
        UserUttered(f"call me on {PHONE} or {EMAIL}"),
    ]
    store = tracker_store(database_url)
    try:
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    finally:
        store.engine.dispose()


def persona_rows(app, sender: str = SENDER, start: datetime = START) -> str:
    """The rows the actions store for the persona; returns the booking reference."""
    with app.unit_of_work(for_write=True) as session:
        record_consent(session, sender, True)
        save_screening_answer(session, sender, "medications", "Do you take any medicines?",
                              {"answer": "yes", "detail": f"I take {WORDS[1]}"}, ["medication"])
        booking = book(session, app.profile, sender, NAME, ContactDetails(phone=PHONE, email=EMAIL), start,
                       concern="sweating")
        queue_booking(session, app.mail_context(), booking)  # the clinic's notice and the patient's confirmation
        recorded = record_alert(session, sender, AlertKind.ADVERSE_EFFECT.value, f"{WORDS[2]}, my face is swollen")
        session.get(Alert, recorded.alert_id).callback_phone = PHONE
        save_callback(session, sender, NAME, PHONE, "after 5, ask for Imogen", CallbackReason.TALK_TO_PERSON.value)
        session.add(StaffNote(intake_id=recorded.intake_id, text=f"{NAME} mentioned {WORDS[1]}"))
    return booking.reference


def test_persona_is_nowhere_in_the_raw_store_yet_reads_back(database_url, app, tmp_path):
    persona_conversation(database_url)
    reference = persona_rows(app)

    assert leaks(raw_store(database_url, tmp_path)) == []
    assert reference.encode() not in b"".join(
        v if isinstance(v, bytes) else str(v).encode() for v in raw_store(database_url, tmp_path))

    with app.unit_of_work() as session:
        contact = session.scalars(select(Contact)).one()
        assert (contact.name, contact.phone, contact.email) == (NAME, PHONE, EMAIL)
        answer = session.scalars(select(ScreeningAnswer)).one()
        assert answer.answer["detail"] == f"I take {WORDS[1]}" and answer.flags == ["medication"]
        alert = session.scalars(select(Alert)).one()
        assert alert.message.startswith(WORDS[2]) and alert.callback_phone == PHONE
        assert session.scalars(select(CallbackRequest.best_time)).one() == "after 5, ask for Imogen"
        assert session.scalars(select(StaffNote.text)).one() == f"{NAME} mentioned {WORDS[1]}"
        mail = session.scalars(select(OutboxMessage)).all()
        assert EMAIL in {m.recipient for m in mail} and any(NAME in m.body for m in mail)
        assert all(reference in a["filename"] for m in mail for a in m.attachments)
        said = [turn["text"] for turn in transcript(session, SENDER)]
        assert said[0] == f"Hi, I'm {NAME}, my {WORDS[0]} every shirt" and said[-1] == f"call me on {PHONE} or {EMAIL}"
        shown = intake_json(session, session.scalars(select(Intake.id)).one(), app.profile)
        assert shown["contact"]["name"] == NAME and shown["appointments"][0]["reference"] == reference


def test_tracker_events_keep_no_intent_or_action_names(database_url, app):
    persona_conversation(database_url)
    with app.unit_of_work() as session:
        names = session.execute(text("SELECT intent_name, action_name FROM events")).all()
    assert names and all(row == (None, None) for row in names)


def test_bookings_are_found_by_reference_and_contact_hashes(database_url, app):
    reference = persona_rows(app)
    with app.unit_of_work() as session:
        appointment = session.scalars(select(Appointment)).one()
        contact = session.scalars(select(Contact)).one()
        cipher = DataCipher(TEST_DATA_KEYS, TEST_LOOKUP_KEY)
        assert appointment.reference_hash == cipher.lookup_hash(Lookup.REFERENCE, reference)
        assert contact.email_hash == cipher.lookup_hash(Lookup.EMAIL, EMAIL.upper())  # normalised
        assert find_booking(session, reference.lower(), ContactDetails(email=f" {EMAIL.upper()} ")) is not None
        assert find_booking(session, reference, ContactDetails(phone=PHONE)) is not None
        assert find_booking(session, reference, ContactDetails(phone="+18185550100")) is None
    with app.unit_of_work(for_write=True) as session:
        assert cancel_booking(session, reference, ContactDetails(phone=PHONE)) is not None


def test_a_wrong_key_reads_nothing(database_url, app):
    persona_rows(app)
    other = DataCipher(("0" * 43 + "=",), TEST_LOOKUP_KEY)
    engine = make_engine(database_url, other)
    try:
        with session_scope(engine) as session, pytest.raises(ValueError, match="does not decrypt"):
            session.scalars(select(Contact)).one()
    finally:
        engine.dispose()


def test_rotate_key_moves_everything_to_the_newest_key(database_url, app, monkeypatch, capsys):
    persona_conversation(database_url)
    reference = persona_rows(app)
    new_key = "Nn8Ld5dWs3kGvd5xKfN4Tfhxs8zyu8dD4R2XlHkQ0iY="
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DATA_KEYS", f"{new_key},{TEST_DATA_KEYS[0]}")
    monkeypatch.setenv("LOOKUP_KEY", "a-new-lookup-key")
    monkeypatch.setenv("RASA_TOKEN", "t")
    monkeypatch.setenv("SECRET_KEY", "s")
    assert main(["rotate-key"]) == 0
    assert "contacts 1" in capsys.readouterr().out

    rotated = build_app(replace(settings_for(database_url), data_keys=(new_key,), lookup_key="a-new-lookup-key"))
    try:
        with rotated.unit_of_work() as session:
            assert session.scalars(select(Contact.name)).one() == NAME
            assert session.scalars(select(Alert.message)).one().startswith(WORDS[2])
            assert transcript(session, SENDER)[0]["text"].startswith("Hi, I'm")
            assert find_booking(session, reference, ContactDetails(email=EMAIL)) is not None
    finally:
        rotated.close()


# --- migration 0004 ---------------------------------------------------------------------------------

PLAIN_ROWS = [
    "INSERT INTO contacts (id, name, phone, email, created_at) "
    f"VALUES (1, '{NAME}', '{PHONE}', '{EMAIL}', '2030-01-01 10:00:00')",
    "INSERT INTO intakes (id, conversation_id, contact_id, status, other_concerns, consultation_only, created_at, "
    "updated_at) VALUES (1, 'conv-old', 1, 'booked', '[]', false, '2030-01-01 10:00:00', '2030-01-01 10:00:00')",
    "INSERT INTO appointments (id, intake_id, contact_id, reference, start_at, end_at, status, kind, created_at, "
    "updated_at) VALUES (1, 1, 1, 'QX7K2M', '2031-03-04 18:00:00', '2031-03-04 18:30:00', 'booked', "
    "'consultation', '2030-01-01 10:00:00', '2030-01-01 10:00:00')",
    "INSERT INTO screening_answers (id, intake_id, question_key, question_text, answer, flags, created_at) "
    f"VALUES (1, 1, 'medications', 'Medicines?', '\"{WORDS[1]}\"', '[\"medication\"]', '2030-01-01 10:00:00')",
    "INSERT INTO alerts (id, intake_id, kind, priority, message, callback_phone, created_at) "
    f"VALUES (1, 1, 'adverse_effect', 'high', '{WORDS[2]}', '{PHONE}', '2030-01-01 10:00:00')",
    "INSERT INTO callback_requests (id, intake_id, name, phone, best_time, reason, status, created_at) "
    f"VALUES (1, 1, '{NAME}', '{PHONE}', 'mornings', 'talk_to_person', 'open', '2030-01-01 10:00:00')",
    "INSERT INTO staff_notes (id, intake_id, text, created_at) "
    f"VALUES (1, 1, '{NAME} called', '2030-01-01 10:00:00')",
    "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) "
    "NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)",
    "INSERT INTO events (id, sender_id, type_name, timestamp, intent_name, action_name, data) VALUES "
    f"(1, 'conv-old', 'user', 1.0, 'inform', NULL, '{{\"event\": \"user\", \"text\": \"{WORDS[0]}\"}}')",
]


def test_migration_0004_encrypts_existing_rows_and_downgrade_restores_them(tmp_path):
    """On an empty database of its own (the fixture's is already at head): 0003 with plain rows,
    then 0004."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _migrate_plain_rows(url, tmp_path)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_migration_0004_on_postgresql(database_url, tmp_path):
    downgrade(database_url, "0003")  # the fixture migrated this schema to head: back to 0003 first
    _migrate_plain_rows(database_url, tmp_path)


def _migrate_plain_rows(url: str, tmp_path) -> None:
    cipher = DataCipher(TEST_DATA_KEYS, TEST_LOOKUP_KEY)
    upgrade(url, "0003")
    plain = make_engine(url)
    with plain.begin() as conn:
        for statement in PLAIN_ROWS:
            conn.execute(text(statement))
    plain.dispose()

    upgrade(url, cipher=cipher)
    assert leaks(raw_store(url, tmp_path), [NAME, PHONE, EMAIL, "QX7K2M", *WORDS]) == []
    engine = make_engine(url, cipher)
    try:
        with session_scope(engine) as session:
            contact = session.get(Contact, 1)
            assert (contact.name, contact.phone, contact.email) == (NAME, PHONE, EMAIL)
            # SQLite rebuilt the tables: every link to them survived (no foreign key set null)
            assert session.get(Intake, 1).contact_id == session.get(Appointment, 1).contact_id == 1
            assert session.get(ScreeningAnswer, 1).answer == WORDS[1]
            assert session.get(ScreeningAnswer, 1).flags == ["medication"]
            assert session.get(Alert, 1).message == WORDS[2]
            assert session.get(StaffNote, 1).text == f"{NAME} called"
            assert find_booking(session, "qx7k2m", ContactDetails(phone=PHONE)).reference == "QX7K2M"
            assert transcript(session, "conv-old")[0]["text"] == WORDS[0]
            assert session.execute(text("SELECT intent_name FROM events")).scalar_one() is None
    finally:
        engine.dispose()

    downgrade(url, "0003", cipher=cipher)
    raw = make_engine(url)
    try:
        with raw.connect() as conn:
            assert conn.execute(text("SELECT name, phone FROM contacts")).one() == (NAME, PHONE)
            assert conn.execute(text("SELECT reference FROM appointments")).scalar_one() == "QX7K2M"
            events = table("events", column("id", Integer), column("data", Text))
            assert WORDS[0] in conn.execute(select(events.c.data)).scalar_one()
    finally:
        raw.dispose()


def test_secrets_list_is_the_personas():
    """The scan looks for what the persona's rows hold (a guard against a scan for nothing)."""
    assert {NAME, PHONE, EMAIL, *WORDS} <= set(SECRETS)
    assert leaks([f"x {NAME} y".encode()]) and not leaks([b"nothing here"])

