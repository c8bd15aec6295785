"""The staff dashboard through Starlette's TestClient, on SQLite and PostgreSQL.

Covers: every /staff route refuses visitors without a session (found by walking the app's routes,
so a new page cannot slip through), sign-in/sign-out, cookies, CSRF, lock-out, queue filters and
pinning, the status workflow, notes, alerts, appointments by day/week, exports, the audit log
(admins only), a fully seeded intake page with its transcript, and HTML escaping.
"""
from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Optional

import pytest
from sqlalchemy import select
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from bot.adapters.db import session_scope
from bot.adapters.models import (
    Alert,
    Appointment,
    AuditEntry,
    CallbackRequest,
    Contact,
    Intake,
    ScreeningAnswer,
    StaffNote,
    StatusChange,
)
from bot.domain.statuses import StaffRole
from bot.services.staff_accounts import add_user
from bot.settings import PROJECT_ROOT, Settings
from bot.web.app import create_app
from bot.web.staff import PUBLIC_PATHS
from tests.support import TEST_KEYS, tracker_store

UTC = timezone.utc  # noqa: UP017 (Python 3.10)
PASSWORD = "correct horse battery"
ADMIN = "admin@clinic.example"
NURSE = "nurse@clinic.example"


# --- fixtures and helpers ------------------------------------------------------------------------


def make_settings(database_url: str, **changes: Any) -> Settings:
    settings = Settings(
        database_url=database_url,
        clinic_profile=PROJECT_ROOT / "clinic" / "profile.yml",
        rasa_url="http://127.0.0.1:9",
        rasa_port=9,
        rasa_token="test-token",
        actions_port=9,
        web_host="127.0.0.1",
        web_port=0,
        secret_key="test-secret-key-for-staff-cookies",
        **TEST_KEYS,
        staff_lockout_attempts=3,
        staff_lockout_minutes=15,
        staff_require_totp=False,  # the second factor has its own tests (test_staff_sign_in.py)
    )
    return replace(settings, **changes)


@pytest.fixture
def settings(database_url):
    return make_settings(database_url)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def users(engine):
    with session_scope(engine) as session:
        admin = add_user(session, ADMIN, PASSWORD, role=StaffRole.ADMIN)
        nurse = add_user(session, NURSE, PASSWORD)
        return {"admin": admin.id, "nurse": nurse.id}


@pytest.fixture
def client(app, users):
    with TestClient(app, follow_redirects=False) as c:
        yield c


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match.group(1)


def login(client: TestClient, email: str = NURSE, password: str = PASSWORD, next_url: str = ""):
    token = csrf_from(client.get("/staff/login").text)
    return client.post("/staff/login", data={
        "csrf_token": token, "email": email, "password": password, "next": next_url,
    })


def signed_in(client: TestClient, email: str = NURSE) -> str:
    """Sign in and return the session's CSRF token."""
    response = login(client, email)
    assert response.status_code == 303, response.text
    return csrf_from(client.get("/staff").text)


def seed_intake(
    engine,
    *,
    name: Optional[str] = "Jane Doe",
    phone: str = "+1 818-555-0100",
    email: str = "jane@example.com",
    concern: Optional[str] = "sweating",
    status: str = "new",
    safety_flag: Optional[str] = None,
    created_at: Optional[datetime] = None,
    consent_at: Optional[datetime] = None,
    answers: Iterable[tuple] = (),
    alerts: Iterable[tuple] = (),
    appointments: Iterable[tuple] = (),
    callbacks: Iterable[dict] = (),
    conversation_id: Optional[str] = None,
) -> int:
    created_at = created_at or datetime.now(UTC)
    with session_scope(engine) as session:
        contact = Contact(name=name, phone=phone, email=email, created_at=created_at) if name else None
        intake = Intake(
            conversation_id=conversation_id or f"conv-{created_at.timestamp()}-{name}-{concern}",
            contact=contact, concern=concern, status=status, safety_flag=safety_flag,
            consent_at=consent_at, created_at=created_at, updated_at=created_at,
        )
        session.add(intake)
        session.flush()
        for key, text, answer, flags in answers:
            session.add(ScreeningAnswer(intake_id=intake.id, question_key=key, question_text=text,
                                        answer=answer, flags=list(flags)))
        for kind, priority, message, resolved in alerts:
            session.add(Alert(intake_id=intake.id, kind=kind, priority=priority, message=message,
                              created_at=created_at,
                              resolved_at=created_at + timedelta(hours=1) if resolved else None))
        for reference, start, appt_status in appointments:
            session.add(Appointment(intake_id=intake.id, contact_id=contact.id if contact else None,
                                    reference=reference, start_at=start,
                                    end_at=start + timedelta(minutes=30), status=appt_status))
        for callback in callbacks:
            session.add(CallbackRequest(intake_id=intake.id, **callback))
        return intake.id




