"""The chat widget in a real browser: headless Chromium (Playwright) on the demo page of the running
assistant (tests/e2e/conftest.py: Rasa with the trained model, the action server, the web service).

The conversation is driven by what the assistant says and offers (its buttons, its form prompts
from actions.prompts), not by hard-coded bot wording; the assertions are on outcomes: the booking
stored, the confirmation carrying its reference, the conversation restored after a reload.
Screenshot: tests/artifacts/widget.png on every run; docs/screenshots/widget.png when missing or
with UPDATE_SCREENSHOTS=1.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable, Dict, List

import pytest
from playwright.sync_api import Frame, Page, expect, sync_playwright
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from bot.adapters.db import make_engine, session_scope
from bot.adapters.repository import REFERENCE_ALPHABET, REFERENCE_LENGTH
from bot.composition import build_app
from bot.domain.profile import load_profile
from bot.services.readout import intake_summaries
from bot.settings import PROJECT_ROOT
from bot.web.gateway import Gateway
from tests.servers import serve_in_thread
from tests.support import english, fixed_cipher

pytestmark = [pytest.mark.stack, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CONCERN = "my armpits sweat through every shirt"
XSS = "<img src=x onerror=alert(1)>"
REPLY_TIMEOUT_MS = 90_000
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "widget.png"
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
# Buttons the booking run never takes: they lead away from booking.
AVOID = ("/human_handoff", "/decline_consent", "/deny_booking", "/ask_")
REFERENCE = re.compile(rf"\b[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}\b")
FRAME = "iframe.clinic-chat-frame"  # the widget's frame, added by widget.js

expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")  # one sync Playwright at a time: the staff tests start their own
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page_factory(browser, stack):
    """New pages in fresh browser contexts (own localStorage) on the stack's web service; any
    script error or alert() on a page fails the test."""
    contexts, problems = [], []

    def make(**context_args) -> Page:
        context = browser.new_context(base_url=stack.web_url, **context_args)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        page.set_default_timeout(30_000)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, problems


class Widget:
    """Drives the widget (inside its frame) like a visitor; remembers the buttons of the
    assistant's latest answer (from the /api/chat response the page received)."""

    def __init__(self, page: Page):
        self.page = page
        self.ui = page.frame_locator(FRAME)
        self.launcher = self.ui.get_by_role("button", name="Chat with us")
        self.dialog = self.ui.get_by_role("dialog")
        self.input = self.ui.get_by_role("textbox", name="Your message")
        self.log = self.ui.get_by_role("log")
        self.typing = self.ui.locator(".typing")
        self.offered: List[Dict[str, str]] = []

    def frame(self) -> Frame:
        """The frame itself, to run a script in it."""
        frame = self.page.locator(FRAME).element_handle().content_frame()
        assert frame is not None
        return frame

    def open(self) -> None:
        self.launcher.click()
        expect(self.dialog).to_be_visible()

    def _exchange(self, action: Callable[[], None]) -> List[dict]:
        def is_chat(response) -> bool:
            return response.url.endswith("/api/chat") and response.request.method == "POST"

        with self.page.expect_response(is_chat, timeout=REPLY_TIMEOUT_MS) as info:
            action()
        response = info.value
        assert response.status == 200, response.text()
        messages = response.json()["messages"]
        self.offered = [button for message in messages for button in message["buttons"]]
        expect(self.typing).to_have_text("")  # rendered
        return messages

    def say(self, text: str) -> List[dict]:
        def type_and_send() -> None:
            self.input.fill(text)
            self.input.press("Enter")

        return self._exchange(type_and_send)

    def click(self, title: str) -> List[dict]:
        return self._exchange(lambda: self.log.get_by_role("button", name=title, exact=True).click())

    def bubbles(self, role: str) -> List[str]:
        return self.ui.locator(f".msg.{role} .bubble").all_text_contents()


def texts(messages: List[dict]) -> str:
    return "\n".join(message["text"] for message in messages)


def next_button(offered: List[Dict[str, str]]):
    """The button a visitor who wants to book would take, or None."""
    for prefix in ("/choose_slot", "/give_consent", "/request_booking", "/deny"):
        for button in offered:
            if button["payload"].startswith(prefix):
                return button
    for button in offered:
        if not button["payload"].startswith(AVOID):
            return button
    return None


