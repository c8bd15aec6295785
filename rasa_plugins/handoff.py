"""HandoffCheck: "talk to a person" only when the message asks for one (bot.domain.handoff).

The intent hands the chat to staff and stops any form, so a long question the classifier misread
as it ("Can you get botox for the dimpled look on my chin when I talk? ...") gives way to the next
intent in its ranking, and is answered. Place it after RedFlagDetector, before QuestionSpotter.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.domain.handoff import asks_for_a_person
from rasa_plugins.intents import give_way


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class HandoffCheck(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": "human_handoff"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.intent = {**self.get_default_config(), **config}["intent"]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> HandoffCheck:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            if ((message.get(INTENT) or {}).get(INTENT_NAME_KEY) == self.intent and not text.startswith("/")
                    and not asks_for_a_person(text)):
                give_way(message, {self.intent})
        return messages
