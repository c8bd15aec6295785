"""Issue #12's service faults, against `python -m bot run` (tests/faults/conftest.py): the action
server killed in the middle of the screening form, then Rasa killed in the middle of it. Each time
the visitor is told plainly, the Supervisor starts the service again, and the form goes on from
where it was with every answer kept (the tracker store and the intake store both have them)."""
from __future__ import annotations

import os
import signal
from typing import Dict, List

import httpx
import pytest
from sqlalchemy import select

from bot.adapters.db import make_engine, session_scope
from bot.adapters.models import Intake, ScreeningAnswer
from bot.domain.profile import load_profile
from bot.domain.screening import questions_for
from bot.settings import PROJECT_ROOT
from bot.web.gateway import MSG_RASA
from bot.web.sessions import SessionTokens
from tests.support import english, fixed_cipher

pytestmark = pytest.mark.faults
RESTART_TIMEOUT = {"actions": 180, "rasa": 900}  # Rasa reloads its model: minutes on a busy machine
QUESTIONS = {q.key: q.text for q in questions_for(load_profile(PROJECT_ROOT / "clinic" / "profile.yml"), "sweating")}


def text_of(messages: List[Dict]) -> str:
    return " ".join(message["text"] for message in messages)


def payload(messages: List[Dict], title: str) -> str:
    return next(b["payload"] for m in messages for b in m["buttons"] if b["title"] == title)


def stored_answers(supervised, conversation_id: str) -> Dict[str, str]:
    engine = make_engine(supervised.database_url, fixed_cipher())
    try:
        with session_scope(engine) as session:
            rows = session.execute(select(ScreeningAnswer.question_key, ScreeningAnswer.answer).join(Intake)
                                   .where(Intake.conversation_id == conversation_id)).all()
    finally:
        engine.dispose()
    return {key: answer["answer"] for key, answer in rows}  # stored as {"answer": ..., ...}


def tracker_answers(supervised, conversation_id: str) -> Dict:
    settings = supervised.settings
    tracker = httpx.get(f"{settings.rasa_url}/conversations/{conversation_id}/tracker",
                        params={"token": settings.rasa_token}, timeout=30).json()
    return tracker["slots"].get("screening_answers") or {}


def kill(supervised, name: str) -> int:
    pid = supervised.services()[name]
    os.kill(pid, signal.SIGKILL)
    return pid


@pytest.fixture(scope="module")
def visitor(supervised):
    """One visitor, in the screening form: the first group answered "yes", the first question "no"."""
    headers = supervised.session()
    tokens = SessionTokens(supervised.settings.secret_key)
    conversation_id = tokens.conversation_id(tokens.verify(headers["Authorization"].split()[1]))
    supervised.say(headers, "hi")
    supervised.say(headers, "my armpits sweat through every shirt")
    consent = supervised.say(headers, "I'd like to book a consultation")
    group = supervised.say(headers, payload(consent, "I agree"))
    first = supervised.say(headers, payload(group, "Yes, one or more"))
    assert QUESTIONS["toxin_allergy"][:40] in text_of(first)
    asked = supervised.say(headers, "no")
    assert QUESTIONS["neuromuscular_disease"][:40] in text_of(asked)
    return headers, conversation_id


def test_the_action_server_killed_mid_form_is_restarted_and_the_form_goes_on(supervised, visitor):
    headers, conversation_id = visitor
    old = kill(supervised, "actions")
    told = supervised.say(headers, "no")  # the answer to the nerve question, while actions are down
    assert text_of(told) == english().text("no_reply")
    supervised.wait_restarted("actions", old, RESTART_TIMEOUT["actions"])
    assert set(supervised.services()) == {"actions", "rasa", "web"}  # nothing else stopped
    again = supervised.say(headers, "no")  # sent again, as the visitor was asked to
    assert QUESTIONS["swallowing_breathing"][:40] in text_of(again)
    assert {"toxin_allergy", "neuromuscular_disease"} <= set(tracker_answers(supervised, conversation_id))
    assert stored_answers(supervised, conversation_id) == {  # the armpits named up front answered the areas
        "sweating_areas": ["underarms"], "toxin_allergy": "no", "neuromuscular_disease": "no"}


def test_rasa_killed_mid_form_is_restarted_and_the_conversation_resumes_from_the_tracker_store(
        supervised, visitor):
    headers, conversation_id = visitor
    before = tracker_answers(supervised, conversation_id)
    old = kill(supervised, "rasa")
    down = supervised.chat(headers, "no")
    assert down.status_code == 503 and down.json()["error"] == MSG_RASA
    supervised.wait_restarted("rasa", old, RESTART_TIMEOUT["rasa"])
    answer = supervised.say(headers, "no")  # the swallowing question, asked before Rasa went down
    assert QUESTIONS["bleeding"][:40] in text_of(answer)
    after = tracker_answers(supervised, conversation_id)
    assert set(before) < set(after) and "swallowing_breathing" in after
    assert stored_answers(supervised, conversation_id) == {
        "sweating_areas": ["underarms"], "toxin_allergy": "no", "neuromuscular_disease": "no",
        "swallowing_breathing": "no"}
