"""Live takeover end to end (issue #13 point 2): the real assistant (Rasa, the action server, the
web service) and two headless Chromium pages side by side, a visitor's widget and a signed-in
staff member's Live page.

A stack of its own (not the shared `stack`, where LIVE_CHAT is off): a copy of the clinic profile
open around the clock, so that "talk to a person" is queued whatever time the test runs. The
visitor asks for a person; the staff member sees the badge, takes the chat and replies; the
reply shows in the widget within two seconds; the visitor's answer reaches the staff page, not
the assistant; "hand back" returns the conversation to the assistant; the intake's transcript
names the staff member. Screenshots go to the test's directory (UPDATE_SCREENSHOTS=1: to
docs/screenshots/live-visitor.png and live-staff.png).
"""
from __future__ import annotations

import os
import shutil
import time

import httpx
import pytest
import yaml
from playwright.sync_api import expect
from sqlalchemy import select

from bot.adapters.db import make_engine, session_scope
from bot.adapters.models import LiveChat
from bot.services.staff_accounts import add_user
from bot.settings import PROJECT_ROOT
from tests.e2e.conftest import running_stack
from tests.e2e.test_widget_browser import Widget, browser  # noqa: F401 (a fixture)
from tests.integration.test_staff_web import PASSWORD, login
from tests.support import english, fixed_cipher

pytestmark = [pytest.mark.stack, pytest.mark.browser]

STAFF = "jane.doe@clinic.example"  # shown to the visitor as "Jane Doe"
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
REPLY = "Hi, this is Jane at the front desk. How can I help?"
QUESTION = "Can I bring my sister to the consultation?"


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("live-stack")
    profile = yaml.safe_load((PROJECT_ROOT / "clinic" / "profile.yml").read_text(encoding="utf-8"))
    profile["office_hours"] = {day: {"open": "00:00", "close": "23:59"} for day in
                               ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    always_open = workdir / "profile.yml"
    always_open.write_text(yaml.safe_dump(profile), encoding="utf-8")
    # The staff member signs in with a password here: the second factor has its own browser test
    # (test_staff_browser.py).
    with running_stack(workdir, {"CLINIC_PROFILE": str(always_open), "LIVE_CHAT": "true",
                                 "LIVE_WAIT_SECONDS": "600", "STAFF_REQUIRE_TOTP": "false"}) as stack:
        engine = make_engine(stack.database_url, fixed_cipher())
        with session_scope(engine) as session:
            add_user(session, STAFF, PASSWORD)
        engine.dispose()
        yield stack


def keep(page, tmp_path, name: str) -> None:
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SCREENSHOTS / name)


def test_staff_take_over_a_visitor_chat_and_hand_it_back(live_stack, browser, tmp_path):  # noqa: F811
    wording = english()
    with httpx.Client(base_url=live_stack.web_url, follow_redirects=False) as client:
        assert login(client, STAFF).status_code == 303
        cookies = [{"name": name, "value": value, "url": live_stack.web_url} for name, value in client.cookies.items()]
    visitor_context = browser.new_context(base_url=live_stack.web_url, viewport={"width": 900, "height": 760})
    staff_context = browser.new_context(base_url=live_stack.web_url, viewport={"width": 1000, "height": 760})
    staff_context.add_cookies(cookies)
    problems: list = []
    try:
        visitor, staff = visitor_context.new_page(), staff_context.new_page()
        for page in (visitor, staff):
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        staff.goto("/staff/live")
        expect(staff.get_by_text("Nobody is waiting for a person.")).to_be_visible()

        visitor.goto("/")
        widget = Widget(visitor)
        widget.open()
        replies = widget.say("I'd like to talk to a person")
        assert [m["text"] for m in replies] == [wording.text("live.queued")], replies

        # The badge counts the waiting chat (polled every 3 s); the Live page lists it.
        expect(staff.locator("#live-count")).to_have_text("1", timeout=10_000)
        staff.reload()
        staff.locator("table.live-table a").first.click()
        staff.get_by_role("button", name="Take this chat").click()
        staff.get_by_label("Reply to the visitor").fill(REPLY)
        staff.get_by_role("button", name="Send").click()
        sent = time.monotonic()
        staff_bubble = widget.ui.locator(".msg.staff")
        expect(staff_bubble.locator(".bubble")).to_have_text(REPLY, timeout=2_000)
        assert time.monotonic() - sent <= 2.0
        expect(staff_bubble.locator(".who")).to_have_text("Jane Doe")

        # While staff have it, the visitor's words go to them, not to the assistant.
        assert widget.say(QUESTION) == []
        expect(staff.locator("#live-lines")).to_contain_text(QUESTION, timeout=3_000)
        keep(visitor, tmp_path, "live-visitor.png")
        keep(staff, tmp_path, "live-staff.png")

        staff.get_by_role("button", name="Hand back to the assistant").click()
        expect(widget.log).to_contain_text(wording.text("live.handed_back"), timeout=2_000)
        answer = widget.say("What are your opening hours?")
        assert answer and all(wording.text("live.queued") != m["text"] for m in answer)

        engine = make_engine(live_stack.database_url, fixed_cipher())
        try:
            with session_scope(engine) as session:
                intake_id = session.execute(select(LiveChat.intake_id)).scalar_one()
        finally:
            engine.dispose()
        staff.goto(f"/staff/intakes/{intake_id}")
        transcript = staff.locator("#transcript")
        expect(transcript).to_contain_text("Jane Doe (staff)")
        expect(transcript).to_contain_text(REPLY)
        expect(transcript).to_contain_text(QUESTION)
        expect(transcript).to_contain_text("I'd like to talk to a person")
    finally:
        visitor_context.close()
        staff_context.close()
    assert not problems, problems
