"""Alerts and links in the chat widget, in headless Chromium (Playwright).

With the running assistant (tests/e2e/conftest.py): the emergency reply arrives marked as an alert
(the wording catalog's `alerts`) and is shown with role="alert", emphasised, with tap-to-call links
to the emergency number and to the clinic, after a reload too; an ordinary reply with the clinic's
address and phone shows them as links.

Without it: the widget on a static page whose API is a few canned answers served by the test,
for the linking rules themselves (phone formats, what is not a phone number, the address, markup
in a reply, an unsafe map link).
"""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List

import pytest
from playwright.sync_api import Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from bot.domain.profile import load_profile
from bot.web.gateway import STATIC_DIR
from tests.e2e.test_widget_browser import Widget, browser, page_factory  # noqa: F401  (fixtures)
from tests.servers import serve_in_thread
from tests.support import english

EMERGENCY = "I had botox yesterday and now I can't swallow properly"
RED_BORDER = "rgb(179, 38, 30)"  # widget.js: .bubble.alert


def tel(number: str) -> str:
    """The tel: link the widget makes for a number as written."""
    return "tel:" + ("+" if number.strip().startswith("+") else "") + re.sub(r"\D", "", number)


def links(locator) -> List[tuple]:
    return locator.locator("a").evaluate_all("links => links.map(a => [a.textContent, a.getAttribute('href')])")


# ---- with the running assistant -----------------------------------------------------------------


def expect_emergency_alert(page: Page, profile) -> None:
    alert = Widget(page).log.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert).to_have_class(re.compile(r"\balert\b"))
    expect(alert).to_have_attribute("aria-live", "assertive")
    expect(alert).to_contain_text(profile.emergency_number)
    expect(alert.locator(f'a[href="{tel(profile.emergency_number)}"]').first).to_have_text(profile.emergency_number)
    expect(alert.locator(f'a[href="{tel(profile.phone)}"]').first).to_have_text(profile.phone)
    expect(alert.locator("strong.lead")).to_have_css("font-weight", "700")  # a bold lead
    expect(alert).to_have_css("border-top-color", RED_BORDER)


@pytest.mark.stack
def test_the_emergency_reply_is_an_alert_with_call_links(stack, page_factory):  # noqa: F811
    profile = load_profile(stack.settings.clinic_profile)
    page = page_factory(viewport={"width": 1100, "height": 760})
    page.goto("/")
    widget = Widget(page)
    widget.open()
    messages = widget.say(EMERGENCY)
    marked = [message for message in messages if message.get("alert")]
    assert len(marked) == 1 and profile.emergency_number in marked[0]["text"], messages
    expect_emergency_alert(page, profile)
    assert widget.ui.locator(".msg.visitor [role=alert]").count() == 0

    page.reload()  # the history path marks it too
    widget = Widget(page)
    widget.open()
    expect(widget.log).to_contain_text(EMERGENCY)
    expect_emergency_alert(page, profile)


@pytest.mark.stack
def test_the_clinic_phone_and_address_in_a_reply_are_links(stack, page_factory):  # noqa: F811
    profile = load_profile(stack.settings.clinic_profile)
    page = page_factory()
    page.goto("/")
    widget = Widget(page)
    widget.open()
    messages = widget.say("where are you located?")
    assert profile.address in "\n".join(m["text"] for m in messages), messages
    assert not any(m.get("alert") for m in messages)
    reply = widget.ui.locator(".msg.assistant .bubble").filter(has_text=profile.address)
    expect(reply.locator(f'a[href="{tel(profile.phone)}"]')).to_have_text(profile.phone)
    address = reply.locator("a", has_text=profile.address)
    expect(address).to_have_attribute("href", profile.map_url)
    expect(address).to_have_attribute("target", "_blank")
    expect(address).to_have_attribute("rel", "noopener noreferrer")
    assert widget.log.locator("[role=alert]").count() == 0


# ---- the linking rules, on a static page ----------------------------------------------------------

PHONE, ADDRESS = "+1 818-555-0142", "16055 Ventura Blvd, Suite 100, Encino, CA 91436"
MAP_URL = "https://maps.example/search?q=16055%20Ventura"
ORDINARY = (
    "Call (818) 555-0199, 818-555-0199, 818.555.0199 or 818 555 0199. Our line is +1 818-555-0142; "
    f"in an emergency call 911. We're at {ADDRESS}.\n"
    "Not phone numbers: 2030-01-01, 50 units, 10:00 am-5:00 pm, reference 9115550, A911. <img src=x onerror=alert(1)>"
)
ALERT = "This could be a medical emergency. Please call 911 now. When you are safe, call us on +1 818-555-0142."


