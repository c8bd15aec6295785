"""The funnel page in headless Chromium, over a database seeded as in
tests/integration/test_funnel_report.py (conversations written by Rasa's own SQLTrackerStore):
the SVG charts render with the figures, and nothing is fetched from another host. Staff sign in
through the shared helper (tests/integration/test_staff_web.py `signed_in`), whose session cookie
the browser is given. Screenshot: tests/artifacts/funnel.png; docs/screenshots/funnel.png when
missing or with UPDATE_SCREENSHOTS=1."""
from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect
from starlette.testclient import TestClient

from bot.settings import PROJECT_ROOT
from bot.web.app import create_app
from tests.e2e.test_staff_browser import browser  # noqa: F401  (fixture)
from tests.e2e.test_widget_browser import ARTIFACTS
from tests.integration.conftest import _fresh_unknown_email_counts  # noqa: F401  (autouse fixture)
from tests.integration.test_funnel_report import seeded  # noqa: F401  (fixture)
from tests.integration.test_staff_web import (  # noqa: F401  (fixtures and the sign-in helper)
    settings,
    signed_in,
    users,
)
from tests.servers import serve_in_thread

pytestmark = pytest.mark.browser
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "funnel.png"


def test_the_funnel_page_draws_its_charts(seeded, settings, users, browser):  # noqa: F811
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        signed_in(client)
        cookies = [(cookie.name, cookie.value) for cookie in client.cookies.jar]
    with serve_in_thread(app) as url:
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        context.add_cookies([{"name": name, "value": value, "url": url} for name, value in cookies])
        page = context.new_page()
        outside = []
        page.on("request", lambda request: outside.append(request.url)
                if urlparse(request.url).netloc != urlparse(url).netloc else None)
        page.goto(f"{url}/staff/funnel?weeks=4")
        expect(page.get_by_role("heading", level=1)).to_have_text("Funnel: the last 4 weeks")
        chart = page.get_by_role("img", name="Conversations reaching each step")
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] > 300
        counts = chart.locator("rect.bar").evaluate_all("bars => bars.map(b => b.dataset.stepCount)")
        assert counts == ["5", "3", "2", "2", "2", "1"]
        widths = chart.locator("rect.bar").evaluate_all("bars => bars.map(b => b.getBBox().width)")
        assert widths[0] > widths[1] > widths[2] and widths[-1] < widths[-2]  # drawn to scale
        expect(page.get_by_role("img", name="Conversations started and booked, by week")).to_be_visible()
        expect(page.locator("#median-to-book")).to_have_text("30 min")
        assert outside == []
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "funnel.png"), full_page=True)
        if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not SCREENSHOT.exists():
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        context.close()
