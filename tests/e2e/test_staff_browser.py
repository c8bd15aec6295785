"""The staff dashboard in a real headless Chromium (Playwright) against a real uvicorn server.

Two runs of the same staff story (sign in with a password and a TOTP code, enrolling the
authenticator at the first sign-in, find a just-booked intake in the queue, read its chat
transcript, change its status, sign out, /staff pages then send the browser to the sign-in page,
and a copy of the signed-in cookie is dead):

- seeded: uvicorn serving create_app on a free port, over a database (SQLite and PostgreSQL) that
  holds the intake and its conversation written by Rasa's own SQLTrackerStore;
- through the chat (marked `stack`): the running assistant of tests/e2e/conftest.py (Rasa with the
  trained model, the action server, the web service); a visitor books through the chat API the
  widget uses, then staff handle that booking on the stack's own web service.

Screenshots of the queue and the intake page go to the test's temporary directory; set
UPDATE_SCREENSHOTS=1 to refresh docs/screenshots/staff-queue.png and staff-intake.png.
"""
from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pyotp
import pytest
from sqlalchemy import select

from bot.adapters.db import make_engine, session_scope
from bot.adapters.encryption import Lookup, lookup_hash
from bot.adapters.models import Appointment, AuditEntry, Intake, StatusChange
from bot.adapters.repository import REFERENCE_ALPHABET, REFERENCE_LENGTH
from bot.domain.statuses import StaffRole
from bot.services.staff_accounts import add_user
from bot.settings import PROJECT_ROOT
from bot.web.app import create_app
from tests.integration.test_staff_web import make_settings, save_transcript, seed_intake  # their helpers
from tests.servers import serve_in_thread
from tests.support import fixed_cipher

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"  # git-ignored
UTC = timezone.utc  # noqa: UP017 (Python 3.10)
EMAIL, PASSWORD = "frontdesk@clinic.example", "correct horse battery"

CONCERN = "my armpits sweat through every shirt"
REFERENCE = re.compile(rf"\b[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}\b")
# Buttons a visitor who wants to book never takes: they lead away from booking.
AVOID = ("/human_handoff", "/decline_consent", "/deny_booking", "/ask_")

pytestmark = pytest.mark.browser


@pytest.fixture
def server(database_url):
    """The whole web app (create_app) served by uvicorn on a free port, in a thread."""
    with serve_in_thread(create_app(make_settings(database_url, staff_require_totp=True))) as url:
        yield url


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        try:
            yield instance
        finally:
            instance.close()


def enrol_in_browser(page, base: str) -> pyotp.TOTP:
    """The first sign-in's second step: scan (read) the secret, confirm a code, see the recovery
    codes, continue to the dashboard. The authenticator, for later codes."""
    page.wait_for_url(re.compile(r".*/staff/enrol\?next="))
    assert page.locator("figure.qr svg").count() == 1  # the QR code, inline
    totp = pyotp.TOTP(page.inner_text("#totp-secret"))
    page.fill("#code", totp.now())
    page.click("button[type=submit]")
    assert page.locator("ol.recovery-codes li").count() == 10
    page.click("#continue")
    page.wait_for_url(f"{base}/staff")
    return totp


def code_in_browser(page, totp: pyotp.TOTP, base: str, target: str) -> None:
    """The code step of a later sign-in, with the next step's code (the current one was used)."""
    page.wait_for_url(re.compile(r".*/staff/login/code\?next="))
    page.fill("#code", totp.at(datetime.now(UTC) + timedelta(seconds=totp.interval)))
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{target}")


def assert_copied_cookie_is_dead(browser, cookies: list, base: str) -> None:
    thief = browser.new_context()
    thief.add_cookies([{k: c[k] for k in ("name", "value", "domain", "path", "httpOnly", "secure", "sameSite")}
                       for c in cookies])
    page = thief.new_page()
    page.goto(f"{base}/staff")
    assert "/staff/login?next=" in page.url
    thief.close()


@pytest.fixture
def seeded(engine, database_url) -> int:
    """Seed before the browser starts: Playwright's sync API runs its own event loop."""
    now = datetime.now(UTC).replace(microsecond=0)
    with session_scope(engine) as session:
        add_user(session, EMAIL, PASSWORD, role=StaffRole.ADMIN)
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
             "or to human albumin?", {"answer": "no"}, []),
            ("pregnancy", "Are you pregnant, trying to become pregnant, or breastfeeding?",
             {"answer": "no"}, []),
            ("blood_thinners", "Do you take blood thinners, aspirin or NSAIDs?",
             {"answer": "yes", "detail": "low-dose aspirin daily"}, ["bleeding_risk"]),
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
    enrol_in_browser(page, server)

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
    flagged = page.locator("#screening tr.flagged").inner_text()
    assert "bleeding risk" in flagged and "Yes: low-dose aspirin daily" in flagged
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

    # Sign out; every /staff page now sends the browser to the sign-in page, and a copy of the
    # cookie taken while signed in does not sign anyone in.
    signed_in_cookies = context.cookies()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server}/staff/login")
    assert_copied_cookie_is_dead(browser, signed_in_cookies, server)
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


