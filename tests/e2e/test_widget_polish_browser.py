"""The widget's polish (#13.5) in headless Chromium, on a static page whose API is a few canned
answers (tests/e2e/test_widget_links_browser.py's CannedApi): the greeting with three suggested
first questions, the unread badge (after a reload too), "New chat" asking first, touch targets of
at least 44 px on a 390 px wide phone, slot choices grouped under their day, and a long reply
shown from its start. Screenshots go to tests/artifacts/ (docs/screenshots/widget-phone.png when
missing or with UPDATE_SCREENSHOTS=1)."""
from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from bot.settings import PROJECT_ROOT
from tests.e2e.test_widget_browser import ARTIFACTS, Widget, browser  # noqa: F401  (fixture)
from tests.e2e.test_widget_links_browser import static_site  # noqa: F401  (fixture)
from tests.support import english

pytestmark = pytest.mark.browser

PHONE_SHOT = PROJECT_ROOT / "docs" / "screenshots" / "widget-phone.png"
DAYS = ("Tuesday, November 24", "Wednesday, November 25")
TIMES = ("9:00 am", "10:30 am", "3:00 pm")
SLOTS = [{"title": f"{day} at {time}", "payload": f'/choose_slot{{"slot_time": "{day} {time}"}}'}
         for day in DAYS for time in TIMES]
SLOT_REPLY = [{"text": "Here are the next free times. Which suits you?", "buttons": SLOTS}]


def open_widget(page) -> Widget:
    page.goto("/")
    widget = Widget(page)
    widget.open()
    return widget


def test_a_greeting_with_three_suggested_first_questions(static_site):  # noqa: F811
    api, page = static_site
    api.replies = [{"text": "A consultation is free.", "buttons": []}]
    widget = open_widget(page)
    wording = english()
    greeting = widget.ui.locator(".msg.greeting .bubble")
    expect(greeting).to_have_text(wording.text("widget.greeting"))
    suggestions = widget.ui.get_by_role("group", name=wording.text("widget.suggestions_label")).get_by_role("button")
    titles = [button["title"] for button in wording.buttons("widget.greeting")]
    expect(suggestions).to_have_text(titles)

    with page.expect_request("**/api/chat") as sent:
        suggestions.nth(1).click()
    assert sent.value.post_data_json == {"message": wording.buttons("widget.greeting")[1]["payload"]}
    expect(widget.ui.locator(".msg.assistant .bubble")).to_have_text(["A consultation is free."])
    assert widget.bubbles("visitor") == [titles[1]]  # the question, as the visitor's words
    expect(suggestions).to_have_count(0)  # gone once the conversation has begun
    expect(greeting).to_have_count(1)


def test_an_unread_badge_on_the_launcher_also_after_a_reload(static_site):  # noqa: F811
    api, page = static_site
    api.replies = [{"text": "Thanks, here is my answer.", "buttons": []}]
    api.delay = 1.5
    widget = open_widget(page)
    badge = widget.ui.locator(".launcher .badge")
    expect(badge).to_be_hidden()
    with page.expect_response("**/api/chat"):
        widget.input.fill("are you open on Saturdays?")
        widget.input.press("Enter")
        widget.ui.get_by_role("button", name="Close chat").click()  # closed before the answer comes
    expect(badge).to_be_visible()
    expect(badge).to_have_text("1")
    expect(widget.launcher).to_have_accessible_name("Chat with us (1 unread)")

    page.reload()
    widget = Widget(page)
    expect(widget.ui.locator(".launcher .badge")).to_have_text("1")
    widget.open()  # read now
    expect(widget.ui.locator(".launcher .badge")).to_be_hidden()
    expect(widget.log).to_contain_text("Thanks, here is my answer.")
    page.reload()
    expect(Widget(page).ui.locator(".launcher .badge")).to_be_hidden()
    expect(Widget(page).launcher).to_have_accessible_name("Chat with us")


def test_new_chat_asks_before_clearing(static_site):  # noqa: F811
    api, page = static_site
    api.replies = [{"text": "Hello there.", "buttons": []}]
    widget = open_widget(page)
    widget.say("hi")
    wording = english()
    question = widget.ui.get_by_text(wording.text("widget.new_chat.question"))

    widget.ui.get_by_role("button", name="Start a new chat").click()
    expect(question).to_be_visible()
    assert widget.bubbles("visitor") == ["hi"]  # nothing cleared yet
    widget.ui.get_by_role("button", name=wording.text("widget.new_chat.keep")).click()
    expect(question).to_be_hidden()
    assert widget.bubbles("visitor") == ["hi"] and api.ended == 0

    widget.ui.get_by_role("button", name="Start a new chat").click()
    widget.ui.get_by_role("button", name=wording.text("widget.new_chat.confirm")).click()
    expect(widget.ui.locator(".msg.visitor")).to_have_count(0)
    assert api.ended == 1  # the server cleared the session cookie
    expect(widget.ui.locator(".msg.greeting")).to_have_count(1)  # a fresh start
    page.reload()
    widget = Widget(page)
    widget.open()
    expect(widget.ui.locator(".msg.greeting")).to_have_count(1)
    assert widget.bubbles("visitor") == []


