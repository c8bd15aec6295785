"""ConcernReader: the visitor's concern from every message, whatever its intent.

Three readings, most trusted first: the spaCy entity ruler's exact lexicon matches (entities named
by concern key), the lexicon matched with misspellings (bot.domain.concerns.ConcernLexicon), a
classifier trained here on the training data (concern_<key> examples, and questions whose example
metadata names a concern), read on the whole message and on each sentence. A concern the visitor
denies ("I never get migraines") does not count. Last, a body area (clinic/concern_areas.yml:
"botox for my forehead") names a concern when nothing else does. The concerns found replace the
ruler's entities as `concern` entities, what was treated first, then in the order the message names
them. When the intent classifier found nothing it is sure of, or only a vague intent, a message
that names a concern gets the intent `concern_<key>`, so a story that fell back is understood;
questions and requests keep their intent (the actions read the concern entity). Place it after
SpacyEntityExtractor, before RedFlagDetector and FallbackClassifier.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_ROLE, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.adapters.spacy_pipeline import PROJECT_CLINIC_DIR, load_lexicon
from bot.adapters.text_classifier import TextClassifier
from bot.domain import concerns as concerns_module
from bot.domain.concerns import (
    CONCERN_INTENT_PREFIX,
    CONCERN_KEYS,
    TREATED_ROLE,
    ConcernLexicon,
    named_as_treated,
    negated_before,
)
from rasa_plugins.intents import set_sure_intent
from rasa_plugins.trained_text import TrainedTextComponent

logger = logging.getLogger(__name__)

NONE = "none"
AREAS_PATH = PROJECT_CLINIC_DIR / "concern_areas.yml"
# Intents a named concern replaces: nothing sure, or nothing that needs its own answer.
REPORTS = {"report_emergency", "report_adverse_effect"}
REPLACEABLE = {"nlu_fallback", "out_of_scope", "inform", "greet", "concern_unclear", "choose_concern",
               "thank", "goodbye", None}
# Replaced however sure: "hi, I get 16 headache days a month" is about migraine, not a greeting.
ALWAYS_REPLACED = {"concern_unclear", "nlu_fallback", "greet", None}


def example_concern(message: Message) -> Optional[str]:
    """The concern a training example is about: its concern intent, or its metadata's concern."""
    intent = message.get(INTENT) or ""
    if intent.startswith(CONCERN_INTENT_PREFIX) and intent[len(CONCERN_INTENT_PREFIX):] in CONCERN_KEYS:
        return intent[len(CONCERN_INTENT_PREFIX):]
    metadata = (message.get("metadata") or {}).get("example") or {}
    concern = metadata.get("concern") if isinstance(metadata, dict) else None
    return concern if concern in CONCERN_KEYS else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class ConcernReader(TrainedTextComponent, IntentClassifier):
    MODEL_FILE = "concern_classifier.pkl"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "threshold": 0.55,  # the classifier's probability needed when no lexicon word names a concern
            "sure_intent": 0.8,  # an intent at least this sure is kept, even a replaceable one
            "lexicon_path": None,  # None: the project's clinic/concern_lexicon.yml
            "areas_path": None,  # None: the project's clinic/concern_areas.yml
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 classifier: Optional[TextClassifier] = None) -> None:
        super().__init__(config, model_storage, resource, classifier)
        path, areas = self.config["lexicon_path"], self.config["areas_path"]
        self.lexicon = ConcernLexicon(load_lexicon(path) if path else load_lexicon())
        self.areas = ConcernLexicon(load_lexicon(areas) if areas else load_lexicon(AREAS_PATH))

    @classmethod
    def fingerprint_sources(cls) -> Sequence[Path]:
        return (Path(concerns_module.__file__),)

    def label(self, example: Message) -> Optional[Text]:
        if example.get(INTENT) in REPORTS:
            return None  # red-flag reports name a treated area or nothing: they teach no concern
        return example_concern(example) or NONE

    def hits_in(self, message: Message) -> List[Tuple[int, int, str]]:
        """The concern phrases of a message, in text order: the entity ruler's (lemmas) and the
        lexicon's (misspellings), the longer one where they overlap, denied ones left out."""
        text = message.get(TEXT) or ""
        hits = []
        for entity in message.get(ENTITIES) or []:
            name, start, end = entity.get("entity"), entity.get("start"), entity.get("end")
            key = entity.get("value") if name == "concern" else name
            if key not in CONCERN_KEYS or not isinstance(start, int) or not isinstance(end, int):
                continue
            if not negated_before(text[max(0, start - 40):start]):  # "I never get migraines"
                hits.append((start, end, key))
        for hit in self.lexicon.hits(text):
            if all(hit[1] <= start or hit[0] >= end for start, end, _ in hits):
                hits.append(hit)
        return sorted(hits)

    def concerns_in(self, message: Message) -> Dict[str, bool]:
        """The concerns a message names, those named as what was treated ("my forehead
        injections") first, then in text order; the classifier's only when no word names one."""
        text = message.get(TEXT) or ""
        found: Dict[str, bool] = {}
        for start, end, key in self.hits_in(message):
            found[key] = found.get(key, False) or named_as_treated(text, start, end)
        if not found and self.classifier is not None:
            scores = self.classifier.scores(text)
            best = max(CONCERN_KEYS, key=lambda key: scores.get(key, 0.0))
            if scores.get(best, 0.0) >= self.config["threshold"]:
                found[best] = False
        if not found:  # "botox for my forehead": an area, when nothing else names a concern
            for start, end, key in self.areas.hits(text)[:1]:
                found[key] = named_as_treated(text, start, end)
        # What was treated comes first: "a headache after my treatment for clenching" is about clenching.
        return dict(sorted(found.items(), key=lambda item: not item[1]))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not message.get(TEXT) or str(message.get(TEXT)).startswith("/"):
                continue  # empty, or a button payload: its entities say it all
            found = self.concerns_in(message)
            # The ruler's concern spans are read here; what the message names goes on as `concern`,
            # with the role `treated` when named as what was treated (a red-flag report keeps only those).
            entities = [e for e in (message.get(ENTITIES) or [])
                        if e.get("entity") != "concern" and e.get("entity") not in CONCERN_KEYS]
            entities += [{"entity": "concern", "value": key, "extractor": self.__class__.__name__,
                          **({ENTITY_ATTRIBUTE_ROLE: TREATED_ROLE} if treated else {})}
                         for key, treated in found.items()]
            message.set(ENTITIES, entities, add_to_output=True)
            if not found:
                continue
            first = next(iter(found))
            intent = message.get(INTENT) or {}
            name, confidence = intent.get(INTENT_NAME_KEY), intent.get("confidence") or 0.0
            unsure = confidence < self.config["sure_intent"]
            vague = name in REPLACEABLE or (name or "").startswith(CONCERN_INTENT_PREFIX)
            if vague and (unsure or name in ALWAYS_REPLACED):
                set_sure_intent(message, CONCERN_INTENT_PREFIX + first)
            logger.debug("concerns %s; intent %s (%.2f)", list(found), name, confidence)
        return messages
