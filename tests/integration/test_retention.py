"""Retention and erasure, on SQLite and PostgreSQL: `purge` (a dry run unless --yes) removes what
has been idle longer than the retention period and keeps the rest; `erase` removes one visitor
everywhere, tracker included, and the audit log records it without the erased data; a declined
consent takes the visitor's words out of the stored tracker events, and Rasa still reads them."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from bot.adapters.models import (
    Alert,
    Appointment,
    AuditEntry,
    CallbackRequest,
    Contact,
    Intake,
    OutboxMessage,
    ScreeningAnswer,
    StaffNote,
)
from bot.adapters.tracker_events import events
from bot.adapters.transcripts import transcript
from bot.cli import main
from bot.domain.statuses import Consent
from bot.services.retention import purge
from tests.integration.test_encryption import SENDER, persona_conversation, persona_rows
from tests.raw_store import NAME, WORDS, leaks
from tests.support import TEST_KEY_ENV, tracker_store

OLD = datetime(2025, 1, 2, 10, 0, tzinfo=timezone.utc)  # well over 30 days before today
OTHER = "conv-other"


@pytest.fixture
def cli_env(database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("RASA_TOKEN", "t")
    monkeypatch.setenv("SECRET_KEY", "s")
    for name, value in TEST_KEY_ENV.items():
        monkeypatch.setenv(name, value)
    return database_url


def age(app, sender: str, when: datetime) -> None:
    """Make a conversation's intake, appointments and events look as old as `when`."""
    with app.unit_of_work(for_write=True) as session:
        intake_id = session.scalar(select(Intake.id).where(Intake.conversation_id == sender))
        session.execute(update(Intake).where(Intake.id == intake_id).values(created_at=when, updated_at=when))
        session.execute(update(Appointment).where(Appointment.intake_id == intake_id)
                        .values(start_at=when, end_at=when + timedelta(minutes=30)))
        session.execute(update(events).where(events.c.sender_id == sender).values(timestamp=when.timestamp()))


def counts(app) -> dict:
    with app.unit_of_work() as session:
        tables = (Intake, Contact, Appointment, ScreeningAnswer, CallbackRequest, Alert, StaffNote, OutboxMessage)
        found = {model.__tablename__: session.scalar(select(func.count()).select_from(model)) for model in tables}
        found["events"] = session.scalar(select(func.count()).select_from(events))
    return found


def everything_readable(app) -> list:
    """Every stored value, decrypted: what staff and the application could still read."""
    values = []
    with app.unit_of_work() as session:
        for model in (Intake, Contact, Appointment, ScreeningAnswer, CallbackRequest, Alert, StaffNote, AuditEntry,
                      OutboxMessage):
            for row in session.scalars(select(model)):
                values += [str(getattr(row, c.key)) for c in model.__table__.columns]
        values += [str(data) for (data,) in session.execute(select(events.c.data))]
    return values


def two_visitors(database_url, app) -> str:
    persona_conversation(database_url)
    reference = persona_rows(app)
    persona_conversation(database_url, sender=OTHER)
    persona_rows(app, sender=OTHER, start=datetime(2031, 3, 5, 18, 0, tzinfo=timezone.utc))
    return reference