def test_touch_targets_are_at_least_44_px_on_a_phone(browser):  # noqa: F811
    from tests.e2e.test_widget_links_browser import CannedApi
    from tests.servers import serve_in_thread

    api = CannedApi()
    api.replies = [{"text": "Which area?", "buttons": [{"title": "Underarms", "payload": "/a"},
                                                       {"title": "Palms", "payload": "/b"}]}, *SLOT_REPLY]
    with serve_in_thread(api.app()) as url:
        context = browser.new_context(base_url=url, viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True)
        page = context.new_page()
        page.goto("/")
        widget = Widget(page)
        launcher = widget.launcher.bounding_box()
        assert launcher["width"] >= 44 and launcher["height"] >= 44
        widget.launcher.tap()
        expect(widget.dialog).to_be_visible()
        widget.say("my armpits")
        widget.ui.get_by_role("button", name="Start a new chat").tap()  # the confirm buttons too
        sizes = widget.frame().evaluate(
            """() => [...document.querySelectorAll("button, input")]
                .filter(el => el.offsetParent !== null)
                .map(el => { const box = el.getBoundingClientRect();
                             const name = el.getAttribute("aria-label") || el.textContent.trim();
                             return [name, box.width, box.height]; })"""
        )
        names = [name for name, _, _ in sizes]
        assert {"Close chat", "Start a new chat", "Send", "Underarms", SLOTS[0]["title"],
                english().text("widget.new_chat.keep")} <= set(names), names
        small = [(name, width, height) for name, width, height in sizes if width < 44 or height < 44]
        assert small == []
        widget.ui.get_by_role("button", name=english().text("widget.new_chat.keep")).tap()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))
        if os.environ.get("UPDATE_SCREENSHOTS") == "1" or not PHONE_SHOT.exists():
            page.screenshot(path=str(PHONE_SHOT))
        context.close()


def test_slot_choices_are_grouped_under_their_day(static_site):  # noqa: F811
    api, page = static_site
    api.replies = SLOT_REPLY
    widget = open_widget(page)
    widget.say("book me in")
    group = widget.log.locator(".quick")
    expect(group.locator(".day")).to_have_text(list(DAYS))
    expect(group.get_by_role("button")).to_have_text(list(TIMES) * 2)  # each chip shows its time only
    assert group.inner_text().count(DAYS[0]) == 1  # the date once, not on every chip
    with page.expect_request("**/api/chat") as sent:
        group.get_by_role("button", name=SLOTS[4]["title"], exact=True).click()  # named in full for screen readers
    assert sent.value.post_data_json == {"message": SLOTS[4]["payload"]}
    expect(widget.ui.locator(".msg.visitor .bubble").last).to_have_text(SLOTS[4]["title"])


def test_a_long_reply_is_shown_from_its_start(static_site):  # noqa: F811
    api, page = static_site
    long_text = "Here is everything about the treatment.\n" + "\n".join(f"Point {n}: details." for n in range(1, 60))
    widget = open_widget(page)
    api.replies = [{"text": "Short one.", "buttons": []}]
    widget.say("hello")
    api.replies = [{"text": long_text, "buttons": []}]
    widget.say("tell me everything")
    where = widget.frame().evaluate(
        """() => {
            const scroller = document.querySelector(".scroll");
            const bubbles = document.querySelectorAll(".msg.assistant .bubble");
            const reply = bubbles[bubbles.length - 1].getBoundingClientRect();
            const view = scroller.getBoundingClientRect();
            return {replyTop: reply.top - view.top, viewHeight: view.height,
                    atBottom: scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2};
        }"""
    )
    assert 0 <= where["replyTop"] <= 40, where  # the reply's first line is at the top of the view
    assert not where["atBottom"], where  # not jumped to the end
    api.replies = [{"text": "Short again.", "buttons": []}]
    widget.say("thanks")
    at_bottom = widget.frame().evaluate(
        """() => { const s = document.querySelector(".scroll");
                   return s.scrollTop + s.clientHeight >= s.scrollHeight - 2; }""")
    assert at_bottom  # a reply that fits: the view follows it to the end
