"""The staff dashboard in a real headless Chromium (Playwright) against a real uvicorn server.

The database holds a just-booked intake (status "booked", appointment, screening answers with a
flag) and its conversation, written by Rasa's own SQLTrackerStore the way the Rasa server writes
it. The test signs in, finds the intake in the queue, reads the transcript, changes the status,
signs out, and checks that /staff pages send a browser without a session to the sign-in page.

Screenshots of the queue and the intake page go to the test's temporary directory; set
UPDATE_SCREENSHOTS=1 to refresh docs/screenshots/staff-queue.png and staff-intake.png.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import session_scope
from bot.models import AuditEntry, Intake, StatusChange
from bot.settings import PROJECT_ROOT
from bot.staff_auth import add_user
from bot.web.app import create_app

try:  # the helpers of the TestClient tests (tests/ may or may not become a package)
    from tests.test_staff_web import make_settings, save_transcript, seed_intake
except ImportError:
    from test_staff_web import make_settings, save_transcript, seed_intake

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
UTC = timezone.utc  # noqa: UP017 (Python 3.10)
EMAIL, PASSWORD = "frontdesk@clinic.example", "correct horse battery"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(database_url):
    """The whole web app (create_app) served by uvicorn on a free port, in a thread."""
    import uvicorn

    port = _free_port()
    app = create_app(make_settings(database_url))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                            ws="none")  # Rasa pins an old websockets; the dashboard needs none
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture
def seeded(engine, database_url) -> int:
    """Seed before the browser starts: Playwright's sync API runs its own event loop."""
    now = datetime.now(UTC).replace(microsecond=0)
    with session_scope(engine) as session:
        add_user(session, EMAIL, PASSWORD, is_admin=True)
    seed_intake(engine, name="Priya Raman", concern="migraine", status="reviewed",
                created_at=now - timedelta(days=2), consent_at=now - timedelta(days=2),
                conversation_id="conv-priya")
    seed_intake(engine, name="Tom Becker", concern="clenching", status="new",
                created_at=now - timedelta(days=1, hours=3), safety_flag="adverse_effect",
                conversation_id="conv-tom",
                alerts=[("adverse_effect", "high",
                         "my left eyelid has been drooping since my treatment last week", False)])
    start = (now + timedelta(days=2)).replace(hour=18, minute=30, second=0)
    intake_id = seed_intake(
        engine, name="Dana Whitfield", phone="+1 818-555-0187", email="dana@example.com",
        concern="sweating", status="booked", created_at=now - timedelta(minutes=6),
        consent_at=now - timedelta(minutes=5), conversation_id="conv-dana",
        answers=[
            ("allergy", "Have you ever had an allergy or reaction to a botulinum toxin product, "
             "or to human albumin?", False, []),
            ("pregnancy", "Are you pregnant, trying to become pregnant, or breastfeeding?", False, []),
            ("blood_thinners", "Do you take blood thinners, aspirin or NSAIDs?", True,
             ["bleeding_risk"]),
        ],
        appointments=[("H4KP7W", start, "booked")],
    )
    t0 = now - timedelta(minutes=6)
    save_transcript(database_url, "conv-dana", [
        ("assistant", "Hi! I'm the clinic's automated assistant. What brings you in today?",
         t0),
        ("visitor", "I sweat a lot under my arms, it soaks my shirts", t0 + timedelta(seconds=20)),
        ("assistant", "Botox can help with underarm sweating. Would you like to book a free "
         "consultation?", t0 + timedelta(seconds=22)),
        ("visitor", "yes please, early next week", t0 + timedelta(seconds=60)),
        ("assistant", "You're booked. Your reference is H4KP7W.", t0 + timedelta(seconds=200)),
    ])
    return intake_id


def test_staff_find_read_change_and_sign_out(seeded, server, browser, engine, tmp_path, request):
    intake_id = seeded
    context = browser.new_context(viewport={"width": 1200, "height": 860})
    page = context.new_page()

    # Without a session the dashboard sends the browser to the sign-in page.
    page.goto(f"{server}/staff")
    assert re.search(r"/staff/login\?next=%2Fstaff$", page.url)
    assert "Dana Whitfield" not in page.content()

    page.fill("#email", EMAIL)
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert "The e-mail or password is not right." in page.inner_text(".error")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/staff")

    # The queue: the intake with an open alert is pinned first, the just-booked one follows.
    rows = page.locator("table.queue tbody tr")
    assert "Tom Becker" in rows.nth(0).inner_text()
    row = page.locator("tr", has_text="Dana Whitfield")
    assert "Booked" in row.inner_text() and "H4KP7W" in row.inner_text()
    queue_shot = tmp_path / "staff-queue.png"
    page.screenshot(path=str(queue_shot))

    row.get_by_role("link", name="Dana Whitfield").click()
    page.wait_for_url(f"{server}/staff/intakes/{intake_id}")
    transcript = page.locator("#transcript")
    assert "I sweat a lot under my arms, it soaks my shirts" in transcript.inner_text()
    assert "You're booked. Your reference is H4KP7W." in transcript.inner_text()
    assert page.locator("#transcript .turn.visitor").count() == 2
    assert page.locator("#transcript .turn.assistant").count() == 3
    assert page.locator("#screening tr.flagged").count() == 1
    assert "bleeding risk" in page.locator("#screening tr.flagged").inner_text()
    intake_shot = tmp_path / "staff-intake.png"
    page.screenshot(path=str(intake_shot), full_page=True)

    # Change the status: booked -> closed, shown with who did it.
    assert page.inner_text("#current-status") == "Booked"
    page.select_option("#new-status", "closed")
    page.get_by_role("button", name="Change status").click()
    page.wait_for_url(re.compile(rf".*/staff/intakes/{intake_id}\?msg=status$"))
    assert page.inner_text("#current-status") == "Closed"
    assert f"by {EMAIL}" in page.inner_text("#status")
    with session_scope(engine) as session:
        assert session.get(Intake, intake_id).status == "closed"
        change = session.execute(select(StatusChange)).scalar_one()
        assert (change.from_status, change.to_status) == ("booked", "closed")
        actions = session.execute(select(AuditEntry.action).where(
            AuditEntry.intake_id == intake_id)).scalars().all()
    assert "view_intake" in actions and "status_change" in actions

    # Sign out; every /staff page now sends the browser to the sign-in page.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server}/staff/login")
    for path in ("/staff", f"/staff/intakes/{intake_id}", "/staff/appointments", "/staff/alerts",
                 "/staff/audit"):
        page.goto(f"{server}{path}")
        assert "/staff/login?next=" in page.url, path
        assert "Dana Whitfield" not in page.content()
    # The browser's back button shows no cached patient page either (no-store).
    response = page.goto(f"{server}/staff/intakes/{intake_id}/fhir.json")
    assert response.status == 401
    context.close()

    # A brand-new browser without any cookie is also sent to sign in.
    fresh = browser.new_context()
    fresh_page = fresh.new_page()
    fresh_page.goto(f"{server}/staff/intakes/{intake_id}")
    assert "/staff/login?next=%2Fstaff%2Fintakes" in fresh_page.url
    fresh.close()

    if os.environ.get("UPDATE_SCREENSHOTS") and "sqlite" in request.node.name:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(queue_shot, SCREENSHOTS / "staff-queue.png")
        shutil.copyfile(intake_shot, SCREENSHOTS / "staff-intake.png")