def save_transcript(database_url: str, sender_id: str, turns: Iterable[tuple]) -> None:
    """Write a conversation the way the Rasa server does: through SQLTrackerStore.save."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [ActionExecuted("action_session_start"), SessionStarted(),
              ActionExecuted("action_listen")]
    for role, text, when in turns:
        if role == "visitor":
            events.append(UserUttered(text, intent={"name": "inform", "confidence": 1.0},
                                      timestamp=when.timestamp()))
        else:
            events.append(BotUttered(text, timestamp=when.timestamp()))
    store = tracker_store(database_url)
    try:
        # In a thread of its own: a browser test's event loop may be running in this one.
        tracker = DialogueStateTracker.from_events(sender_id, events)
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, store.save(tracker)).result()
    finally:
        store.engine.dispose()


def queue_ids(html: str) -> list:
    return [int(value) for value in re.findall(r'data-intake="(\d+)"', html)]


def audit_actions(engine, staff_user_id: Optional[int] = None) -> list:
    with session_scope(engine) as session:
        query = select(AuditEntry.action, AuditEntry.intake_id, AuditEntry.staff_user_id)
        if staff_user_id is not None:
            query = query.where(AuditEntry.staff_user_id == staff_user_id)
        return [tuple(row) for row in session.execute(query.order_by(AuditEntry.id))]


def staff_endpoints(app) -> list:
    """(method, concrete path) for every route under /staff, walking into mounts."""
    found = []

    def walk(routes, prefix=""):
        for route in routes:
            if isinstance(route, Mount):
                inner = list(route.routes or [])
                if inner:
                    walk(inner, prefix + route.path)
                else:
                    found.append(("GET", prefix + route.path + "/anything"))
            elif isinstance(route, Route):
                path = re.sub(r"\{[^}]+\}", "1", prefix + route.path)
                for method in sorted(route.methods or {"GET"}):
                    if method != "HEAD":
                        found.append((method, path))

    walk(app.routes)
    return [(m, p) for m, p in found if p == "/staff" or p.startswith("/staff/")]


# --- access control ------------------------------------------------------------------------------


def test_every_staff_route_refuses_visitors_without_a_session(app, client, engine):
    seed_intake(engine, name="Secret Patient", alerts=[("emergency", "urgent", "help", False)],
                appointments=[("SECRET", datetime.now(UTC) + timedelta(days=1), "booked")])
    endpoints = staff_endpoints(app)
    assert len(endpoints) >= 13
    paths = {path for _method, path in endpoints}
    assert PUBLIC_PATHS <= paths
    checked = 0
    for method, path in endpoints:
        if path in PUBLIC_PATHS:
            continue
        checked += 1
        if method == "GET":
            response = client.get(path)
            if path.endswith(".json"):
                assert response.status_code == 401, path
            else:
                assert response.status_code == 303, path
                assert response.headers["location"].startswith("/staff/login?next=%2Fstaff"), path
        else:
            bare = client.request(method, path, data={})
            # A visitor who loaded the sign-in page has a valid CSRF token but no user.
            assert bare.status_code == 403, (method, path)  # no CSRF token
            anonymous_token = csrf_from(client.get("/staff/login").text)
            with_token = client.request(method, path, data={"csrf_token": anonymous_token})
            if path == "/staff/logout":  # signing out without a session just shows the sign-in
                assert with_token.status_code == 303
                assert with_token.headers["location"] == "/staff/login"
            else:
                assert with_token.status_code == 401, (method, path)  # not signed in
            responses = (bare, with_token)
            assert all("Secret Patient" not in r.text for r in responses), path
            continue
        assert "Secret Patient" not in response.text and "SECRET" not in response.text, path
    assert checked >= 11
    # Nothing was changed by the refused requests.
    with session_scope(engine) as session:
        assert session.execute(select(StatusChange)).first() is None
        assert session.execute(select(StaffNote)).first() is None
        assert session.execute(select(Alert.resolved_at)).scalar_one() is None


def test_next_keeps_the_query_and_only_allows_local_staff_paths(client):
    response = client.get("/staff/appointments?day=2026-03-10")
    assert response.headers["location"] == "/staff/login?next=%2Fstaff%2Fappointments%3Fday%3D2026-03-10"
    response = login(client, next_url="/staff/appointments?day=2026-03-10")
    assert response.headers["location"] == "/staff/appointments?day=2026-03-10"
    client.cookies.clear()
    for evil in ("https://evil.example/staff", "//evil.example/staff", "/elsewhere", "/staff/logout",
                 "/\\evil.example"):
        response = login(client, next_url=evil)
        assert response.status_code == 303
        assert response.headers["location"] == "/staff", evil
        client.cookies.clear()


def test_stylesheet_and_login_page_are_public_and_patient_free(client, engine):
    seed_intake(engine, name="Secret Patient")
    css = client.get("/staff/static/staff.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    page = client.get("/staff/login")
    assert page.status_code == 200 and "Secret Patient" not in page.text
    assert 'type="password"' in page.text


# --- sign-in, cookies, CSRF, lock-out -----------------------------------------------------------------


def test_login_sets_a_hardened_cookie_and_logout_ends_the_session(client, engine, users):
    response = login(client, password="wrong password!")
    assert response.status_code == 401
    assert "The e-mail or password is not right." in response.text
    assert client.get("/staff").status_code == 303

    response = login(client)
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert "Path=/staff" in cookie and "Secure" not in cookie
    assert "strict-transport-security" not in response.headers  # plain HTTP: no HSTS
    copied = client.cookies.get("clinic_staff")
    page = client.get("/staff")
    assert page.status_code == 200 and NURSE in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"

    assert client.post("/staff/logout", data={}).status_code == 403  # no CSRF token: refused
    assert client.get("/staff").status_code == 200  # still signed in
    response = client.post("/staff/logout", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"
    assert client.get("/staff").status_code == 303
    # A copy of the cookie taken while signed in is dead after sign-out: the session is revoked.
    with TestClient(client.app, follow_redirects=False) as thief:
        thief.cookies.set("clinic_staff", copied, path="/staff")
        assert thief.get("/staff").status_code == 303
        assert thief.get("/staff/intakes/1").status_code == 303
    actions = [action for action, _intake, _uid in audit_actions(engine, users["nurse"])]
    assert actions[:2] == ["login_failed", "login"] and actions[-1] == "logout"


def test_a_new_csrf_token_after_sign_in(client):
    before = csrf_from(client.get("/staff/login").text)
    login(client)
    after = csrf_from(client.get("/staff").text)
    assert before != after


def _host_cookie_and_hsts(response) -> None:
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-clinic_staff=") and "Secure" in cookie and "Path=/;" in cookie
    assert "Domain" not in cookie and "HttpOnly" in cookie
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_host_cookie_and_hsts_over_https_or_when_configured(database_url, users):
    with TestClient(create_app(make_settings(database_url)), base_url="https://testserver",
                    follow_redirects=False) as https_client:
        _host_cookie_and_hsts(login(https_client))
        assert https_client.get("/staff").status_code == 200
        assert https_client.get("/staff").headers["strict-transport-security"]
    with TestClient(create_app(make_settings(database_url, cookie_secure=True)),
                    follow_redirects=False) as configured:
        _host_cookie_and_hsts(configured.get("/staff/login"))
    # X-Forwarded-Proto counts only from a trusted proxy (TestClient's peer is "testclient").
    forwarded = {"X-Forwarded-Proto": "https"}
    with TestClient(create_app(make_settings(database_url)), follow_redirects=False) as untrusted:
        response = untrusted.get("/staff/login", headers=forwarded)
        assert response.headers["set-cookie"].startswith("clinic_staff=")
        assert "strict-transport-security" not in response.headers
    with TestClient(create_app(make_settings(database_url, trusted_proxies=("testclient",))),
                    follow_redirects=False) as proxied:
        _host_cookie_and_hsts(proxied.get("/staff/login", headers=forwarded))


def test_login_without_csrf_token_is_refused(client):
    client.get("/staff/login")
    response = client.post("/staff/login", data={"email": NURSE, "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/staff").status_code == 303


def test_forged_or_tampered_cookie_is_not_a_session(client, database_url):
    other = create_app(make_settings(database_url, secret_key="another-secret"))
    with TestClient(other, follow_redirects=False) as foreign:
        login(foreign)
        forged = foreign.cookies.get("clinic_staff")
    client.cookies.set("clinic_staff", forged, path="/staff")
    assert client.get("/staff").status_code == 303


def test_lockout_says_locked_without_revealing_the_email(client):
    for _ in range(2):
        assert login(client, password="wrong password!").status_code == 401
    locked = login(client, password="wrong password!")
    assert locked.status_code == 429 and "locked for 15 minutes" in locked.text
    # The right password is refused while locked.
    assert login(client).status_code == 429
    assert client.get("/staff").status_code == 303
    # An e-mail without an account gets exactly the same answers.
    unknown = [login(client, email="nobody@clinic.example", password="wrong password!")
               for _ in range(3)]
    assert [r.status_code for r in unknown] == [401, 401, 429]
    assert unknown[0].text.count("not right") == 1
    assert "locked for 15 minutes" in unknown[2].text


def test_csrf_missing_or_wrong_on_a_form_is_403(client, engine):
    intake_id = seed_intake(engine)
    token = signed_in(client)
    for data in ({"status": "reviewed", "from": "new"},
                 {"status": "reviewed", "from": "new", "csrf_token": "forged"}):
        assert client.post(f"/staff/intakes/{intake_id}/status", data=data).status_code == 403
        assert client.post(f"/staff/intakes/{intake_id}/notes",
                           data={"text": "hi", **{k: v for k, v in data.items() if k == "csrf_token"}}
                           ).status_code == 403
    with session_scope(engine) as session:
        assert session.get(Intake, intake_id).status == "new"
        assert session.execute(select(StaffNote)).first() is None
    ok = client.post(f"/staff/intakes/{intake_id}/status",
                     data={"status": "reviewed", "from": "new", "csrf_token": token})
    assert ok.status_code == 303


# --- the queue ---------------------------------------------------------------------------------


def test_queue_filters_and_urgent_alerts_pinned_on_top(client, engine):
    t0 = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 11:00 am in Los Angeles (PDT)
    old_emergency = seed_intake(engine, name="Old Emergency", concern="migraine", created_at=t0,
                                safety_flag="emergency",
                                alerts=[("emergency", "urgent", "cannot swallow", False)])
    adverse = seed_intake(engine, name="Adverse", concern="wrinkles", created_at=t0 + timedelta(hours=1),
                          safety_flag="adverse_effect",
                          alerts=[("adverse_effect", "high", "droopy eyelid", False)])
    resolved = seed_intake(engine, name="Resolved", concern="acne", created_at=t0 + timedelta(hours=2),
                           status="reviewed", alerts=[("adverse_effect", "high", "bruise", True)])
    newest = seed_intake(engine, name="Newest", concern="sweating",
                         created_at=t0 + timedelta(days=1), status="booked")
    # 06:30 UTC on the 11th is still the 10th (11:30 pm) in the clinic's zone.
    late = seed_intake(engine, name="Late Night", concern="sweating",
                       created_at=datetime(2026, 3, 11, 6, 30, tzinfo=UTC))
    signed_in(client)

    page = client.get("/staff")
    assert page.status_code == 200
    assert queue_ids(page.text) == [old_emergency, adverse, newest, late, resolved]
    assert "1 urgent alert not resolved yet" in page.text

    def ids(**params):
        response = client.get("/staff", params=params)
        assert response.status_code == 200
        return queue_ids(response.text)

    assert ids(concern="sweating") == [newest, late]
    assert ids(status="booked") == [newest]
    assert ids(status="reviewed") == [resolved]
    assert ids(safety="flagged") == [old_emergency, adverse]
    assert ids(safety="none") == [newest, late, resolved]
    assert ids(safety="adverse_effect") == [adverse]
    assert ids(date="2026-03-10") == [old_emergency, adverse, late, resolved]
    assert ids(date="2026-03-11") == [newest]
    assert ids(concern="sweating", date="2026-03-10") == [late]
    # Nonsense filters are ignored, not errors.
    assert ids(concern="<script>", status="bogus", date="yesterday") == ids()


# --- the intake page -----------------------------------------------------------------------------


def test_intake_page_shows_everything_with_flags_and_transcript(client, engine, database_url, users):
    created = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
    intake_id = seed_intake(
        engine, name="Maria Lopez", phone="+1 818-555-0123", email="maria@example.com",
        concern="clenching", created_at=created, safety_flag="adverse_effect",
        consent_at=datetime(2026, 3, 10, 17, 5, tzinfo=UTC), conversation_id="conv-maria",
        answers=[
            ("allergy", "Any allergy to botulinum toxin or albumin?", {"answer": "no"}, []),
            ("pregnancy", "Are you pregnant, trying, or breastfeeding?",
             {"answer": "yes", "detail": "breastfeeding"}, ["pregnancy"]),
            ("headache_days", "How many headache days a month?", {"answer": 12, "range": [10, 15]}, []),
            ("blood_thinners", "Blood thinners, aspirin or NSAIDs?", {"taking": True, "which": "aspirin"},
             ["bleeding_risk"]),
        ],
        alerts=[("adverse_effect", "high", "my eyelid droops since Tuesday", False)],
        appointments=[("K7M2QX", datetime(2026, 3, 12, 18, 30, tzinfo=UTC), "booked")],
        callbacks=[{"name": "Maria", "phone": "+1 818-555-0123", "best_time": "after 3 pm",
                    "reason": "talk_to_person"}],
    )
    save_transcript(database_url, "conv-maria", [
        ("visitor", "Hi, I grind my teeth at night", created + timedelta(seconds=5)),
        ("assistant", "I can help you book a free consultation.", created + timedelta(seconds=6)),
    ])
    token = signed_in(client)
    client.post(f"/staff/intakes/{intake_id}/notes",
                data={"text": "Called, left a voicemail.", "csrf_token": token})

    page = client.get(f"/staff/intakes/{intake_id}")
    assert page.status_code == 200
    html = page.text
    for expected in (
        "Maria Lopez", "+1 818-555-0123", "maria@example.com", "Jaw clenching and teeth grinding",
        "Given Tue 10 Mar 2026, 10:05 am PDT",  # consent time in the clinic's zone (DST)
        "Are you pregnant, trying, or breastfeeding?", "Yes: breastfeeding", "12 (said 10-15)",
        "taking: Yes; which: aspirin",
        "K7M2QX", "Thu 12 Mar 2026, 11:30 am PDT", "after 3 pm", "talk to person",
        "my eyelid droops since Tuesday", "Called, left a voicemail.", NURSE,
        "Hi, I grind my teeth at night", "I can help you book a free consultation.",
        "10:00 am PDT",  # the visitor's turn time in the clinic's zone
    ):
        assert expected in html, expected
    # Flagged answers are highlighted with their flags; an unflagged one is not.
    flagged_rows = re.findall(r'<tr class="flagged">(.*?)</tr>', html, re.S)
    assert len(flagged_rows) == 2
    assert "pregnancy" in flagged_rows[0] and 'class="flag"' in flagged_rows[0]
    assert "bleeding risk" in flagged_rows[1]
    assert "Any allergy" not in "".join(flagged_rows)
    # Visitor and assistant turns are told apart, in order.
    assert html.index("turn visitor") < html.index("turn assistant")
    assert html.index("Hi, I grind") < html.index("I can help you book")
    assert ("view_intake", intake_id, users["nurse"]) in audit_actions(engine)


def test_unknown_intake_is_404(client):
    signed_in(client)
    assert client.get("/staff/intakes/999").status_code == 404
    client.cookies.clear()
    token = signed_in(client, ADMIN)
    missing = client.post("/staff/intakes/999/fhir.json", data={"csrf_token": token, "password": PASSWORD})
    assert missing.status_code == 404


def test_patient_entered_text_is_escaped_everywhere(client, engine, database_url):
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    start = datetime.now(UTC).replace(hour=18, minute=0, second=0, microsecond=0) + timedelta(days=1)
    intake_id = seed_intake(
        engine, name=evil, phone=evil[:40], email="x@example.com", conversation_id="conv-evil",
        safety_flag=evil[:32],
        answers=[("free_text", evil, evil, [evil[:20]])],
        alerts=[("emergency", "urgent", evil, False)],
        appointments=[("EV1L23", start, "booked")],
        callbacks=[{"name": evil, "phone": "1", "best_time": evil}],
    )
    save_transcript(database_url, "conv-evil", [("visitor", evil, datetime.now(UTC))])
    token = signed_in(client)
    client.post(f"/staff/intakes/{intake_id}/notes", data={"text": evil, "csrf_token": token})
    local_day = start.astimezone(__import__("zoneinfo").ZoneInfo("America/Los_Angeles")).date()
    for path in (f"/staff/intakes/{intake_id}", "/staff", "/staff/alerts",
                 f"/staff/appointments?day={local_day.isoformat()}", "/staff?safety=" + evil[:32]):
        html = client.get(path).text
        assert "<script>" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;" in html, path


# --- status workflow -----------------------------------------------------------------------------


def test_status_workflow_valid_and_invalid_transitions(client, engine, users):
    intake_id = seed_intake(engine)
    token = signed_in(client)

    def move(to_status, from_status=None):
        data = {"status": to_status, "csrf_token": token}
        if from_status:
            data["from"] = from_status
        return client.post(f"/staff/intakes/{intake_id}/status", data=data)

    def status():
        with session_scope(engine) as session:
            return session.get(Intake, intake_id).status

    assert move("booked").status_code == 409 and status() == "new"  # must be reviewed first
    assert move("closed").status_code == 409
    assert move("nonsense").status_code == 409
    response = move("reviewed", "new")
    assert response.status_code == 303 and status() == "reviewed"
    stale = move("contacted", "new")  # the page showed "new", someone moved it meanwhile
    assert stale.status_code == 409 and "Reload" in stale.text and status() == "reviewed"
    for step in ("contacted", "booked", "closed"):
        assert move(step).status_code == 303
        assert status() == step
    assert move("arrived").status_code == 409 and status() == "closed"  # only reopening leaves closed
    assert move("reviewed", "closed").status_code == 303 and status() == "reviewed"  # reopened

    with session_scope(engine) as session:
        changes = session.execute(
            select(StatusChange).where(StatusChange.intake_id == intake_id).order_by(StatusChange.id)
        ).scalars().all()
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("new", "reviewed"), ("reviewed", "contacted"), ("contacted", "booked"), ("booked", "closed"),
        ("closed", "reviewed"),
    ]
    assert all(c.staff_user_id == users["nurse"] and c.changed_at.tzinfo for c in changes)
    page = client.get(f"/staff/intakes/{intake_id}").text
    assert page.count(f"by {NURSE}") == 5
    details = [row for row in audit_actions(engine, users["nurse"]) if row[0] == "status_change"]
    assert len(details) == 5


def test_reviewed_intake_can_be_marked_booked(client, engine):
    intake_id = seed_intake(engine, status="reviewed")
    token = signed_in(client)
    page = client.get(f"/staff/intakes/{intake_id}").text
    assert re.findall(r'<option value="(\w+)">', re.search(r'id="new-status".*?</select>', page, re.S).group(0)) == [
        "new", "contacted", "booked", "closed"]
    response = client.post(f"/staff/intakes/{intake_id}/status",
                           data={"status": "booked", "from": "reviewed", "csrf_token": token})
    assert response.status_code == 303


def test_notes_are_validated(client, engine):
    intake_id = seed_intake(engine)
    token = signed_in(client)
    assert client.post(f"/staff/intakes/{intake_id}/notes",
                       data={"text": "   ", "csrf_token": token}).status_code == 400
    assert client.post(f"/staff/intakes/{intake_id}/notes",
                       data={"text": "x" * 5001, "csrf_token": token}).status_code == 400
    assert client.post("/staff/intakes/999/notes",
                       data={"text": "hello", "csrf_token": token}).status_code == 404


# --- alerts and appointments ---------------------------------------------------------------------


def test_alerts_view_and_resolve(client, engine, users):
    t0 = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    adverse = seed_intake(engine, name="Adverse", created_at=t0 + timedelta(hours=1),
                          alerts=[("adverse_effect", "high", "my brow droops", False)])
    emergency = seed_intake(engine, name="Emergency", created_at=t0,
                            alerts=[("emergency", "urgent", "I can't breathe", False)])
    token = signed_in(client)
    page = client.get("/staff/alerts").text
    assert page.index("I can&#39;t breathe") < page.index("my brow droops")  # emergency first
    with session_scope(engine) as session:
        alert_id = session.execute(select(Alert.id).where(Alert.intake_id == emergency)).scalar_one()
    assert client.post(f"/staff/alerts/{alert_id}/resolve", data={}).status_code == 403
    response = client.post(f"/staff/alerts/{alert_id}/resolve",
                           data={"csrf_token": token, "next": "/staff/alerts"})
    assert response.status_code == 303 and response.headers["location"] == "/staff/alerts?msg=resolved"
    with session_scope(engine) as session:
        assert session.get(Alert, alert_id).resolved_at is not None
    page = client.get("/staff/alerts").text
    assert "I can&#39;t breathe" not in page and "my brow droops" in page
    assert "urgent alert" not in page  # the banner is gone
    assert "I can&#39;t breathe" in client.get("/staff/alerts?show=all").text
    # Resolving again changes nothing and is not audited twice.
    client.post(f"/staff/alerts/{alert_id}/resolve", data={"csrf_token": token})
    resolves = [row for row in audit_actions(engine) if row[0] == "alert_resolve"]
    assert resolves == [("alert_resolve", emergency, users["nurse"])]
    # An off-site `next` is ignored.
    with session_scope(engine) as session:
        other = session.execute(select(Alert.id).where(Alert.intake_id == adverse)).scalar_one()
    response = client.post(f"/staff/alerts/{other}/resolve",
                           data={"csrf_token": token, "next": "https://evil.example/"})
    assert response.headers["location"] == "/staff/alerts?msg=resolved"
    assert client.post("/staff/alerts/999/resolve", data={"csrf_token": token}).status_code == 404


def test_appointments_by_day_and_week_in_clinic_time(client, engine):
    # Mon 9 Mar 2026 .. Sun 15 Mar 2026 (PDT, UTC-7)
    seed_intake(engine, name="Monday Morning", conversation_id="c-mon", appointments=[
        ("MON100", datetime(2026, 3, 9, 17, 0, tzinfo=UTC), "booked")])  # 10:00 am Mon
    seed_intake(engine, name="Tuesday Late", conversation_id="c-tue", appointments=[
        ("TUE530", datetime(2026, 3, 11, 0, 30, tzinfo=UTC), "booked")])  # 5:30 pm Tue 10th
    seed_intake(engine, name="Cancelled One", conversation_id="c-can", appointments=[
        ("CAN000", datetime(2026, 3, 10, 18, 0, tzinfo=UTC), "cancelled")])
    seed_intake(engine, name="Next Week", conversation_id="c-nxt", appointments=[
        ("NXT000", datetime(2026, 3, 16, 17, 0, tzinfo=UTC), "booked")])
    signed_in(client)

    day = client.get("/staff/appointments", params={"day": "2026-03-10"}).text
    assert "TUE530" in day and "5:30 pm" in day and "CAN000" in day
    assert "MON100" not in day and "NXT000" not in day
    assert 'class="appt-cancelled"' in day
    assert day.index("CAN000") < day.index("TUE530")  # by time of day

    for week in ("2026-03-12", "2026-W11"):
        text = client.get("/staff/appointments", params={"week": week}).text
        assert all(ref in text for ref in ("MON100", "TUE530", "CAN000")), week
        assert "NXT000" not in text
        assert "week of Mon 09 Mar 2026" in text
    assert client.get("/staff/appointments", params={"day": "10/03/2026"}).status_code == 400
    assert client.get("/staff/appointments", params={"week": "2026-W99"}).status_code == 400
    assert client.get("/staff/appointments").status_code == 200  # today


# --- exports and audit ---------------------------------------------------------------------------


def test_exports_are_admin_only_by_post_with_reauthentication_and_audited(client, engine, users):
    intake_id = seed_intake(engine, name="Export Me",
                            answers=[("allergy", "Allergy?", True, ["allergy_stop"])])
    token = signed_in(client)  # a nurse: no exports
    assert client.get("/staff/export.csv").status_code == 403
    refused = client.post("/staff/export.csv", data={"csrf_token": token, "password": PASSWORD})
    assert refused.status_code == 403 and "Export Me" not in refused.text
    assert 'href="/staff/export.csv' not in client.get("/staff").text
    assert ("admin_page_refused", None, users["nurse"]) in audit_actions(engine, users["nurse"])
    client.post("/staff/logout", data={"csrf_token": token})

    token = signed_in(client, ADMIN)
    form = client.get("/staff/export.csv", params={"status": "new"})  # GET: only the confirmation form
    assert form.status_code == 200 and "Export Me" not in form.text and 'name="password"' in form.text
    assert client.post("/staff/export.csv", data={"status": "new"}).status_code == 403  # no CSRF
    wrong = client.post("/staff/export.csv", data={"csrf_token": token, "password": "not my password"})
    assert wrong.status_code == 403 and "Export Me" not in wrong.text
    csv_response = client.post("/staff/export.csv", data={"csrf_token": token, "password": PASSWORD,
                                                          "status": "new"})
    assert csv_response.status_code == 200
    assert csv_response.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["content-disposition"]
    assert "Export Me" in csv_response.text
    # Re-authenticated a moment ago: the next export within STAFF_REAUTH_MINUTES needs no password.
    fhir = client.post(f"/staff/intakes/{intake_id}/fhir.json", data={"csrf_token": token})
    assert fhir.status_code == 200
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    bundle = json.loads(fhir.text)
    assert bundle["resourceType"] == "Bundle"
    with session_scope(engine) as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.intake_id, AuditEntry.outcome,
                                      AuditEntry.detail, AuditEntry.ip)
                               .where(AuditEntry.staff_user_id == users["admin"],
                                      AuditEntry.action.like("export%")).order_by(AuditEntry.seq)).all()
    assert [(r.action, r.intake_id, str(r.outcome)) for r in rows] == [
        ("export_csv", None, "denied"), ("export_csv", None, "ok"), ("export_fhir", intake_id, "ok")]
    assert rows[1].detail == "status=new" and rows[1].ip == "testclient"


def test_every_view_and_change_is_audited_and_only_admins_read_the_log(client, engine, users):
    intake_id = seed_intake(engine, alerts=[("adverse_effect", "high", "bruise", False)])
    token = signed_in(client)
    client.get(f"/staff/intakes/{intake_id}")
    client.post(f"/staff/intakes/{intake_id}/status",
                data={"status": "reviewed", "from": "new", "csrf_token": token})
    client.post(f"/staff/intakes/{intake_id}/notes", data={"text": "ok", "csrf_token": token})
    with session_scope(engine) as session:
        alert_id = session.execute(select(Alert.id)).scalar_one()
    client.post(f"/staff/alerts/{alert_id}/resolve", data={"csrf_token": token})
    nurse = users["nurse"]
    assert audit_actions(engine, nurse) == [
        ("login", None, nurse),
        ("view_queue", None, nurse),
        ("view_intake", intake_id, nurse),
        ("status_change", intake_id, nurse),
        ("note_add", intake_id, nurse),
        ("alert_resolve", intake_id, nurse),
    ]
    with session_scope(engine) as session:
        entries = session.execute(select(AuditEntry)).scalars().all()
    assert all(entry.at.tzinfo is not None for entry in entries)

    forbidden = client.get("/staff/audit")
    assert forbidden.status_code == 403 and "view_intake" not in forbidden.text
    assert 'href="/staff/audit"' not in client.get("/staff").text

    client.post("/staff/logout", data={"csrf_token": token})
    signed_in(client, ADMIN)
    page = client.get("/staff/audit")
    assert page.status_code == 200
    for text in ("view_intake", "status_change", "new -&gt; reviewed", "note_add", "alert_resolve",
                 NURSE):
        assert text in page.text, text
    filtered = client.get("/staff/audit", params={"action": "note_add"}).text
    assert "note_add" in filtered and "status_change" not in filtered


def test_password_change_ends_existing_sessions(client, engine):
    signed_in(client)
    assert client.get("/staff").status_code == 200
    with session_scope(engine) as session:
        from bot.services.staff_accounts import set_password

        set_password(session, NURSE, "another long password")
    assert client.get("/staff").status_code == 303


def test_disabled_user_loses_access_and_cannot_sign_in(client, engine, users):
    signed_in(client)
    with session_scope(engine) as session:
        from bot.services.staff_accounts import set_disabled

        set_disabled(session, NURSE, True)
    assert client.get("/staff").status_code == 303
    client.cookies.clear()
    response = login(client)
    assert response.status_code == 401 and "The e-mail or password is not right." in response.text
    with session_scope(engine) as session:
        set_disabled(session, NURSE, False)
    assert login(client).status_code == 303
