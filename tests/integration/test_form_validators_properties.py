"""Property tests (hypothesis) of every form validator (issue #12 point 5): each validate_<slot>
method of the actions' FormValidationAction classes, run as Rasa runs it (test_actions.validate)
against a migrated SQLite database, with any text and the fuzz corpus's hostile samples, under
several classifier guesses. None may raise; each returns events for slots the domain knows only,
always including its own slot; what it says is catalog text with a reply in it, never the
visitor's markup repeated."""
from __future__ import annotations

import asyncio
import inspect
import uuid

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import FormValidationAction

import actions.booking
import actions.callback
import actions.emergency
import actions.manage
import actions.screening
from actions.callback import ActionSaveCallback, ValidateCallbackForm
from bot.adapters.migrate import upgrade
from bot.composition import build_app
from bot.services.intake import record_consent
from bot.settings import PROJECT_ROOT
from tests.fuzz import corpus
from tests.fuzz.markup import markup_in_reply
from tests.integration.test_actions import make_tracker, run, user_event
from tests.support import settings_for

DOMAIN_FILE = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
DOMAIN_SLOTS = set(DOMAIN_FILE["slots"])
FORMS = {"validate_booking_form": "booking_form", "validate_callback_form": "callback_form",
         "validate_emergency_form": "emergency_form", "validate_manage_booking_form": "manage_booking_form",
         "validate_screening_form": "screening_form"}
MODULES = (actions.booking, actions.callback, actions.emergency, actions.manage, actions.screening)
# What the earlier turns would have filled in, so that each validator is reached in its form.
CONTEXT = {"concern": "sweating", "consent": "given", "full_name": "Casey Fuzzer", "booking_reference": "K7M2QX",
           "manage_choice": "reschedule", "safety_flag": "emergency"}
INTENTS = st.sampled_from(["inform", "affirm", "deny", "nlu_fallback", "ask_cost", "ask_pain", "concern_sweating",
                           "human_handoff", "give_consent", "request_booking", "out_of_scope", None])
HOSTILE = [text for category in corpus.CATEGORIES for text in corpus.samples(category, count=15, max_chars=300)]
VALUES = st.one_of(st.text(max_size=200), st.sampled_from(HOSTILE), st.sampled_from(corpus.FORGED))
PROPERTIES = settings(max_examples=40, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def validators():
    """(class, slot) for every validate_<slot> of every FormValidationAction in the actions package."""
    found = []
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FormValidationAction) and cls.__module__ == module.__name__:
                found += [(cls, name[len("validate_"):]) for name in dir(cls)
                          if name.startswith("validate_") and callable(getattr(cls, name))]
    return sorted(found, key=lambda pair: (pair[0].__name__, pair[1]))


VALIDATORS = validators()


def test_every_validator_is_covered():
    assert len(VALIDATORS) == 12, VALIDATORS  # a new one is picked up here; update the count
    assert {cls.name(cls) for cls, _ in VALIDATORS} == set(FORMS)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('validators') / 'clinic.db'}"
    upgrade(url)
    built = build_app(settings_for(url))
    yield built
    built.close()


async def _validate(action, slot: str, value, intent):
    form = FORMS[action.name()]
    sender = f"prop-{uuid.uuid4().hex[:12]}"
    action.app.transaction(lambda session: record_consent(session, sender, True))  # as action_record_consent does
    text = value if isinstance(value, str) else ""
    slots = {**CONTEXT, slot: value, "requested_slot": slot}
    events = [user_event(intent, text), {"event": "slot", "name": slot, "value": value}]
    tracker = make_tracker(sender, slots, text=text, intent=intent, confidence=0.6,
                           events=events, active_loop=form)
    return await run(action, tracker)


@pytest.mark.parametrize("cls, slot", VALIDATORS, ids=[f"{cls.__name__}.{slot}" for cls, slot in VALIDATORS])
def test_a_validator_never_raises_and_sets_known_slots_only(app, cls, slot):
    action = cls(app)

    @PROPERTIES
    @given(value=VALUES, intent=INTENTS)
    def check(value, intent):
        events, messages = asyncio.run(_validate(action, slot, value, intent))
        slots = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
        assert slot in slots, events
        assert set(slots) <= DOMAIN_SLOTS | {"requested_slot"}, slots
        for message in messages:
            assert (message.get("text") or "").strip() or message.get("buttons") or message.get("custom"), message
            assert not markup_in_reply(message.get("text") or ""), (value, message["text"])

    check()


@pytest.mark.parametrize("markup", corpus.HTML)
def test_the_callback_confirmation_never_repeats_the_visitors_markup(app, markup):
    """Issue #12 fuzzing: the best time to call is repeated in the confirmation; it repeated markup."""
    events, messages = asyncio.run(_validate(ValidateCallbackForm(app), "callback_time", f"after 5 {markup}", "inform"))
    slots = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    tracker = make_tracker("prop-callback", {"full_name": "Casey Fuzzer", "callback_phone": "+18185550142",
                                             "callback_time": slots["callback_time"]})
    _, said = asyncio.run(run(ActionSaveCallback(app), tracker))
    assert said and not any(markup_in_reply(message["text"]) for message in said + messages), said