def book_through_the_widget(widget: Widget, name: str, phone: str):
    """From the described concern to the confirmation; (confirmation text, button titles clicked,
    texts typed)."""
    sweating = load_profile(PROJECT_ROOT / "clinic" / "profile.yml").concerns["sweating"]
    messages = widget.say(CONCERN)
    assert sweating.display_name in texts(messages), texts(messages)
    clicked, typed = [], [CONCERN]
    for _ in range(40):
        said = texts(messages)
        if "reference" in said.lower() and REFERENCE.search(said):
            return said, clicked, typed
        button = next_button(widget.offered)
        if button is not None:
            clicked.append(button["title"])
            messages = widget.click(button["title"])
        elif english().text("ask.full_name") in said:
            typed.append(name)
            messages = widget.say(name)
        elif english().text("ask.contact") in said:
            typed.append(phone)
            messages = widget.say(phone)
        else:  # a screening question asking for a number (how many, how long)
            typed.append("2")
            messages = widget.say("2")
    raise AssertionError(f"no booking confirmation; the assistant last said: {texts(messages)}")


def stored_intakes(stack) -> List[dict]:
    profile = load_profile(stack.settings.clinic_profile)
    with session_scope(make_engine(stack.database_url, fixed_cipher())) as session:
        return intake_summaries(session, profile.timezone)


def save_screenshot(page: Page) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "widget.png"
    page.screenshot(path=str(shot))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        try:  # a 128-colour palette keeps the committed file small (~55 KB instead of ~160 KB)
            from PIL import Image

            with Image.open(shot) as image:
                image.convert("RGB").quantize(colors=128).save(SCREENSHOT, optimize=True)
        except ImportError:
            shutil.copyfile(shot, SCREENSHOT)


def test_book_a_consultation_then_reload(stack, page_factory):
    page = page_factory(viewport={"width": 1100, "height": 760})
    page.goto("/")
    profile = load_profile(stack.settings.clinic_profile)
    expect(page.get_by_role("heading", level=1)).to_have_text(profile.name)
    expect(page.get_by_text(profile.address).first).to_be_visible()
    widget = Widget(page)
    widget.open()

    # The disclosure and the privacy notice come first.
    expect(widget.dialog).to_contain_text("automated assistant, not a clinician")
    expect(widget.dialog).to_contain_text("general information only")
    expect(widget.dialog).to_contain_text(f"call {profile.emergency_number}")
    expect(widget.dialog).to_contain_text("Privacy: the clinic stores this conversation")

    name, phone = "Robin Widgetson", "818 555 0123"
    confirmation, clicked, typed = book_through_the_widget(widget, name, phone)
    assert len(clicked) >= 3 and name in typed and phone in typed
    assert widget.bubbles("visitor")[-1] == clicked[-1]  # a button shows its title as the visitor's words

    rows = [row for row in stored_intakes(stack) if row["name"] == name]
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["concern"] == "sweating"
    assert row["phone"] == "+18185550123"
    assert row["appointment"]["status"] == "booked"
    assert row["appointment"]["reference"] in REFERENCE.findall(confirmation)
    assert row["conversation_id"].startswith("web-")
    storage = page.evaluate("JSON.stringify(window.localStorage)")
    assert row["conversation_id"] not in storage and row["conversation_id"][4:] not in storage
    # The session is an HttpOnly cookie of the frame; the demo page holds no token and no shadow root.
    token = next(c["value"] for c in page.context.cookies() if c["name"].endswith("clinic_chat") and c["httpOnly"])
    assert token not in storage and token not in page.evaluate("document.cookie")
    assert page.evaluate("[...document.querySelectorAll('*')].filter(el => el.shadowRoot).length") == 0

    before = {"visitor": widget.bubbles("visitor"), "assistant": widget.bubbles("assistant")}
    page.reload()
    widget = Widget(page)
    widget.open()
    expect(widget.log).to_contain_text(row["appointment"]["reference"])
    assert widget.bubbles("visitor") == before["visitor"]
    assert widget.bubbles("assistant") == before["assistant"]
    assert CONCERN in before["visitor"] and clicked[0] in before["visitor"]
    save_screenshot(page)


def focused(page: Page) -> dict:
    """The focused element, looking inside the widget's frame when focus is there."""
    if page.evaluate("() => document.activeElement && document.activeElement.tagName") == "IFRAME":
        return focused_in(Widget(page).frame())
    return focused_in(page.main_frame)


def focused_in(frame: Frame) -> dict:
    return frame.evaluate(
        """() => {
            let el = document.activeElement;
            if (!el) return {};
            return {tag: el.tagName.toLowerCase(), id: el.id, label: el.getAttribute("aria-label") || "",
                    text: (el.textContent || "").trim(), inDialog: !!el.closest("[role=dialog]"),
                    inQuickReplies: !!el.closest(".quick")};
        }"""
    )