# --- through the chat, on the running assistant (tests/e2e/conftest.py) --------------------------


class ChatVisitor:
    """A visitor on the chat API the widget uses (/api/session, /api/chat)."""

    def __init__(self, web_url: str):
        self.http = httpx.Client(base_url=web_url, timeout=120)
        token = self.http.post("/api/session").json()["session"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.offered: list = []

    def say(self, text: str) -> str:
        for _attempt in range(5):
            response = self.http.post("/api/chat", json={"message": text})
            if response.status_code != 429:  # rate limits are per minute: wait and retry
                break
            time.sleep(float(response.headers.get("retry-after", "5")))
        assert response.status_code == 200, response.text
        messages = response.json()["messages"]
        self.offered = [button for message in messages for button in message.get("buttons", [])]
        return "\n".join(message.get("text", "") for message in messages)

    def next_button(self):
        for prefix in ("/choose_slot", "/give_consent", "/request_booking", "/deny"):
            for button in self.offered:
                if button["payload"].startswith(prefix):
                    return button
        for button in self.offered:
            if not button["payload"].startswith(AVOID):
                return button
        return None

    def book(self, name: str, phone: str) -> str:
        """From the described concern to the confirmation; the booking reference."""
        from tests.support import english

        said = self.say(CONCERN)
        for _ in range(40):
            found = REFERENCE.search(said) if "reference" in said.lower() else None
            if found:
                return found.group(0)
            button = self.next_button()
            if button is not None:
                said = self.say(button["payload"])
            elif english().text("ask.full_name") in said:
                said = self.say(name)
            elif english().text("ask.contact") in said:
                said = self.say(phone)
            else:  # a screening question asking for a number (how many, how long)
                said = self.say("2")
        raise AssertionError(f"no booking confirmation; the assistant last said: {said}")


@pytest.mark.stack
def test_staff_handle_a_booking_made_through_the_chat(stack, browser):
    letters = "".join(chr(ord("a") + int(ch, 16)) for ch in uuid.uuid4().hex[:6])
    name = f"Casey {letters.capitalize()}"  # unique, and letters only, as the name form wants
    reference = ChatVisitor(stack.web_url).book(name, "818 555 0142")
    engine = make_engine(stack.database_url, fixed_cipher())
    email = f"staff-{uuid.uuid4().hex[:8]}@clinic.example"
    with session_scope(engine) as session:
        add_user(session, email, PASSWORD)
        intake_id = session.execute(
            select(Intake.id).join(Appointment, Appointment.intake_id == Intake.id)
            .where(Appointment.reference_hash == lookup_hash(session, Lookup.REFERENCE, reference))
        ).scalar_one()
        status_before = session.get(Intake, intake_id).status

    context = browser.new_context(base_url=stack.web_url, viewport={"width": 1200, "height": 860})
    page = context.new_page()
    page.goto("/staff")
    assert "/staff/login?next=%2Fstaff" in page.url
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    totp = enrol_in_browser(page, stack.web_url)

    row = page.locator("table.queue tbody tr", has_text=reference)
    assert name in row.inner_text() and "Excessive sweating" in row.inner_text()
    row.get_by_role("link", name=name).click()
    page.wait_for_url(f"{stack.web_url}/staff/intakes/{intake_id}")
    transcript = page.locator("#transcript")
    assert CONCERN in transcript.inner_text()  # the visitor's own words
    assert reference in transcript.inner_text()  # the assistant's confirmation
    assert page.locator("#transcript .turn.visitor").count() >= 3
    assert reference in page.inner_text("#appointments")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staff-intake-from-chat.png"), full_page=True)

    target = {"new": "reviewed", "booked": "closed"}.get(status_before, "closed")
    page.select_option("#new-status", target)
    page.get_by_role("button", name="Change status").click()
    page.wait_for_url(re.compile(rf".*/staff/intakes/{intake_id}\?msg=status$"))
    assert page.inner_text("#current-status").lower() == target
    with session_scope(engine) as session:
        assert session.get(Intake, intake_id).status == target

    signed_in_cookies = context.cookies()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{stack.web_url}/staff/login")
    page.goto(f"/staff/intakes/{intake_id}")
    assert "/staff/login?next=" in page.url and name not in page.content()
    assert_copied_cookie_is_dead(browser, signed_in_cookies, stack.web_url)

    # Signing in again asks for a code from the authenticator (the password alone is not enough).
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    code_in_browser(page, totp, stack.web_url, f"/staff/intakes/{intake_id}")
    assert name in page.inner_text("main")
    context.close()
