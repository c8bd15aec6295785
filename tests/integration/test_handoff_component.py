"""The HandoffCheck NLU component (rasa_plugins/handoff.py) on Rasa messages."""
from __future__ import annotations

from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.handoff import HandoffCheck


def parsed(text, ranking):
    message = Message(data={TEXT: text})
    message.set(INTENT, dict(ranking[0]), add_to_output=True)
    message.set(INTENT_RANKING_KEY, [dict(entry) for entry in ranking], add_to_output=True)
    [message] = HandoffCheck({}).process([message])
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
