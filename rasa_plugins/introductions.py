"""SelfIntroduction: the visitor's own name, from any message ("Hi, I'm Maria Lopez and my jaw
aches"), as a `person_name` entity. The `full_name` slot maps from it, so the booking and callback
forms find the name already given instead of asking for it again. The rule itself is
bot.domain.validators.introduced_name; this is only its Rasa glue.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.domain.validators import introduced_name

ENTITY = "person_name"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class SelfIntroduction(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SelfIntroduction:
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            entity = self.entity_in(message.get(TEXT) or "")
            if entity is not None:
                entities = [e for e in (message.get(ENTITIES) or []) if e.get("entity") != ENTITY]
                message.set(ENTITIES, [*entities, entity], add_to_output=True)
        return messages

    def entity_in(self, text: Text) -> Optional[Dict[Text, Any]]:
        name = introduced_name(text)
        if name is None:
            return None
        start = text.lower().find(name.split()[0].lower())
        return {"entity": ENTITY, "value": name, "start": max(start, 0), "end": max(start, 0) + len(name),
                "confidence": 1.0, "extractor": self.__class__.__name__}
