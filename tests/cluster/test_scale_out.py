"""Issue #12 point 4: fifty visitors book at once through the gateway of `python -m bot run-cluster`,
each conversation's turns alternating between the two Rasa replicas (RASA_ROUTING=turn); then, in
PostgreSQL, no event is lost or duplicated, every intake holds what its visitor said, and no time
is booked twice (nor can be: the unique index on booked start times)."""
from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Dict, List, Tuple

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from bot.adapters.db import make_engine, session_scope
from bot.adapters.models import Appointment, Intake
from bot.domain.profile import ClinicProfile
from bot.domain.statuses import AppointmentStatus
from bot.web.sessions import SessionTokens
from tests.support import fixed_cipher

pytestmark = [pytest.mark.cluster, pytest.mark.stack]

VISITORS = 50
CONCERN_TEXT = "my armpits sweat through every shirt"
FIRST_NAMES = ("Maria", "Dana", "Priya", "Lena", "Omar", "Tariq", "Helen", "Ines", "Jonas", "Keiko")
LAST_NAMES = ("Lopez", "Reyes", "Shah", "Novak", "Farouk")
SLOT_PREFIX = "/choose_slot"
MAX_SCREENING_TURNS = 15
MAX_SLOT_TRIES = 8


@dataclass
class Visit:
    """One visitor: what they sent (as Rasa receives it) and which replica answered each turn."""
    index: int
    token: str
    name: str
    phone: str
    when: str  # the time asked for, in words
    start: datetime  # that time
    sent: List[str] = field(default_factory=list)
    replicas: List[str] = field(default_factory=list)

    @property
    def headers(self) -> Dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [button for message in messages for button in message.get("buttons") or []]


def texts(messages: List[Dict[str, Any]]) -> str:
    return " ".join(message.get("text") or "" for message in messages)


async def send(client: httpx.AsyncClient, visit: Visit, message: str) -> List[Dict[str, Any]]:
    response = await client.post("/api/chat", json={"message": message}, headers=visit.headers)
    assert response.status_code == 200, f"visitor {visit.index} {message!r}: {response.status_code} {response.text}"
    visit.sent.append(message)
    visit.replicas.append(response.headers["x-rasa-replica"])
    messages = response.json()["messages"]
    assert messages, f"visitor {visit.index} {message!r}: no reply"
    return messages


async def click(client: httpx.AsyncClient, visit: Visit, messages: List[Dict[str, Any]], title: str):
    for button in buttons(messages):
        if title.lower() in button["title"].lower():
            return await send(client, visit, button["payload"])
    raise AssertionError(f"visitor {visit.index}: no {title!r} button in {texts(messages)!r} {buttons(messages)}")


def wanted_times(profile: ClinicProfile, count: int) -> List[Tuple[str, datetime]]:
    """A different opening for each visitor, in words ("monday at 2:30pm"), from tomorrow on (a
    weekday name never means today), with the time it means."""
    tz = profile.timezone
    today = datetime.now(tz).date()
    found = []
    for ahead in range(1, 7):
        day = today + timedelta(days=ahead)
        hours = profile.office_hours.get(day.weekday())
        if hours is None:
            continue
        start = datetime.combine(day, hours.open, tz)
        last = datetime.combine(day, hours.close, tz) - timedelta(minutes=profile.consultation.length_minutes)
        while start <= last:
            clock = f"{start.hour % 12 or 12}:{start:%M}{'am' if start.hour < 12 else 'pm'}"
            found.append((f"{day:%A} at {clock}".lower(), start))
            start += timedelta(minutes=30)
    assert len(found) >= count, "the clinic's week has fewer openings than visitors"
    return found[:count]


async def book(client: httpx.AsyncClient, index: int, ask_name: str, when: Tuple[str, datetime]) -> Visit:
    """Greeting, concern, consent, the screening ('none of these', underarms, no), name, phone, the
    visitor's own time in words; should it be taken, one of the times offered instead."""
    token = (await client.post("/api/session")).json()["session"]
    visit = Visit(index, token, f"{FIRST_NAMES[index % 10]} {LAST_NAMES[index // 10 % 5]}",
                  f"818 555 {100 + index:04d}", *when)
    await send(client, visit, "hi")
    reply = await send(client, visit, CONCERN_TEXT)
    reply = await click(client, visit, reply, "Book")
    reply = await click(client, visit, reply, "I agree")
    for _ in range(MAX_SCREENING_TURNS):
        if ask_name in texts(reply):
            break
        titles = [button["title"].lower() for button in buttons(reply)]
        choice = next((t for t in ("none of these", "underarms", "no") if t in titles), None)
        reply = await (click(client, visit, reply, choice) if choice else send(client, visit, "no"))
    else:
        raise AssertionError(f"visitor {index}: the screening did not end: {texts(reply)!r}")
    await send(client, visit, visit.name)
    await send(client, visit, visit.phone)
    reply = await send(client, visit, visit.when)
    for attempt in range(MAX_SLOT_TRIES):
        slots = [button["payload"] for button in buttons(reply) if button["payload"].startswith(SLOT_PREFIX)]
        if not slots:
            break
        reply = await send(client, visit, slots[(index + attempt) % len(slots)])
    return visit