def test_purge_is_a_dry_run_until_yes_and_keeps_what_is_recent(database_url, app, cli_env, capsys):
    two_visitors(database_url, app)
    age(app, SENDER, OLD)
    persona_conversation(database_url, sender="conv-chat-only")  # a conversation with no intake
    with app.unit_of_work(for_write=True) as session:
        session.execute(update(events).where(events.c.sender_id == "conv-chat-only")
                        .values(timestamp=OLD.timestamp()))
    before = counts(app)

    assert main(["purge", "--older-than", "30"]) == 0
    out = capsys.readouterr().out
    assert "dry run, nothing removed" in out and "1 intakes" in out and "2 conversations" in out
    assert counts(app) == before

    assert main(["purge", "--older-than", "30", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "removed" in out and "1 intakes, 1 contacts, 1 appointments, 1 screening answers" in out
    after = counts(app)
    assert after == {"intakes": 1, "contacts": 1, "appointments": 1, "screening_answers": 1,
                     "callback_requests": 1, "alerts": 1, "staff_notes": 1, "outbox": before["outbox"] // 2,
                     "events": before["events"] // 3}
    with app.unit_of_work() as session:
        assert session.scalar(select(Intake.conversation_id)) == OTHER
        assert {s for (s,) in session.execute(select(events.c.sender_id).distinct())} == {OTHER}
        assert transcript(session, SENDER) == [] and transcript(session, OTHER) != []
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "retention_purge")).one()
        assert "1 intakes" in audit.detail


def test_purge_keeps_an_old_intake_with_a_booking_to_come(database_url, app):
    persona_conversation(database_url)
    persona_rows(app)
    age(app, SENDER, OLD)
    with app.unit_of_work(for_write=True) as session:
        session.execute(update(Appointment).values(start_at=datetime(2031, 1, 1, tzinfo=timezone.utc),
                                                   end_at=datetime(2031, 1, 1, 0, 30, tzinfo=timezone.utc)))
    with app.unit_of_work(for_write=True) as session:
        removal = purge(session, datetime(2025, 6, 1, tzinfo=timezone.utc), dry_run=False)
    assert removal.intakes == 0 and removal.events == 0
    assert counts(app)["intakes"] == 1


def test_purge_defaults_to_the_retention_setting(database_url, app, cli_env, monkeypatch, capsys):
    monkeypatch.setenv("RETENTION_DAYS", "4000")
    persona_conversation(database_url)
    persona_rows(app)
    age(app, SENDER, OLD)
    assert main(["purge", "--yes"]) == 0
    assert "more than 4000 days" in capsys.readouterr().out
    assert counts(app)["intakes"] == 1  # not 4000 days old


@pytest.mark.parametrize("by", ["reference", "intake"])
def test_erase_leaves_no_trace_and_an_audit_entry_without_the_data(database_url, app, cli_env, capsys, by):
    reference = two_visitors(database_url, app)
    with app.unit_of_work() as session:
        intake_id = session.scalar(select(Intake.id).where(Intake.conversation_id == SENDER))
    argv = ["erase", "--reference", reference.lower()] if by == "reference" else ["erase", "--intake", str(intake_id)]

    assert main(argv) == 0
    assert f"erased intake #{intake_id}" in capsys.readouterr().out
    left = everything_readable(app)
    assert counts(app)["intakes"] == 1
    # The other visitor (same words, name and contact) is still there: erase the copies' traces only.
    with app.unit_of_work() as session:
        assert session.scalar(select(Intake.conversation_id)) == OTHER
        assert {s for (s,) in session.execute(select(events.c.sender_id).distinct())} == {OTHER}
        assert transcript(session, SENDER) == []
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "visitor_erased")).one()
    how = "booking reference" if by == "reference" else "intake id"
    assert audit.detail == f"intake #{intake_id} erased (by {how})"
    assert leaks([audit.detail]) == [] and reference.lower() not in audit.detail.lower()
    assert reference not in " ".join(left)


def test_erasing_the_only_visitor_leaves_nothing_of_theirs(database_url, app, cli_env, capsys):
    persona_conversation(database_url)
    reference = persona_rows(app)
    assert main(["erase", "--reference", reference]) == 0
    assert leaks(everything_readable(app)) == []
    assert counts(app) == dict.fromkeys(counts(app), 0)
    assert main(["erase", "--reference", reference]) == 1  # gone: nothing found the second time
    assert "no intake with that reference" in capsys.readouterr().err


def test_declined_consent_takes_the_typed_words_out_of_the_tracker(database_url, app):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

    persona_conversation(database_url)
    store = tracker_store(database_url, domain=Domain.empty())
    try:
        tracker = asyncio.run(store.retrieve(SENDER))
        stored = len(tracker.events)
        tracker.update(SlotSet("screening_answers", {"medications": {"value": f"yes, {WORDS[1]}"}}))
        tracker.update(UserUttered(f"no, I'd rather not, I'm {WORDS[2]}", intent={"name": "deny", "confidence": 1}))
        tracker.update(ActionExecuted("action_record_consent"))
        tracker.update(SlotSet("consent", Consent.DECLINED.value))
        tracker.update(SlotSet("screening_answers", None))
        asyncio.run(store.save(tracker))

        with app.unit_of_work() as session:
            assert transcript(session, SENDER) and all(t["role"] == "assistant" for t in transcript(session, SENDER))
            assert leaks(everything_readable(app), [*WORDS, NAME.split()[1] + ", my"]) == []
        again = asyncio.run(store.retrieve(SENDER))
        assert len(again.events) == stored + 5  # every event is still there, for Rasa
        assert [e.intent_name for e in again.events if e.type_name == "user"][-1] == "deny"
        assert [e.value for e in again.events if e.type_name == "slot" and e.key == "consent"] == ["declined"]

        again.update(UserUttered("can I ask about prices?"))  # after the decline: kept as said
        asyncio.run(store.save(again))
    finally:
        store.engine.dispose()
    with app.unit_of_work() as session:
        assert [t["text"] for t in transcript(session, SENDER) if t["role"] == "visitor"] == ["can I ask about prices?"]


def test_given_consent_keeps_the_words(database_url, app):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet, UserUttered

    persona_conversation(database_url)
    store = tracker_store(database_url, domain=Domain.empty())
    try:
        tracker = asyncio.run(store.retrieve(SENDER))
        tracker.update(UserUttered("yes, that's fine", intent={"name": "give_consent", "confidence": 1}))
        tracker.update(SlotSet("consent", Consent.GIVEN.value))
        asyncio.run(store.save(tracker))
    finally:
        store.engine.dispose()
    with app.unit_of_work() as session:
        said = [t["text"] for t in transcript(session, SENDER) if t["role"] == "visitor"]
    assert said[0].startswith(f"Hi, I'm {NAME}") and said[-1] == "yes, that's fine"
