"""The funnel report from the database (bot.services.staff.funnel) and its staff page and CSV
(/staff/funnel, /staff/funnel.csv), on SQLite and PostgreSQL: conversations written by Rasa's own
SQLTrackerStore, intakes, answers, appointments and status changes seeded as the assistant and the
front desk write them."""
from __future__ import annotations

import asyncio
import csv
import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest

from bot.adapters.db import session_scope
from bot.adapters.models import Appointment, Contact, Intake, ScreeningAnswer, StatusChange
from bot.composition import build_app
from bot.domain.screening.questions import questions_for
from bot.services.staff.funnel import ARRIVED, report_since
from tests.integration.test_staff_web import (  # noqa: F401  (the staff dashboard's fixtures and helpers)
    app,
    client,
    settings,
    signed_in,
    users,
)
from tests.support import tracker_store

UTC = timezone.utc  # noqa: UP017 (Python 3.10)
FILLERS = "Do you do lip fillers?"


def save_events(database_url: str, sender_id: str, events) -> None:
    from rasa.shared.core.trackers import DialogueStateTracker

    store = tracker_store(database_url)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, store.save(DialogueStateTracker.from_events(sender_id, events))).result()
    finally:
        store.engine.dispose()


def visitor_says(database_url: str, sender_id: str, start: datetime, *turns: tuple) -> None:
    """A conversation: each turn (text, intent[, the action that answered])."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    events = [ActionExecuted("action_session_start", timestamp=start.timestamp() - 1)]
    for offset, turn in enumerate(turns):
        text, intent, *action = turn
        events.append(UserUttered(text, intent={"name": intent, "confidence": 0.9},
                                  timestamp=start.timestamp() + offset * 10))
        events.append(ActionExecuted(action[0] if action else "utter_answer",
                                     timestamp=start.timestamp() + offset * 10 + 1))
    save_events(database_url, sender_id, events)


def seed_intake(engine, conversation_id: str, created: datetime, *, concern=None, consent=False,
                answered=(), booked_after=None, arrived=False, consultation_only=False) -> None:
    with session_scope(engine) as session:
        contact = Contact(name="Pat Funnel", phone="+18185550100", created_at=created)
        intake = Intake(conversation_id=conversation_id, concern=concern, contact=contact, created_at=created,
                        updated_at=created, consent_at=created + timedelta(minutes=1) if consent else None,
                        consultation_only=consultation_only)
        session.add(intake)
        session.flush()
        for key in answered:
            session.add(ScreeningAnswer(intake_id=intake.id, question_key=key, question_text=key, answer=True))
        if booked_after is not None:
            session.add(Appointment(intake_id=intake.id, contact_id=contact.id, reference=f"R{intake.id:05d}",
                                    start_at=created + timedelta(days=3), end_at=created + timedelta(days=3, hours=1),
                                    created_at=created + booked_after))
        if arrived:
            session.add(StatusChange(intake_id=intake.id, from_status="booked", to_status=ARRIVED,
                                     changed_at=created + timedelta(days=3)))


@pytest.fixture
def seeded(database_url, engine, settings):  # noqa: F811
    """Five conversations in the last two weeks and one long before; two fallback messages, one of
    them twice."""
    profile = build_app(settings).profile
    all_keys = [question.key for question in questions_for(profile, "sweating")]
    now = datetime.now(UTC)
    start = now - timedelta(days=3)
    visitor_says(database_url, "web-hello", start, ("hello", "greet"), (FILLERS, "nlu_fallback"))
    visitor_says(database_url, "web-left", start + timedelta(hours=1),
                 ("do you do LIP  fillers?", "faq", "action_default_fallback"), ("/affirm", "affirm"))
    visitor_says(database_url, "web-sweat", start + timedelta(hours=2), ("I sweat a lot", "describe_concern"))
    seed_intake(engine, "web-sweat", start + timedelta(hours=2), concern="sweating")
    visitor_says(database_url, "web-booked", start + timedelta(hours=3),
                 ("my armpits sweat", "describe_concern"), ("is there parking", "out_of_scope"))
    seed_intake(engine, "web-booked", start + timedelta(hours=3), concern="sweating", consent=True,
                answered=all_keys, booked_after=timedelta(minutes=20), arrived=True)
    # An intake without tracker events (e.g. erased transcript): counted by its creation.
    seed_intake(engine, "web-no-events", start + timedelta(hours=4), concern="wrinkles", consent=True,
                consultation_only=True, booked_after=timedelta(minutes=40))
    visitor_says(database_url, "web-old", now - timedelta(days=200), ("hi", "greet"), ("??", "nlu_fallback"))
    return profile, now


def test_the_report_counts_what_the_database_holds(seeded, engine):
    profile, now = seeded
    with session_scope(engine) as session:
        report = report_since(session, profile, now - timedelta(days=14))
    assert report.totals == (5, 3, 2, 2, 2, 1)
    assert [concern for concern, _ in report.concerns] == ["sweating", "wrinkles"]
    assert dict(report.concerns)["sweating"] == (2, 2, 1, 1, 1, 1)
    assert sum(counts[0] for _, counts in report.weeks) == 5
    assert report.median_to_book == timedelta(minutes=30)  # 20 and 40 minutes
    assert report.fallbacks == [(FILLERS, 2), ("is there parking", 1)]  # not "??": before the window
    assert report.drop_off is not None


def test_the_page_shows_the_figures_and_charts(seeded, client):  # noqa: F811
    signed_in(client)
    response = client.get("/staff/funnel?weeks=4")
    assert response.status_code == 200
    html = response.text
    # The charts need no script: the only one is the dashboard's own live-chat badge.
    assert html.count("<svg") == 2
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/staff/static/staff-live.js">']
    for svg in re.findall(r"<svg.*?</svg>", html, flags=re.S):  # drawn here: nothing fetched
        assert re.findall(r"(?:href|src)=", svg) == []
    assert re.findall(r'data-step-count="(\d+)"', html) == ["5", "3", "2", "2", "2", "1"]
    assert 'id="median-to-book">30 min<' in html
    assert 'id="drop-off">Booked &rarr; Attended: 1 lost (50%)<' in html
    fallbacks = html.split('id="fallbacks"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r"<tr><td>(.*?)</td><td>(\d+)</td></tr>", fallbacks) == [
        ("Do you do lip fillers?", "2"), ("is there parking", "1")]
    concerns = html.split('id="by-concern"', 1)[1].split("</table>", 1)[0]
    assert concerns.index(seeded[0].concerns["sweating"].display_name) < \
        concerns.index(seeded[0].concerns["wrinkles"].display_name)
    assert 'aria-current="page">Funnel' in html


def test_the_csv_has_the_same_figures(seeded, client):  # noqa: F811
    signed_in(client)
    response = client.get("/staff/funnel.csv?weeks=4")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["group", "name", "started", "concern", "consent", "screening", "booked", "attended",
                       "drop_off", "median_minutes_to_book"]
    total = rows[1]
    assert total[:8] == ["total", "all", "5", "3", "2", "2", "2", "1"] and total[9] == "30"
    assert sum(int(row[2]) for row in rows if row[0] == "week") == 5
    assert len([row for row in rows if row[0] == "week"]) == 4  # the whole window, empty weeks included
    assert total[8] == "booked->attended"
    profile = seeded[0]
    assert [row[:3] for row in rows if row[0] == "concern"] == [
        ["concern", profile.concerns["sweating"].display_name, "2"],
        ["concern", profile.concerns["wrinkles"].display_name, "1"]]


def test_the_report_needs_a_signed_in_user(client):  # noqa: F811
    assert client.get("/staff/funnel").status_code == 303
    assert client.get("/staff/funnel.csv").status_code == 303
