"""The Today page in a real headless Chromium on a phone-sized screen (390 px wide) and on a desk.

Signed in through test_staff_web's `login` helper (an HTTP client against the served app), whose
session cookie the browser then carries. On the phone the page must not scroll sideways, the
call links must be tappable, and the day's appointment, alert and callback must be on it.
Screenshots go to the test's temporary directory; UPDATE_SCREENSHOTS=1 refreshes
docs/screenshots/staff-today-phone.png and staff-today.png.
"""
from __future__ import annotations

import os
import shutil
from datetime import datetime, time, timedelta, timezone

import httpx
import pytest

from bot.web.app import create_app
from tests.e2e.test_staff_browser import SCREENSHOTS, browser  # noqa: F401 (a fixture)
from tests.integration.test_staff_web import NURSE, login, make_settings, seed_intake, users  # noqa: F401
from tests.servers import serve_in_thread

pytestmark = pytest.mark.browser
UTC = timezone.utc  # noqa: UP017 (Python 3.10)


@pytest.fixture
def day(engine, users):  # noqa: F811
    """A front desk's day: two appointments (one cancelled), an urgent alert, a callback due."""
    from bot.domain.profile import load_profile
    from bot.settings import PROJECT_ROOT

    tz = load_profile(PROJECT_ROOT / "clinic" / "profile.yml").timezone
    today = datetime.now(tz).date()

    def at(hour, minute=0):
        return datetime.combine(today, time(hour, minute), tzinfo=tz).astimezone(UTC)

    seed_intake(engine, name="Dana Whitfield", phone="+1 818-555-0187", email="dana@example.com",
                concern="sweating", status="confirmed",
                answers=[("blood_thinners", "Blood thinners?", {"answer": "yes"}, ["bleeding_risk"])],
                appointments=[("H4KP7W", at(10), "booked")])
    seed_intake(engine, name="Priya Raman", phone="+1 818-555-0142", email="priya@example.com",
                concern="migraine", status="cancelled", appointments=[("M2Q9XZ", at(11, 30), "cancelled")])
    seed_intake(engine, name="Tom Becker", phone="+1 310-555-0113", email="tom.becker@example.com",
                concern="clenching", safety_flag="emergency",
                alerts=[("emergency", "urgent", "my throat feels tight since the injection", False),
                        ("emergency", "urgent", "it is getting harder to swallow", False)])
    seed_intake(engine, name="Ana Ruiz", phone="+1 323-555-0175", concern="wrinkles",
                created_at=datetime.now(UTC) - timedelta(hours=2),
                callbacks=[{"name": "Ana Ruiz", "phone": "+1 323-555-0175", "best_time": "after 3 pm"}])


@pytest.fixture
def server(database_url):
    with serve_in_thread(create_app(make_settings(database_url))) as url:
        yield url


def signed_in_context(browser, server, **options):  # noqa: F811
    with httpx.Client(base_url=server, follow_redirects=False) as client:
        assert login(client, NURSE).status_code == 303
        cookies = [{"name": name, "value": value, "url": server} for name, value in client.cookies.items()]
    context = browser.new_context(**options)
    context.add_cookies(cookies)
    return context


def keep(shot, name: str) -> None:
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SCREENSHOTS / name)


def test_today_on_a_phone(day, server, browser, tmp_path):  # noqa: F811
    context = signed_in_context(browser, server, viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{server}/staff/today")
        assert page.locator("h1").inner_text().startswith("Today")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
        appointments = page.locator("#today-appointments")
        assert "Dana Whitfield" in appointments.inner_text() and "bleeding risk" in appointments.inner_text()
        assert "Cancelled" in appointments.locator(".appt-cancelled").inner_text()
        assert "Resolve all 2" in page.locator("#today-alerts").inner_text()
        assert "after 3 pm" in page.locator("#today-callbacks").inner_text()
        call = page.locator('#today-alerts a[href="tel:+13105550113"]')
        box = call.bounding_box()
        assert box and box["height"] >= 30 and box["x"] + box["width"] <= 390
        shot = tmp_path / "staff-today-phone.png"
        page.screenshot(path=str(shot), full_page=True)
        keep(shot, "staff-today-phone.png")
    finally:
        context.close()


def test_today_on_a_desk(day, server, browser, tmp_path):  # noqa: F811
    context = signed_in_context(browser, server, viewport={"width": 1200, "height": 860})
    try:
        page = context.new_page()
        page.goto(f"{server}/staff/today")
        assert page.locator('nav a[aria-current="page"]').inner_text() == "Today"
        shot = tmp_path / "staff-today.png"
        page.screenshot(path=str(shot), full_page=True)
        keep(shot, "staff-today.png")
    finally:
        context.close()
