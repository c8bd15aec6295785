"""Issue #12 point 5: 5,000 generated messages (tests/fuzz/corpus.py) through the running gateway,
then every staff page that shows the fuzzed conversations.

`make fuzz` (not part of `make test`: about 15 minutes on two busy cores). FUZZ_MESSAGES sets the
number of messages (default 5000; `make fuzz FUZZ_MESSAGES=200` while developing), FUZZ_CONCURRENCY
how many conversations are sent at once (default 8). Each conversation's messages go one after the
other, as a visitor's do. The stack is the e2e tier's (tests/e2e/conftest.py) with every rate limit
off: 5,000 messages from one address are the test, not an attack. A summary goes to
results/fuzz/latest.json.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import select

from bot.adapters.db import make_engine, session_scope
from bot.adapters.models import Intake
from bot.services.staff_accounts import add_user
from bot.settings import PROJECT_ROOT
from tests.e2e.conftest import Stack, running_stack
from tests.fuzz import corpus
from tests.fuzz.markup import markup_in_reply, unescaped_markup
from tests.support import english, fixed_cipher

pytestmark = [pytest.mark.fuzz, pytest.mark.stack]
TOTAL = int(os.environ.get("FUZZ_MESSAGES", "5000"))
CONCURRENCY = int(os.environ.get("FUZZ_CONCURRENCY", "8"))
MAX_CHARS = 1000
SUMMARY = PROJECT_ROOT / "results" / "fuzz" / "latest.json"
STAFF_EMAIL, STAFF_PASSWORD = "fuzz-staff@clinic.example", "fuzz staff password 12"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@dataclass
class Outcome:
    conversation: int
    start: str
    sent: corpus.FuzzMessage
    status: int
    body: Any
    seconds: float

    def where(self) -> str:
        return (f"conversation {self.conversation} ({self.start}): {self.sent.shown()} -> "
                f"{self.status} {self.body!r:.300}")

    def texts(self) -> List[str]:
        if not isinstance(self.body, dict):
            return []
        return [m.get("text") or "" for m in self.body.get("messages") or [] if isinstance(m, dict)]


@pytest.fixture(scope="module")
def fuzz_stack(tmp_path_factory):
    limits_off = {name: "0" for name in ("CHAT_RATE_PER_SESSION", "CHAT_RATE_PER_IP", "CHAT_SESSIONS_PER_IP",
                                         "CHAT_BOOKINGS_PER_IP", "BOOKING_MAX_ACTIVE_PER_CONTACT")}
    # Staff sign in with a password here (the second factor has its own tests: test_staff_sign_in.py).
    with running_stack(tmp_path_factory.mktemp("fuzz"), {"CHAT_MAX_MESSAGE_CHARS": str(MAX_CHARS), "LIVE_CHAT": "false",
                                                          "STAFF_REQUIRE_TOTP": "false", **limits_off}) as running:
        yield running


async def _post(http: httpx.AsyncClient, token: str, conversation: corpus.Conversation,
                sent: corpus.FuzzMessage) -> Outcome:
    began = time.monotonic()
    response = await http.post("/api/chat", content=sent.content(), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return Outcome(conversation.index, conversation.start, sent, response.status_code, body,
                   time.monotonic() - began)


def _button(outcome: Optional[Outcome], title: str) -> str:
    """The payload of the button titled `title` in the latest reply, or the title as typed words."""
    if outcome and isinstance(outcome.body, dict):
        for message in outcome.body.get("messages") or []:
            for button in message.get("buttons") or []:
                if button.get("title") == title:
                    return button["payload"]
    return title


async def _visit(http: httpx.AsyncClient, conversation: corpus.Conversation, limit: asyncio.Semaphore,
                 outcomes: List[Outcome], scripted: List[Outcome]) -> None:
    async with limit:
        token = (await http.post("/api/session")).json()["session"]
        latest = None
        for kind, words in conversation.prefix:
            text = _button(latest, words) if kind == "click" else words
            latest = await _post(http, token, conversation, corpus.FuzzMessage("scripted", corpus.REPLY, text=text))
            scripted.append(latest)
        for index, sent in enumerate(conversation.messages):
            if index in conversation.interleave:
                answer = corpus.FuzzMessage("scripted", corpus.REPLY, text=conversation.interleave[index])
                scripted.append(await _post(http, token, conversation, answer))
            outcomes.append(await _post(http, token, conversation, sent))


async def _drive(stack: Stack, conversations: List[corpus.Conversation]):
    outcomes: List[Outcome] = []
    scripted: List[Outcome] = []
    limit = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(base_url=stack.web_url, timeout=180,
                                 limits=httpx.Limits(max_connections=CONCURRENCY * 2)) as http:
        await asyncio.gather(*(_visit(http, c, limit, outcomes, scripted) for c in conversations))
    return outcomes, scripted


@dataclass
class FuzzRun:
    outcomes: List[Outcome]
    scripted: List[Outcome]
    seconds: float


@pytest.fixture(scope="module")
def fuzzed(fuzz_stack) -> FuzzRun:
    conversations = corpus.conversations(TOTAL, max_chars=MAX_CHARS)
    began = time.monotonic()
    outcomes, scripted = asyncio.run(_drive(fuzz_stack, conversations))
    run = FuzzRun(outcomes, scripted, time.monotonic() - began)
    by_category: Dict[str, Counter] = {}
    for outcome in outcomes:
        by_category.setdefault(outcome.sent.category, Counter())[str(outcome.status)] += 1
    forwarded = sorted(o.seconds for o in outcomes if o.status == 200)
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps({
        "messages": len(outcomes), "scripted_turns": len(scripted), "conversations": len(conversations),
        "concurrency": CONCURRENCY, "seconds": round(run.seconds, 1),
        "statuses": dict(Counter(str(o.status) for o in outcomes + scripted)),
        "by_category": {name: dict(counts) for name, counts in sorted(by_category.items())},
        "answered_p50_seconds": round(forwarded[len(forwarded) // 2], 3) if forwarded else None,
        "answered_p95_seconds": round(forwarded[int(len(forwarded) * 0.95)], 3) if forwarded else None,
    }, indent=2) + "\n")
    return run


def _failures(outcomes: List[Outcome], broken) -> str:
    found = [outcome for outcome in outcomes if broken(outcome)]
    return f"{len(found)} of {len(outcomes)}:\n" + "\n".join(o.where() for o in found[:15])


def test_every_generated_message_was_sent(fuzzed):
    assert len(fuzzed.outcomes) == TOTAL
    assert {o.sent.category for o in fuzzed.outcomes} == set(corpus.CATEGORIES)


def test_no_5xx(fuzzed):
    everything = fuzzed.outcomes + fuzzed.scripted
    assert not any(o.status >= 500 for o in everything), _failures(everything, lambda o: o.status >= 500)


def test_refused_input_gets_the_expected_4xx_with_a_sentence(fuzzed):
    def wrong(o: Outcome) -> bool:
        if o.sent.expect == corpus.REPLY:
            return False
        return (o.status != o.sent.expect or not isinstance(o.body, dict)
                or not str(o.body.get("error") or "").strip())

    assert not any(map(wrong, fuzzed.outcomes)), _failures(fuzzed.outcomes, wrong)


def test_every_accepted_message_gets_a_sensible_reply(fuzzed):
    no_reply = english().text("no_reply")

    def wrong(o: Outcome) -> bool:
        if o.sent.expect != corpus.REPLY:
            return False
        texts = o.texts()
        if o.status != 200 or not any(text.strip() for text in texts) or no_reply in texts:
            return True
        unfilled = any(PLACEHOLDER.search(text) for text in texts) and "{" not in (o.sent.text or "")
        return unfilled or any(text.strip() in ("None", "null") for text in texts)

    everything = fuzzed.outcomes + fuzzed.scripted
    assert not any(map(wrong, everything)), _failures(everything, wrong)


def test_no_reply_repeats_the_visitors_markup(fuzzed):
    def echoes(o: Outcome) -> bool:
        return any(markup_in_reply(text) for text in o.texts())

    assert not any(map(echoes, fuzzed.outcomes)), _failures(fuzzed.outcomes, echoes)


def test_the_forms_saw_the_garbage(fuzzed):
    """The scripted starts reached their forms (otherwise the validators were not fuzzed)."""
    wording = english()
    screening_started = wording.text("consent.given")
    said = {o.conversation: " ".join(o.texts()) for o in fuzzed.scripted if o.sent.text in ("/give_consent",)}
    screening = {o.conversation for o in fuzzed.scripted if o.start == "screening"}
    assert screening and all(screening_started in said.get(c, "") for c in screening), said


def _signed_in(stack: Stack) -> httpx.Client:
    engine = make_engine(stack.database_url, fixed_cipher())
    try:
        with session_scope(engine, for_write=True) as session:
            add_user(session, STAFF_EMAIL, STAFF_PASSWORD)
    finally:
        engine.dispose()
    http = httpx.Client(base_url=stack.web_url, timeout=120)
    login = http.get("/staff/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
    response = http.post("/staff/login", data={"csrf_token": csrf, "email": STAFF_EMAIL,
                                                "password": STAFF_PASSWORD, "next": ""})
    assert response.status_code == 303, response.text
    return http


def test_staff_pages_show_the_fuzzed_conversations_escaped(fuzz_stack, fuzzed):
    engine = make_engine(fuzz_stack.database_url, fixed_cipher())
    try:
        with session_scope(engine) as session:
            intake_ids = session.execute(select(Intake.id).order_by(Intake.id)).scalars().all()
    finally:
        engine.dispose()
    assert intake_ids, "the fuzzed conversations left no intake"
    pages = ["/staff", "/staff/today", "/staff/alerts", "/staff/alerts?show=all", "/staff/appointments",
             "/staff?status=new", "/staff?" + urlencode({"q": corpus.HTML[0]}),
             *(f"/staff/intakes/{intake_id}" for intake_id in intake_ids)]
    problems, shown = [], 0
    http = _signed_in(fuzz_stack)
    try:
        queue_pages = 0
        while pages:
            path = pages.pop(0)
            response = http.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}"
            problems += [f"{path}: {problem}" for problem in unescaped_markup(response.text)]
            shown += response.text.count(corpus.CANARY)
            older = re.search(r'<a href="(/staff\?[^"]*)">Older', response.text)
            if path.split("?")[0] == "/staff" and older and queue_pages < 100:  # every page of the queue
                pages.append(older.group(1).replace("&amp;", "&"))
                queue_pages += 1
    finally:
        http.close()
    assert not problems, "\n".join(problems[:30])
    assert shown, "no page showed any of the visitors' markup (as text): the check had nothing to find"
