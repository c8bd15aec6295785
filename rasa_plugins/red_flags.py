"""RedFlagDetector: the deterministic safety override in the NLU pipeline.

The intent classifier can miss or misread a visitor describing an emergency ("cant swalow"), so after
DIET this component runs `bot.domain.safety.detect_red_flag` on every message; a red flag replaces the intent
with `report_emergency` / `report_adverse_effect` at confidence 1.0 and adds a `safety_flag` entity.
Place it after DIETClassifier (and before FallbackClassifier, so a flagged message never falls back):

    - name: rasa_plugins.red_flags.RedFlagDetector
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.domain.safety import ADVERSE_EFFECT, EMERGENCY, RedFlagLexicon, detect_red_flag, load_lexicon

logger = logging.getLogger(__name__)

SAFETY_FLAG_ENTITY = "safety_flag"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagDetector(GraphComponent, IntentClassifier):
    """Overrides the predicted intent when a message contains a red flag (see bot/safety.py)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "emergency_intent": "report_emergency",
            "adverse_effect_intent": "report_adverse_effect",
            "lexicon_path": None,  # None: the project's clinic/red_flags.yml
        }

    def __init__(self, config: Dict[Text, Any], lexicon: Optional[RedFlagLexicon] = None) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._intents = {
            EMERGENCY: self.component_config["emergency_intent"],
            ADVERSE_EFFECT: self.component_config["adverse_effect_intent"],
        }
        # Loaded (and validated) now, so a broken lexicon fails when the model loads, not mid-chat.
        self._lexicon = lexicon or load_lexicon(self.component_config["lexicon_path"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagDetector:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        """Override intent, ranking and entities of flagged messages; leave the others untouched."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            flag = detect_red_flag(text, self._lexicon)
            if flag is None:
                continue
            intent_name = self._intents[flag.kind]
            intent = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
            ranking = [intent] + [
                entry for entry in (message.get(INTENT_RANKING_KEY) or [])
                if entry.get(INTENT_NAME_KEY) != intent_name
            ]
            entity: Dict[Text, Any] = {
                ENTITY_ATTRIBUTE_TYPE: SAFETY_FLAG_ENTITY,
                ENTITY_ATTRIBUTE_VALUE: flag.kind,
                EXTRACTOR: self.__class__.__name__,
            }
            if flag.start is not None and flag.end is not None:
                entity[ENTITY_ATTRIBUTE_START] = flag.start
                entity[ENTITY_ATTRIBUTE_END] = flag.end
            entities = [e for e in (message.get(ENTITIES) or []) if e.get(ENTITY_ATTRIBUTE_TYPE) != SAFETY_FLAG_ENTITY]
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
            message.set(ENTITIES, entities + [entity], add_to_output=True)
            # kind and category only: the visitor's words are health information and stay out of logs
            logger.info("Red flag %s/%s: intent set to %s", flag.kind, flag.category, intent_name)
        return messages
