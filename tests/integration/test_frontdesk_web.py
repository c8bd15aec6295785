"""The dashboard for a busy day (#13.3), through Starlette's TestClient on SQLite and PostgreSQL:
search, call and mail links, the Today page, the status workflow both ways (cancelled cancels the
booking and mails the patient), alerts grouped per intake with bulk resolve, assignment, and
exports that honour the filters. Sign-in goes through test_staff_web's helpers."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, time, timedelta, timezone

from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.models import Alert, Appointment, AuditEntry, Intake, OutboxMessage
from bot.domain.profile import load_profile
from bot.settings import PROJECT_ROOT
from tests.integration.test_staff_web import (  # noqa: F401 (fixtures used by name)
    ADMIN,
    NURSE,
    PASSWORD,
    app,
    client,
    queue_ids,
    seed_intake,
    settings,
    signed_in,
    users,
)

UTC = timezone.utc  # noqa: UP017 (Python 3.10)
TZ = load_profile(PROJECT_ROOT / "clinic" / "profile.yml").timezone


def local_today_at(hour: int, minute: int = 0, days: int = 0) -> datetime:
    day = datetime.now(TZ).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=TZ).astimezone(UTC)


def test_search_by_name_phone_email_or_reference(client, engine):  # noqa: F811
    jane = seed_intake(engine, name="Jane Doe", phone="+1 818-555-0100", email="Jane.Doe@Example.com",
                       appointments=[("K7M2QX", local_today_at(11, days=3), "booked")])
    bob = seed_intake(engine, name="Bob Roe", phone="+13105550123", email="bob@example.org")
    signed_in(client)
    for q in ("jane", "DOE", "818 555 0100", "(818) 555-0100", "jane.doe@example", "k7m2qx"):
        assert queue_ids(client.get("/staff", params={"q": q}).text) == [jane], q
    assert queue_ids(client.get("/staff", params={"q": "310-555"}).text) == [bob]
    assert queue_ids(client.get("/staff", params={"q": "nobody-here"}).text) == []
    assert set(queue_ids(client.get("/staff").text)) == {jane, bob}
    assert 'value="jane"' in client.get("/staff", params={"q": "jane"}).text  # the box keeps the search


def test_phone_and_email_are_call_and_mail_links(client, engine):  # noqa: F811
    intake_id = seed_intake(engine, phone="+1 818-555-0100", email="jane@example.com",
                            alerts=[("emergency", "urgent", "I can't breathe", False)])
    signed_in(client)
    for path in ("/staff", f"/staff/intakes/{intake_id}", "/staff/alerts", "/staff/today"):
        page = client.get(path).text
        assert 'href="tel:+18185550100"' in page, path
        assert 'href="mailto:jane@example.com"' in page, path


def test_today_shows_todays_appointments_alerts_and_callbacks(client, engine):  # noqa: F811
    booked = seed_intake(engine, name="Today Booked", safety_flag="adverse_effect",
                         answers=[("pregnant", "Pregnant?", {"answer": "yes"}, ["pregnant"])],
                         appointments=[("TODAY2", local_today_at(11), "booked")])
    cancelled = seed_intake(engine, name="Today Cancelled", status="cancelled",
                            appointments=[("GONE23", local_today_at(12), "cancelled")])
    tomorrow = seed_intake(engine, name="Tomorrow Person",
                           appointments=[("TMRW34", local_today_at(11, days=1), "booked")])
    alerting = seed_intake(engine, name="Alert Person", alerts=[("emergency", "urgent", "help", False),
                                                                ("adverse_effect", "high", "bruise", False)])
    caller = seed_intake(engine, name="Call Me", callbacks=[{"name": "Call Me", "phone": "+13105550199",
                                                           "best_time": "mornings"}])
    signed_in(client)
    page = client.get("/staff/today").text
    appointments = section(page, "today-appointments")
    assert "Today Booked" in appointments and "TODAY2" in appointments and "pregnant" in appointments
    assert "adverse effect" in appointments
    assert re.search(rf'appt-cancelled" data-intake="{cancelled}".*?Cancelled', appointments, re.S)
    assert "TMRW34" not in page and f'data-intake="{tomorrow}"' not in appointments
    alerts = section(page, "today-alerts")
    assert f'data-intake="{alerting}"' in alerts and "2 open" in alerts and "Resolve all 2" in alerts
    callbacks = section(page, "today-callbacks")
    assert "Call Me" in callbacks and "mornings" in callbacks and 'href="tel:+13105550199"' in callbacks
    assert f'data-intake="{caller}"' in callbacks and f'data-intake="{booked}"' not in callbacks


def section(page: str, section_id: str) -> str:
    return re.search(rf'<section[^>]*id="{section_id}".*?</section>', page, re.S).group(0)


def test_statuses_move_both_ways(client, engine):  # noqa: F811
    intake_id = seed_intake(engine, status="booked")
    token = signed_in(client)

    def move(to_status):
        return client.post(f"/staff/intakes/{intake_id}/status", data={"status": to_status, "csrf_token": token})

    for step, code in (("confirmed", 303), ("arrived", 303), ("confirmed", 303),  # arrived by mistake: undone
                       ("no_show", 303), ("arrived", 303),  # came late after all
                       ("closed", 303), ("reviewed", 303),  # reopened
                       ("arrived", 409)):
        assert move(step).status_code == code, step
    with session_scope(engine) as session:
        assert session.get(Intake, intake_id).status == "reviewed"


def test_cancelling_an_intake_cancels_its_booking_and_keeps_a_notice_for_the_patient(client, engine):  # noqa: F811
    start = local_today_at(11, days=2)
    intake_id = seed_intake(engine, status="confirmed", email="jane@example.com",
                            appointments=[("CANC45", start, "booked")])
    token = signed_in(client)
    answer = client.post(f"/staff/intakes/{intake_id}/status", data={"status": "cancelled", "csrf_token": token})
    assert answer.status_code == 303
    with session_scope(engine) as session:
        assert session.execute(select(Appointment.status)).scalar_one() == "cancelled"
        [notice] = session.execute(select(OutboxMessage)).scalars().all()
        assert (notice.kind, notice.recipient, notice.status) == ("cancellation", "jane@example.com", "held")
        assert "CANC45" in notice.body
    queue_page = client.get("/staff").text
    assert "Cancelled" in queue_page and "CANC45" in queue_page
    assert 'status-cancelled">Cancelled' in client.get(f"/staff/intakes/{intake_id}").text


def test_alerts_are_grouped_per_intake_and_resolved_together(client, engine, users):  # noqa: F811
    many = seed_intake(engine, name="Five Alerts", alerts=[
        ("adverse_effect", "high", f"message {n}", False) for n in range(3)])
    other = seed_intake(engine, name="Other", alerts=[("emergency", "urgent", "help", False)])
    token = signed_in(client)
    page = client.get("/staff/alerts").text
    assert page.count('class="card alert-group') == 2
    assert page.count(f'data-intake="{many}"') == 1 and "Resolve all 3" in page
    answer = client.post(f"/staff/intakes/{many}/alerts/resolve", data={"csrf_token": token, "next": "/staff/alerts"})
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/alerts?msg=resolved"
    with session_scope(engine) as session:
        open_by_intake = {row.intake_id: row.resolved_at for row in session.execute(select(Alert)).scalars()}
        audit = session.execute(select(AuditEntry).where(AuditEntry.action == "alert_resolve")).scalars().all()
    assert open_by_intake[other] is None
    with session_scope(engine) as session:
        assert all(a.resolved_at for a in session.execute(select(Alert).where(Alert.intake_id == many)).scalars())
    assert [(a.intake_id, a.staff_user_id) for a in audit] == [(many, users["nurse"])]
    assert client.post("/staff/intakes/999/alerts/resolve", data={"csrf_token": token}).status_code == 404


def test_assigning_an_intake_and_filtering_by_assignee(client, engine, users):  # noqa: F811
    mine = seed_intake(engine, name="Mine")
    nobodys = seed_intake(engine, name="Nobodys")
    token = signed_in(client)
    answer = client.post(f"/staff/intakes/{mine}/assign", data={"assignee": str(users["nurse"]), "csrf_token": token})
    assert answer.status_code == 303
    assert queue_ids(client.get("/staff", params={"assigned": "me"}).text) == [mine]
    assert queue_ids(client.get("/staff", params={"assigned": "none"}).text) == [nobodys]
    assert NURSE in client.get(f"/staff/intakes/{mine}").text
    def assign(assignee: str) -> int:
        form = {"assignee": assignee, "csrf_token": token}
        return client.post(f"/staff/intakes/{mine}/assign", data=form).status_code

    assert assign("999") == 404
    assert assign("") == 303
    assert queue_ids(client.get("/staff", params={"assigned": "me"}).text) == []


def test_the_export_honours_the_filters_on_screen(client, engine):  # noqa: F811
    booked = seed_intake(engine, name="Booked Person", status="booked")
    seed_intake(engine, name="New Person", status="new")
    signed_in(client, ADMIN)  # exports are for administrators

    def export(link: str) -> list:
        """Follow the export link to its confirmation form and send it with the password."""
        form = client.get(link).text
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
        response = client.post("/staff/export.csv", data={**fields, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return list(csv.DictReader(io.StringIO(response.text)))

    page = client.get("/staff", params={"status": "booked"}).text
    link = re.search(r'href="(/staff/export\.csv[^"]*)" id="export"', page).group(1).replace("&amp;", "&")
    assert link == "/staff/export.csv?status=booked"
    assert [int(row["id"]) for row in export(link)] == [booked]
    assert [row["name"] for row in export("/staff/export.csv?q=new+person")] == ["New Person"]
    assert len(export("/staff/export.csv")) == 2
