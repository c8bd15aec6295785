"""Faults of issue #12 on the real PostgreSQL server: the database unreachable for a few seconds
while the booking is saved (through a proxy the test cuts: the shared server is never stopped),
and twenty conversations pressing the same time button at once."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from actions.booking import ActionBookConsultation
from bot.adapters.db import run_unit_of_work, session_scope
from bot.adapters.models import Appointment, Intake
from bot.composition import build_app
from bot.domain.validators import ContactDetails
from bot.services.intake import book
from tests.integration.test_actions import booking_slots, free_start, make_tracker, run, texts
from tests.proxy import CuttableProxy
from tests.support import english, in_uow, settings_for

postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
OUTAGE_SECONDS = 3.0
RACERS = 20


@pytest.fixture
def proxy(database_url):
    url = make_url(database_url)
    server = CuttableProxy((url.host, url.port or 5432))
    yield server
    server.close()


@pytest.fixture
def proxied_app(database_url, proxy):
    """The App the action server would have, reaching PostgreSQL through the proxy."""
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = build_app(settings_for(url))
    yield app
    app.close()


def count(engine, model) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


@postgresql_only
async def test_a_booking_saved_while_the_database_is_unreachable_is_retried_and_made_once(
        db, profile, proxy, proxied_app):
    start = free_start(db, profile)
    assert in_uow(proxied_app.engine, lambda session: 1)  # a pooled connection through the proxy
    proxy.cut()
    threading.Timer(OUTAGE_SECONDS, proxy.restore).start()
    began = time.monotonic()
    _, messages = await run(ActionBookConsultation(proxied_app), make_tracker(slots=booking_slots(start)))
    assert time.monotonic() - began >= OUTAGE_SECONDS - 0.5  # it waited for the database
    assert proxy.refused >= 1  # the save did meet the outage
    [appointment] = in_uow(db, lambda session: session.execute(select(Appointment)).scalars().all())
    assert appointment.start_at == start and appointment.status == "booked"
    assert f"Your reference is {appointment.reference}." in texts(messages)
    assert count(db, Intake) == 1


@postgresql_only
def test_a_database_that_stays_unreachable_fails_after_the_retries(proxy, proxied_app):
    proxy.cut()
    tries = []

    def work(session):
        tries.append(1)
        return session.execute(select(1)).scalar_one()

    pauses = []
    with pytest.raises(OperationalError):
        run_unit_of_work(proxied_app.engine, work, pauses=(0.1, 0.2), sleep=pauses.append)
    assert pauses == [0.1, 0.2] and proxy.refused >= 3


def test_a_retried_booking_whose_first_commit_landed_books_nothing_twice(db, profile):
    """A commit can land with its answer lost: the retried unit of work then finds the booking."""
    start = free_start(db, profile)
    phone = ContactDetails(phone="+18185550199")
    first = in_uow(db, book, profile, "conv-retry", "Jane Doe", phone, start)
    again = in_uow(db, book, profile, "conv-retry", "Jane Doe", phone, start)
    assert again.reference == first.reference
    assert count(db, Appointment) == 1


@postgresql_only
def test_twenty_conversations_racing_for_one_time_book_it_once(app, db, profile):
    start = free_start(db, profile)
    barrier = threading.Barrier(RACERS)
    replies = [None] * RACERS

    def visitor(index: int) -> None:
        tracker = make_tracker(sender=f"race-{index}", slots=booking_slots(start, full_name=f"Visitor {index}",
                                                                           contact=f"+1818555{index:04d}"))
        barrier.wait(timeout=30)
        replies[index] = asyncio.run(run(ActionBookConsultation(app), tracker))

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)

    booked = [i for i, (_, messages) in enumerate(replies) if "Your reference is" in texts(messages)]
    taken = english().text("booking.just_taken")
    told_taken = [i for i, (_, messages) in enumerate(replies) if taken in texts(messages)]
    assert len(booked) == 1 and len(told_taken) == RACERS - 1
    with session_scope(db) as session:
        [appointment] = session.execute(select(Appointment)).scalars().all()
        assert session.get(Intake, appointment.intake_id).conversation_id == f"race-{booked[0]}"