def stored_events(database_url: str, conversation_ids: List[str]) -> Dict[str, List[Dict[str, Any]]]:
    """Each conversation's events from the tracker store, in the order they were stored, decrypted."""
    cipher, engine = fixed_cipher(), make_engine(database_url)
    events: Dict[str, List[Dict[str, Any]]] = {cid: [] for cid in conversation_ids}
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT sender_id, data FROM events ORDER BY id")).all()
    finally:
        engine.dispose()
    for sender_id, data in rows:
        if sender_id in events:
            events[sender_id].append(json.loads(cipher.decrypt(data)))
    return events


def digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def test_fifty_conversations_alternating_replicas_lose_and_double_nothing(cluster, wording, profile):
    ask_name = wording.text("ask.full_name")
    times = wanted_times(profile, VISITORS)
    limits = httpx.Limits(max_connections=VISITORS, max_keepalive_connections=VISITORS)

    async def everyone() -> List[Visit]:
        async with httpx.AsyncClient(base_url=cluster.web_url, timeout=660, limits=limits) as client:
            return await asyncio.gather(*(book(client, index, ask_name, times[index]) for index in range(VISITORS)))

    started = time.monotonic()
    visits = asyncio.run(everyone())
    seconds = time.monotonic() - started
    turns = sum(len(visit.sent) for visit in visits)
    print(f"\n{VISITORS} conversations, {turns} turns in {seconds:.0f} s ({turns / seconds:.1f} turns/s)")

    tokens = SessionTokens(cluster.settings.require("secret_key"))
    by_conversation = {tokens.conversation_id(tokens.verify(visit.token)): visit for visit in visits}
    assert len(by_conversation) == VISITORS

    # Every turn went to the other replica than the turn before it.
    for visit in visits:
        assert visit.replicas == [str(turn % 2) for turn in range(len(visit.sent))], visit.index

    # The tracker store: every message once, in the order sent; no event stored twice; time runs forward.
    events = stored_events(cluster.database_url, list(by_conversation))
    for conversation_id, visit in by_conversation.items():
        stored = events[conversation_id]
        assert [event["text"] for event in stored if event["event"] == "user"] == visit.sent, visit.index
        serialised = [json.dumps(event, sort_keys=True) for event in stored]
        assert len(set(serialised)) == len(serialised), f"visitor {visit.index}: an event was stored twice"
        times = [event["timestamp"] for event in stored]
        assert times == sorted(times), f"visitor {visit.index}: events out of order"

    engine = make_engine(cluster.database_url, fixed_cipher())
    try:
        with session_scope(engine) as session:
            intakes = {intake.conversation_id: intake for intake in session.scalars(select(Intake))}
            assert set(intakes) == set(by_conversation)
            answer_sets = set()
            for conversation_id, visit in by_conversation.items():
                intake = intakes[conversation_id]
                assert intake.concern == "sweating", visit.index
                assert intake.consent_at is not None, visit.index
                assert intake.contact.name == visit.name, visit.index
                assert digits(intake.contact.phone).endswith(digits(visit.phone)), visit.index
                answers = {answer.question_key: answer.answer for answer in intake.screening_answers}
                assert "underarms" in json.dumps(answers.get("sweating_areas")).lower(), (visit.index, answers)
                answer_sets.add(json.dumps(answers, sort_keys=True))
                booked = [a for a in intake.appointments if a.status is AppointmentStatus.BOOKED]
                assert len(booked) == 1, f"visitor {visit.index}: {len(booked)} bookings"
                assert booked[0].start_at == visit.start, (visit.index, visit.when, booked[0].start_at)
            assert len(answer_sets) == 1, "the visitors answered alike: so must their stored answers be"
            starts = [a.start_at for a in session.scalars(
                select(Appointment).where(Appointment.status == AppointmentStatus.BOOKED))]
            assert len(starts) == VISITORS and len(set(starts)) == VISITORS, "a time was booked twice"
        # The database refuses a second booking at a booked time whoever tries (the unique index).
        with pytest.raises(IntegrityError, match="uq_appointments_booked_start"):
            with engine.begin() as conn:
                conn.execute(text(
                    "INSERT INTO appointments (intake_id, contact_id, reference, reference_hash, start_at, end_at, "
                    "status, kind, created_at, updated_at) SELECT intake_id, contact_id, reference, "
                    "md5(reference_hash), start_at, end_at, status, kind, created_at, updated_at "
                    "FROM appointments WHERE status = 'booked' LIMIT 1"))
    finally:
        engine.dispose()
