"""RedFlagDetector: the red-flag layer of the NLU pipeline, in two parts.

1. The deterministic lexicon (bot.domain.safety, clinic/red_flags.yml): symptom words in the
   visitor's words, with the rules that drop questions, negations and other people's stories.
2. A classifier trained here on the training data (report_emergency / report_adverse_effect
   against every other example, hard negatives included), read on the whole message, which
   catches effects told as a story and confirms or drops the lexicon's doubtful hits.

bot.domain.safety.decide combines them; an emergency always wins. A flag replaces the intent with
`report_emergency` / `report_adverse_effect` at confidence 1.0 and adds a `safety_flag` entity; a
report intent the intent classifier guessed without either layer agreeing is replaced by the next
intent in its ranking. Place it after DIETClassifier and ConcernReader, before FallbackClassifier:

    - name: rasa_plugins.red_flags.RedFlagDetector
"""
from __future__ import annotations

import logging
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.adapters.text_classifier import TextClassifier
from bot.domain.concerns import TREATED_ROLE
from bot.domain.safety import (
    ADVERSE_EFFECT,
    EMERGENCY,
    Thresholds,
    decide,
    load_lexicon,
    reading,
)
from bot.domain.safety import decision as decision_module
from rasa_plugins.intents import give_way, set_sure_intent
from rasa_plugins.trained_text import TrainedTextComponent

logger = logging.getLogger(__name__)

SAFETY_FLAG_ENTITY = "safety_flag"
NONE = "none"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class RedFlagDetector(TrainedTextComponent, IntentClassifier):
    """Overrides the predicted intent when a message holds a red flag (see bot/domain/safety)."""

    MODEL_FILE = "red_flag_classifier.pkl"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "emergency_intent": "report_emergency",
            "adverse_effect_intent": "report_adverse_effect",
            "lexicon_path": None,  # None: the project's clinic/red_flags.yml
            **asdict(Thresholds()),  # each limit of the decision, by its name (bot/domain/safety/decision.py)
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 classifier: Optional[TextClassifier] = None) -> None:
        super().__init__(config, model_storage, resource, classifier)
        self.limits = Thresholds(**{limit.name: type(limit.default)(self.config[limit.name])
                                    for limit in fields(Thresholds)})
        self._intents = {
            EMERGENCY: self.config["emergency_intent"],
            ADVERSE_EFFECT: self.config["adverse_effect_intent"],
        }
        self._kinds = {intent: kind for kind, intent in self._intents.items()}
        # Loaded (and validated) now, so a broken lexicon fails when the model loads, not mid-chat.
        self._lexicon = load_lexicon(self.config["lexicon_path"])

    @classmethod
    def fingerprint_sources(cls) -> Sequence[Path]:
        return (Path(decision_module.__file__),)

    def label(self, example: Message) -> Optional[Text]:
        """A report's kind, else none: every other example, hard negatives included."""
        return self._kinds.get(example.get(INTENT), NONE)

    def decide(self, text: Text):
        """Both layers' decision on one message (None: no red flag)."""
        whole = self.classifier.whole(text) if self.classifier is not None else None
        # The whole message, not its sentences one by one: "hoarse for a couple of days ... but it
        # came back fine" is no report, though its first half alone reads as one.
        findings, message_cues = reading(text, self._lexicon)
        return decide(findings, whole, whole, self.limits, words=len(text.split()), cues=message_cues)

    def process(self, messages: List[Message]) -> List[Message]:
        """Override intent, ranking and entities of flagged messages; an unconfirmed report intent
        gives way to the next one; other messages are left untouched."""
        for message in messages:
            text = message.get(TEXT)
            if not text or str(text).startswith("/"):
                continue
            decision = self.decide(text)
            if decision is None:
                self._drop_unconfirmed_report(message)
                continue
            flag = decision.flag
            intent_name = self._intents[decision.kind]
            entity: Dict[Text, Any] = {
                ENTITY_ATTRIBUTE_TYPE: SAFETY_FLAG_ENTITY,
                ENTITY_ATTRIBUTE_VALUE: decision.kind,
                EXTRACTOR: self.__class__.__name__,
            }
            if flag is not None and flag.start is not None and flag.end is not None:
                entity[ENTITY_ATTRIBUTE_START] = flag.start
                entity[ENTITY_ATTRIBUTE_END] = flag.end
            # A report's concern is what was treated ("after my forehead injections"), not what is
            # felt now ("a headache since my botox" is no migraine concern).
            entities = [e for e in (message.get(ENTITIES) or []) if e.get(ENTITY_ATTRIBUTE_TYPE) != SAFETY_FLAG_ENTITY
                        and not (e.get(ENTITY_ATTRIBUTE_TYPE) == "concern"
                                 and e.get(ENTITY_ATTRIBUTE_ROLE) != TREATED_ROLE)]
            set_sure_intent(message, intent_name)  # kept through FallbackClassifier's ambiguity check
            message.set(ENTITIES, entities + [entity], add_to_output=True)
            # kind and layer only: the visitor's words are health information and stay out of logs
            logger.info("Red flag %s (%s): intent set to %s", decision.kind, decision.layer, intent_name)
        return messages

    def _drop_unconfirmed_report(self, message: Message) -> None:
        if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) in self._intents.values():
            give_way(message, set(self._intents.values()))
