"""The scenario runner (tests/scenarios/runner.py) against a scripted fake assistant and a real
database: each invariant fails the scenario when it is broken, and only then."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable, Dict, List

import pytest

from bot.adapters.db import session_scope
from bot.adapters.models import Alert, Appointment, Intake
from tests.scenarios.runner import PROBE, Scenario, ScenarioFailure, run_scenario
from tests.support import english

BOOK = {"title": "Book a free consultation", "payload": "/request_booking"}
EMERGENCY = english().text("safety.emergency")


class FakeStack:
    """Answers each message with `script(sender, text)`; the probe gets a booking button unless
    `probe_too` hands it to the script as well."""

    def __init__(self, database_url: str, script: Callable[[str, str], List[Dict]], probe_too: bool = False):
        self.database_url = database_url
        self.script = script
        self.probe_too = probe_too
        self.slots: Dict[str, object] = {}

    def rest(self, sender: str, message: str) -> List[Dict]:
        if message == PROBE and not self.probe_too:
            return [{"text": "Happy to book.", "buttons": [BOOK]}]
        return self.script(sender, message)

    def tracker(self, sender: str) -> Dict:
        return {"slots": self.slots}


def scenario(*texts: str, **extra) -> Scenario:
    return Scenario("test", "fake", "the runner", [{"say": t} for t in texts] + extra.pop("turns", []),
                    extra.pop("final", {}))


def run(database_url, script, sc, profile, wording, probe_too=False):
    run_scenario(FakeStack(database_url, script, probe_too), sc, profile, wording)


def echo(text: str):
    return lambda sender, message: [{"text": text, "buttons": []}]


def test_a_good_conversation_passes(database_url, profile, wording):
    replies = iter(["Hello there!", "Tell me more.", "Thanks."])
    run(database_url, lambda s, m: [{"text": next(replies), "buttons": []}], scenario("a", "b", "c"), profile, wording)


def test_no_reply_fails(database_url, profile, wording):
    with pytest.raises(ScenarioFailure, match="invariant 1: the visitor's message got no reply"):
        run(database_url, lambda s, m: [], scenario("hello"), profile, wording)


def test_the_same_message_three_times_fails(database_url, profile, wording):
    with pytest.raises(ScenarioFailure, match="invariant 2: the same message three times in a row") as failure:
        run(database_url, echo("What happened, and after which treatment?"), scenario("a", "b", "c"), profile,
            wording)
    assert "turn 3 (say 'c')" in str(failure.value)


def test_the_emergency_instruction_may_repeat(database_url, profile, wording):
    def script(sender, message):
        with session_scope(_engine(database_url), for_write=True) as session:
            intake = session.query(Intake).filter_by(conversation_id=sender).one_or_none()
            if intake is None:
                intake = Intake(conversation_id=sender, status="new")
                session.add(intake)
                session.flush()
                session.add(Alert(intake_id=intake.id, kind="emergency", priority="urgent", message=message))
        return [{"text": EMERGENCY, "buttons": []}]

    run(database_url, script, scenario("I can't swallow", "still bad", "help", final={"reach": "emergency"}),
        profile, wording, probe_too=True)
    with pytest.raises(ScenarioFailure, match="invariant 2: the same message three times in a row"):
        run(database_url, echo("Please answer yes or no."), scenario("a", "b", "c"), profile, wording)


def test_an_emergency_reply_without_an_alert_fails(database_url, profile, wording):
    with pytest.raises(ScenarioFailure, match="invariant 3 .* announced, but no intake is stored"):
        run(database_url, echo(EMERGENCY), scenario("I can't swallow"), profile, wording)


def test_an_alert_stored_silently_fails(database_url, profile, wording):
    def script(sender, message):
        with session_scope(_engine(database_url), for_write=True) as session:
            intake = Intake(conversation_id=sender, status="new")
            session.add(intake)
            session.flush()
            session.add(Alert(intake_id=intake.id, kind="adverse_effect", priority="high", message=message))
        return [{"text": "Okay.", "buttons": []}]

    with pytest.raises(ScenarioFailure, match="a new adverse_effect alert was stored, but the reply said nothing"):
        run(database_url, script, scenario("my brow was heavy last year, it went away"), profile, wording)


def test_a_reference_that_is_not_stored_fails(database_url, profile, wording):
    with pytest.raises(ScenarioFailure, match="the reference K7M2QX given is no booked appointment"):
        run(database_url, echo("You're booked. Your reference is K7M2QX."), scenario("book me"), profile, wording)


def test_a_stored_reference_passes(database_url, profile, wording):
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=3)

    def script(sender, message):
        with session_scope(_engine(database_url), for_write=True) as session:
            intake = Intake(conversation_id=sender, status="booked")
            session.add(intake)
            session.flush()
            session.add(Appointment(intake_id=intake.id, reference="K7M2QX", start_at=start,
                                    end_at=start + timedelta(minutes=30)))
        return [{"text": "You're booked. Your reference is K7M2QX.", "buttons": []}]

    run(database_url, script, scenario("book me", final={"intake": {"booking": True, "appointments": 1}}), profile,
        wording)


def test_a_dead_end_fails_the_probe(database_url, profile, wording):
    not_understood = english().text("misunderstood.not_understood")

    def script(sender, message):
        return [{"text": not_understood if message == PROBE else "Okay.", "buttons": []}]

    with pytest.raises(ScenarioFailure, match="invariant 4: no way on from here"):
        run(database_url, script, scenario("hello"), profile, wording, probe_too=True)


def test_expectations_and_their_messages(database_url, profile, wording):
    reply = [{"text": english().text("consent.ask"), "buttons": [{"title": "I agree", "payload": "/give_consent"}]}]
    passing = scenario(turns=[{"say": "book", "expect": {"says": ["consent.ask"], "buttons": ["i agree"],
                                                         "contains": ["HEALTH QUESTIONS"], "not_fallback": True,
                                                         "intake": {"alerts": 0, "booking": False}}}])
    run(database_url, lambda s, m: reply, passing, profile, wording)
    failing = scenario(turns=[{"say": "book", "expect": {"no_payloads": ["/give_consent"]}}])
    with pytest.raises(ScenarioFailure, match="a button with payload '/give_consent' is offered"):
        run(database_url, lambda s, m: reply, failing, profile, wording)


_ENGINES: Dict[str, object] = {}


def _engine(url):
    from bot.adapters.db import make_engine
    from tests.support import fixed_cipher

    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url, fixed_cipher())
    return _ENGINES[url]


@pytest.fixture(autouse=True)
def _dispose_engines():
    yield
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()