def test_keyboard_only(stack, page_factory):
    page = page_factory(viewport={"width": 1100, "height": 760})
    page.goto("/")
    widget = Widget(page)
    for _ in range(15):  # Tab through the page to the launcher
        page.keyboard.press("Tab")
        if focused(page).get("text") == "Chat with us":
            break
    else:
        raise AssertionError("the launcher is not reachable with Tab")
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(widget.dialog).to_be_visible()
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    assert focused(page)["id"] == "cc-input"  # focus moved into the dialog

    # ARIA: a named, described dialog; a polite live log; labelled controls.
    clinic = load_profile(stack.settings.clinic_profile).name
    expect(widget.dialog).to_have_accessible_name(re.compile(re.escape(clinic)))
    expect(widget.dialog).to_have_accessible_description(re.compile("not a clinician"))
    expect(widget.log).to_have_attribute("aria-live", "polite")
    expect(widget.ui.get_by_role("button", name="Close chat")).to_be_visible()
    expect(widget.ui.get_by_role("button", name="Start a new chat")).to_be_visible()
    expect(widget.ui.get_by_role("button", name="Send")).to_be_visible()

    def type_and_enter() -> None:
        page.keyboard.type(CONCERN)
        page.keyboard.press("Enter")

    widget._exchange(type_and_enter)
    assert widget.bubbles("visitor") == [CONCERN]
    assert widget.offered, "the assistant offers its next steps as buttons"
    target = next_button(widget.offered) or widget.offered[0]

    # Shift+Tab from the input walks back through the quick replies.
    for _ in range(len(widget.offered) + 1):
        page.keyboard.press("Shift+Tab")
        now = focused(page)
        assert now.get("inDialog"), now
        if now.get("text") == target["title"]:
            break
    else:
        raise AssertionError(f"quick reply {target['title']!r} is not reachable with Shift+Tab")
    assert focused(page)["inQuickReplies"]
    widget._exchange(lambda: page.keyboard.press("Enter"))
    assert widget.bubbles("visitor") == [CONCERN, target["title"]]
    assert focused(page)["id"] == "cc-input"  # focus stays in the dialog after the chips go

    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Send"
    page.keyboard.press("Escape")
    expect(widget.dialog).to_be_hidden()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    assert focused(page)["text"] == "Chat with us"  # focus is back on the launcher
    page.keyboard.press("Enter")
    expect(widget.dialog).to_be_visible()
    assert focused(page)["id"] == "cc-input"


