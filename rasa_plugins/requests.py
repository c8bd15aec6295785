"""RequestCheck: the intents a visitor's own words ask for (bot.domain.requests).

- "Talk to a person" hands the chat to staff and stops any form, so a long question the classifier
  misread as it ("Can you get botox for the dimpled look on my chin when I talk? ...") gives way to
  the next intent in its ranking, and is answered.
- A message read as a concern or as nothing that asks to book ("... the headaches are creeping
  back. Booking my next one please") starts the booking; the concern it names is still noted.

Place it after RedFlagDetector (a report is never replaced), before QuestionSpotter.
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

from bot.domain.answers import QUESTION_INTENTS
from bot.domain.concerns import CONCERN_INTENT_PREFIX
from bot.domain.interruptions import looks_like_question
from bot.domain.requests import asks_for_a_person, asks_to_book
from rasa_plugins.intents import VAGUE_INTENTS, give_way, set_sure_intent

# Intents a request to book replaces besides a concern: nothing in particular, or thanks.
BOOKING_REPLACES = VAGUE_INTENTS | {"thank"}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RequestCheck(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"handoff_intent": "human_handoff", "booking_intent": "request_booking"}

    def __init__(self, config: Dict[Text, Any]) -> None:
        config = {**self.get_default_config(), **config}
        self.handoff, self.booking = config["handoff_intent"], config["booking_intent"]

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> RequestCheck:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            if not text or text.startswith("/"):
                continue
            name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if name == self.handoff and not asks_for_a_person(text):
                give_way(message, {self.handoff})
                name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if self._replaceable_by_booking(name, text) and asks_to_book(text):
                set_sure_intent(message, self.booking)
        return messages

    def _replaceable_by_booking(self, name: Any, text: Text) -> bool:
        """A concern, nothing in particular, the booking itself (made sure), or a question intent
        in a message that asks nothing ("botox wore off, top up pls" read as a duration question)."""
        return (name in BOOKING_REPLACES or name == self.booking or str(name).startswith(CONCERN_INTENT_PREFIX)
                or (name in QUESTION_INTENTS and not looks_like_question(text)))
