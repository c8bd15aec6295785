"""The QuestionSpotter NLU component (rasa_plugins/questions.py): the question a visitor asks inside a
message about something else, trained here on the project's own training data."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.settings import PROJECT_ROOT
from rasa_plugins.questions import QuestionSpotter, question_clauses


@pytest.mark.parametrize("text, clauses", [
    ("Hi, I'm Dana Ruiz, my underarms sweat through every shirt, how much is it?", ["how much is it"]),
    ("I get migraines 20 days a month. Does it hurt? and how long does it last",
     ["Does it hurt", "how long does it last"]),
    ("I was wondering if it works for sweaty hands", ["if it works for sweaty hands"]),
    ("my forhead lines are getting realy deep. how much does it cost and how long does it last??",
     ["how much does it cost", "how long does it last"]),
    ("my lines are so deep and does it hurt?", ["does it hurt"]),
    ("my jaw hurts when i wake up and my dentist says i grind", []),
])
def test_question_clauses(text, clauses):
    assert question_clauses(text) == clauses


@pytest.fixture(scope="module")
def spotter(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("models"))
    context = ExecutionContext(GraphSchema({}), "test")
    component = QuestionSpotter.create(QuestionSpotter.get_default_config(), storage, Resource("questions"), context)
    importer = TrainingDataImporter.load_from_dict(domain_path=str(PROJECT_ROOT / "domain.yml"),
                                                     training_data_paths=[str(PROJECT_ROOT / "data")])
    component.train(importer.get_nlu_data())
    return component


def parsed(spotter, text, intent, confidence=0.95, entities=()):
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": confidence}, add_to_output=True)
    message.set(ENTITIES, list(entities), add_to_output=True)
    [message] = spotter.process([message])
    return message


CONCERN = [{"entity": "concern", "value": "sweating"}]


@pytest.mark.parametrize("text, question", [
    ("Hi, I'm Dana Ruiz, my underarms sweat through every shirt, how much is it?", "ask_cost"),
    ("my hands drip when I shake hands at work. how long does it last?", "ask_duration"),
    ("I soak through my shirts every day, does it hurt?", "ask_pain"),
])
def test_a_question_inside_a_concern_message_is_an_entity(spotter, text, question):
    message = parsed(spotter, text, "concern_sweating", entities=CONCERN)
    assert message.get(INTENT)["name"] == "concern_sweating"
    assert {"entity": "question", "value": question} in [
        {k: e[k] for k in ("entity", "value")} for e in message.get(ENTITIES)]


@pytest.mark.parametrize("text", [
    "my underarms sweat through every shirt and it is ruining my life",
    "I sweat a lot. My mum has the same thing.",
])
def test_no_question_no_entity(spotter, text):
    message = parsed(spotter, text, "concern_sweating", entities=CONCERN)
    assert all(e["entity"] != "question" for e in message.get(ENTITIES))


def test_a_vague_message_with_a_question_gets_the_question_intent(spotter):
    text = "been reading about this for ages and finally asking, how long does it last?"
    message = parsed(spotter, text, "nlu_fallback", confidence=0.3)
    assert message.get(INTENT)["name"] == "ask_duration"


def test_reports_and_single_questions_are_left_alone(spotter):
    report = parsed(spotter, "my eyelid droops since the botox, is that normal?", "report_adverse_effect")
    assert report.get(INTENT)["name"] == "report_adverse_effect" and report.get(ENTITIES) == []
    question = parsed(spotter, "how much is it?", "ask_cost")
    assert question.get(ENTITIES) == []


def test_a_second_question_besides_the_intent_is_an_entity(spotter):
    message = parsed(spotter, "how long does it last for palms? and does it hurt alot", "ask_duration")
    assert message.get(INTENT)["name"] == "ask_duration"
    assert [e["value"] for e in message.get(ENTITIES) if e["entity"] == "question"] == ["ask_pain"]


def test_a_question_intent_a_question_clause_bears_out_is_made_sure(spotter):
    message = parsed(spotter, "is it off label for pimples? I'd rather know upfront", "ask_label_status", 0.35)
    assert message.get(INTENT) == {"name": "ask_label_status", "confidence": 1.0}
    unsure = parsed(spotter, "my cousin had her neck done somewhere cheap", "ask_pregnancy", 0.4)
    assert unsure.get(INTENT) == {"name": "ask_pregnancy", "confidence": 0.4}


def test_two_questions_joined_by_and_are_both_entities(spotter):
    text = "my forhead lines are getting realy deep. how much does it cost and how long does it last??"
    message = parsed(spotter, text, "concern_wrinkles", entities=[{"entity": "concern", "value": "wrinkles"}])
    assert [e["value"] for e in message.get(ENTITIES) if e["entity"] == "question"] == ["ask_cost", "ask_duration"]


def test_every_question_inside_a_concern_message_is_an_entity(spotter):
    text = "my underarms sweat through every shirt. how much is it? and does it hurt?"
    message = parsed(spotter, text, "concern_sweating", entities=CONCERN)
    assert [e["value"] for e in message.get(ENTITIES) if e["entity"] == "question"] == ["ask_cost", "ask_pain"]