class CannedApi:
    """A host page, the widget's files (/widget.js, its frame /chat, /chat.js, /chat.css), and an API
    that answers every message with `replies` (after `delay` seconds)."""

    def __init__(self) -> None:
        wording = english()
        self.config: Dict[str, Any] = {
            "clinic": "Static Clinic", "phone": PHONE, "emergency_number": "911", "address": ADDRESS,
            "map_url": MAP_URL, "max_message_chars": 1000,
            "greeting": {"text": wording.text("widget.greeting"), "label": wording.text("widget.suggestions_label"),
                         "suggestions": wording.buttons("widget.greeting")},
            "new_chat": {key: wording.text(f"widget.new_chat.{key}") for key in ("question", "confirm", "keep")},
        }
        self.replies: List[Dict[str, Any]] = []
        self.history: List[Dict[str, Any]] = []
        self.delay = 0.0
        self.ended = 0  # "New chat" confirmed: DELETE /api/frame-session

    def app(self) -> Starlette:
        async def page(request: Request):
            return HTMLResponse('<!doctype html><html lang=en><head><title>Static</title>'
                                '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
                                '<h1>Static page</h1><script src="/widget.js" defer></script></body></html>')

        def static(name: str, media_type: str):
            async def serve(request: Request):
                return FileResponse(STATIC_DIR / name, media_type=media_type)
            return serve

        async def config(request: Request):
            return JSONResponse(self.config)

        async def session(request: Request):
            if request.method == "DELETE":
                self.ended += 1
                self.history = []
                return Response(status_code=204)
            return JSONResponse({"started": True}, status_code=201)

        async def chat(request: Request):
            message = (await request.json())["message"]
            await asyncio.sleep(self.delay)
            self.history += [{"role": "visitor", "text": message, "buttons": []},
                             *({"role": "assistant", **reply} for reply in self.replies)]
            return JSONResponse({"messages": self.replies})

        async def history(request: Request):
            return JSONResponse({"messages": self.history})

        return Starlette(routes=[Route("/", page), Route("/widget.js", static("widget.js", "text/javascript")),
                                 Route("/chat", static("chat.html", "text/html")),
                                 Route("/chat.js", static("chat.js", "text/javascript")),
                                 Route("/chat.css", static("chat.css", "text/css")),
                                 Route("/api/config", config),
                                 Route("/api/frame-session", session, methods=["POST", "DELETE"]),
                                 Route("/api/chat", chat, methods=["POST"]),
                                 Route("/api/history", history)])


@pytest.fixture
def static_site(browser):  # noqa: F811
    api = CannedApi()
    problems: List[str] = []
    with serve_in_thread(api.app()) as url:
        context = browser.new_context(base_url=url)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        page.set_default_timeout(15_000)
        yield api, page
        context.close()
    assert not problems, problems


@pytest.mark.browser
def test_phone_numbers_and_the_address_become_links(static_site):
    api, page = static_site
    api.replies = [{"text": ORDINARY, "buttons": []}]
    page.goto("/")
    widget = Widget(page)
    widget.open()
    widget.say("hello")
    bubble = widget.ui.locator(".msg.assistant .bubble")
    expect(bubble).to_have_count(1)
    assert bubble.text_content() == ORDINARY  # the words are unchanged, only linked
    assert links(bubble) == [
        ["(818) 555-0199", "tel:8185550199"],
        ["818-555-0199", "tel:8185550199"],
        ["818.555.0199", "tel:8185550199"],
        ["818 555 0199", "tel:8185550199"],
        [PHONE, "tel:+18185550142"],
        ["911", "tel:911"],
        [ADDRESS, MAP_URL],
    ]
    address = bubble.locator("a", has_text=ADDRESS)
    expect(address).to_have_attribute("target", "_blank")
    expect(address).to_have_attribute("rel", "noopener noreferrer")
    assert widget.ui.locator("img").count() == 0  # markup in a reply stays text
    assert bubble.get_attribute("role") is None  # not an alert
    assert widget.bubbles("visitor") == ["hello"]
    assert widget.ui.locator(".msg.visitor a").count() == 0  # the visitor's words are not linked


@pytest.mark.browser
def test_an_alert_is_announced_and_emphasised(static_site):
    api, page = static_site
    api.replies = [{"text": "Plain first.", "buttons": []}, {"text": ALERT, "buttons": [], "alert": True}]
    page.goto("/")
    widget = Widget(page)
    widget.open()
    widget.say("help")
    alert = widget.log.get_by_role("alert")
    expect(alert).to_have_count(1)
    assert alert.text_content() == ALERT
    expect(alert).to_have_class("bubble alert")
    expect(alert).to_have_attribute("aria-atomic", "true")
    expect(alert.locator("strong.lead")).to_have_text("This could be a medical emergency.")
    expect(alert).to_have_css("border-top-color", RED_BORDER)
    assert links(alert) == [["911", "tel:911"], [PHONE, "tel:+18185550142"]]
    plain = widget.ui.locator(".msg.assistant .bubble", has_text="Plain first.")
    expect(plain).to_have_class("bubble")


@pytest.mark.browser
def test_an_unsafe_map_link_is_not_used(static_site):
    api, page = static_site
    api.config["map_url"] = "javascript:alert(1)"
    api.replies = [{"text": f"We're at {ADDRESS}.", "buttons": []}]
    page.goto("/")
    widget = Widget(page)
    widget.open()
    widget.say("where?")
    bubble = widget.ui.locator(".msg.assistant .bubble")
    expect(bubble).to_have_text(f"We're at {ADDRESS}.")
    assert links(bubble) == []
