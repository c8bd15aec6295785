"""The SelfIntroduction NLU component on hand-built Rasa messages: the visitor's own name becomes a
person_name entity (the full_name slot maps from it), other entities are kept."""
from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from rasa_plugins.introductions import ENTITY, SelfIntroduction

CONCERN = {"entity": "concern", "value": "clenching", "start": 30, "end": 34, "extractor": "ConcernReader"}


def component(tmp_path) -> SelfIntroduction:
    return SelfIntroduction.create({}, LocalModelStorage(tmp_path), Resource("introductions"),
                                   ExecutionContext(GraphSchema({}), "test"))


def test_a_name_becomes_an_entity_beside_the_others(tmp_path):
    text = "Hi, I'm Maria Lopez and my jaw aches from clenching"
    message = Message(data={TEXT: text})
    message.set(ENTITIES, [dict(CONCERN)], add_to_output=True)
    [processed] = component(tmp_path).process([message])
    names = [e for e in processed.get(ENTITIES) if e["entity"] == ENTITY]
    assert [e["value"] for e in names] == ["Maria Lopez"]
    assert text[names[0]["start"]:names[0]["end"]] == "Maria Lopez"
    assert CONCERN in processed.get(ENTITIES)


def test_no_entity_without_a_name(tmp_path):
    message = Message(data={TEXT: "I'm breastfeeding, can I still have botox for my jaw?"})
    [processed] = component(tmp_path).process([message])
    assert not [e for e in processed.get(ENTITIES) or [] if e["entity"] == ENTITY]
