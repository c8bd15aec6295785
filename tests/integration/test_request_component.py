"""The RequestCheck NLU component (rasa_plugins/requests.py) on Rasa messages."""
from __future__ import annotations

from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.requests import RequestCheck


def parsed(text, ranking, entities=()):
    message = Message(data={TEXT: text})
    message.set(INTENT, dict(ranking[0]), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(entry) for entry in ranking], add_to_output=True)
    message.set(ENTITIES, list(entities), add_to_output=True)
    [message] = RequestCheck({}).process([message])
    return message


RANKING = [{"name": "human_handoff", "confidence": 0.57}, {"name": "ask_duration", "confidence": 0.43}]


def test_a_misread_question_gives_way_to_the_next_intent():
    message = parsed("Is botox for acne off label? And how long do the results last?", RANKING)
    assert message.get(INTENT) == {"name": "ask_duration", "confidence": 0.43}
    assert [entry["name"] for entry in message.get(INTENT_RANKING_KEY)] == ["ask_duration"]


def test_a_request_for_a_person_stays():
    message = parsed("can someone call me back about my jaw", RANKING)
    assert message.get(INTENT)["name"] == "human_handoff"


def test_nothing_else_in_the_ranking_is_a_fallback():
    message = parsed("what a lovely day", RANKING[:1])
    assert message.get(INTENT)["name"] == "nlu_fallback"


def test_a_concern_story_that_asks_to_book_starts_the_booking_and_keeps_its_concern():
    concern = {"entity": "concern", "value": "migraine"}
    message = parsed("the headaches are creeping back since my last migraine botox. Booking my next one please",
                     [{"name": "concern_migraine", "confidence": 1.0}], [concern])
    assert message.get(INTENT) == {"name": "request_booking", "confidence": 1.0}
    assert concern in message.get(ENTITIES)


def test_an_unsure_booking_or_a_question_intent_without_a_question_is_made_a_booking():
    for intent in ("request_booking", "ask_duration"):
        message = parsed("botox wore off, top up pls", [{"name": intent, "confidence": 0.29}])
        assert message.get(INTENT) == {"name": "request_booking", "confidence": 1.0}


def test_a_question_or_a_report_that_mentions_booking_is_left_alone():
    for intent in ("ask_cost", "report_adverse_effect", "manage_booking"):
        message = parsed("my brow droops, can I book a review?", [{"name": intent, "confidence": 0.9}])
        assert message.get(INTENT)["name"] == intent