def test_phone_size_screen(page_factory):
    page = page_factory(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page.goto("/")
    widget = Widget(page)
    widget.launcher.tap()
    expect(widget.dialog).to_be_visible()
    assert widget.dialog.bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 740}  # full screen
    expect(widget.launcher).to_be_hidden()
    messages = widget.say(CONCERN)
    assert messages
    overflow = widget.frame().evaluate(
        """() => {
            const dialog = document.querySelector("[role=dialog]");
            return [...dialog.querySelectorAll("*")].filter(el => {
                const box = el.getBoundingClientRect();
                return box.width > 0 && (box.left < -1 || box.right > window.innerWidth + 1);
            }).length;
        }"""
    )
    assert overflow == 0, "nothing sticks out sideways"
    font_size = widget.input.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert font_size >= 16  # no zoom-on-focus on phones
    for button in widget.log.get_by_role("button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["height"] >= 44
    widget.ui.get_by_role("button", name="Close chat").tap()
    expect(widget.dialog).to_be_hidden()
    expect(widget.launcher).to_be_visible()


def test_markup_typed_by_a_visitor_is_shown_as_text(page_factory):
    page = page_factory()
    page.goto("/")
    widget = Widget(page)
    widget.open()
    widget.say(XSS)
    assert widget.bubbles("visitor") == [XSS]
    expect(widget.log).to_contain_text(XSS)
    assert widget.ui.locator("img").count() == 0
    page.reload()  # the history path renders it as text too
    widget = Widget(page)
    widget.open()
    expect(widget.log).to_contain_text(XSS)
    assert widget.bubbles("visitor") == [XSS]
    assert widget.ui.locator("img").count() == 0
    # page_factory fails the test if an alert() ran


@pytest.mark.parametrize("status,shown", [
    (503, "unavailable right now"),
    (429, "Please wait 12 seconds"),
])
def test_an_api_error_shows_a_friendly_line_and_keeps_the_typed_text(page_factory, status, shown):
    page = page_factory()
    page.goto("/")
    widget = Widget(page)
    widget.open()
    page.route("**/api/chat", lambda route: route.fulfill(
        status=status, json={"error": "x"}, headers={"Retry-After": "12"}))
    widget.input.fill("hello, can you help?")
    widget.input.press("Enter")
    alert = widget.ui.get_by_role("alert")
    expect(alert).to_contain_text(shown)
    expect(widget.input).to_have_value("hello, can you help?")  # not lost
    assert widget.bubbles("visitor") == []
    page.unroute("**/api/chat")
    widget._exchange(lambda: widget.input.press("Enter"))  # the same text, sent again
    expect(alert).to_be_hidden()
    assert widget.bubbles("visitor") == ["hello, can you help?"]
    expect(widget.input).to_have_value("")




def test_one_script_line_on_another_site(stack, page_factory):
    """The widget on a page of another origin: the loader adds the frame from its own script src;
    the conversation works, and a script on the host page can read neither the session token nor
    the transcript (#11.4). A site not in CORS_ORIGINS cannot show the frame at all."""
    site_port_holder: Dict[str, str] = {}

    async def clinic_site(request):
        return HTMLResponse(
            "<!doctype html><html lang=en><head><title>Another site</title></head><body>"
            "<h1>A partner page</h1>"
            f'<script src="{site_port_holder["gateway"]}/widget.js" defer></script></body></html>'
        )

    site_app = Starlette(routes=[Route("/", clinic_site)])
    with serve_in_thread(site_app) as site, serve_in_thread(site_app) as other_site:
        settings = replace(stack.settings, cors_origins=(site,))  # the stack's Rasa, secret and store
        with serve_in_thread(Starlette(routes=Gateway(build_app(settings)).routes())) as gateway:
            site_port_holder["gateway"] = gateway
            page = page_factory()
            page.goto(site + "/")
            widget = Widget(page)
            widget.open()
            messages = widget.say(CONCERN)
            assert messages and widget.bubbles("assistant")
            expect_host_page_cannot_read_the_chat(page, gateway, CONCERN)

            refused = page_factory()
            refused.goto(other_site + "/")
            frame = refused.locator(FRAME)
            expect(frame).to_have_count(1)
            refused.wait_for_timeout(1500)
            assert Widget(refused).ui.get_by_role("button", name="Chat with us").count() == 0


def expect_host_page_cannot_read_the_chat(page: Page, gateway: str, said: str) -> None:
    """What any script on the host page can try: storage, cookies, the DOM (shadow roots
    included), the frame's document, and the API with the browser's credentials."""
    cookies = [c for c in page.context.cookies(gateway) if c["name"].endswith("clinic_chat")]
    assert len(cookies) == 1 and cookies[0]["httpOnly"], cookies
    token = cookies[0]["value"]
    seen = page.evaluate(
        """async ([gateway]) => {
            const storage = JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage});
            const shadows = [...document.querySelectorAll("*")].filter(el => el.shadowRoot).length;
            const frame = document.querySelector("iframe");
            let frameDocument = "readable";
            try { frameDocument = frame.contentDocument ? frame.contentDocument.body.innerText : "null"; }
            catch (e) { frameDocument = "blocked"; }
            const tries = {};
            for (const [name, init] of [["plain", {}], ["credentials", {credentials: "include"}],
                                        ["header", {credentials: "include", headers: {"X-Chat-Frame": "1"}}]]) {
                try {
                    const response = await fetch(gateway + "/api/history", init);
                    tries[name] = response.status + " " + await response.text();
                } catch (e) { tries[name] = "failed"; }
            }
            return {storage, cookie: document.cookie, html: document.documentElement.outerHTML, shadows,
                    frameDocument, tries};
        }""",
        [gateway],
    )
    for place in ("storage", "cookie", "html"):
        assert token not in seen[place] and said not in seen[place], place
    assert seen["shadows"] == 0  # no open shadow root holding the chat
    assert seen["frameDocument"] == "null"  # another origin's document: not reachable
    for name, outcome in seen["tries"].items():  # refused (401), or not even readable
        assert outcome == "failed" or outcome.startswith("401 "), (name, outcome)
        assert said not in outcome
    assert widget_cookie_unreadable_in_frame(page)


def widget_cookie_unreadable_in_frame(page: Page) -> bool:
    """Even the frame's own scripts cannot read the HttpOnly cookie."""
    return "clinic_chat" not in Widget(page).frame().evaluate("document.cookie")
