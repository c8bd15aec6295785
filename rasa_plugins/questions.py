"""QuestionSpotter: the question a visitor asks inside a message that is about something else.

"Hi, I'm Dana, my underarms sweat through every shirt, how much is it?" is a concern message (the
intent is `concern_sweating`), but it asks the price too: the reply must answer that first. This
component cuts the message into clauses, keeps those that read as questions (a question mark, or an
opening word such as "how" or "does"), and reads each with a classifier trained here on the
question intents' examples (ask_*) against every other example. Each question it is sure of goes
on as a `question` entity whose value is the question intent; the actions answer them all. A
message that is itself a question ("how long does it last for palms? and does it hurt") gets the
questions besides its intent as entities, so the second is not left unanswered, and its intent made
sure when a question clause bears it out ("is it off label for pimples? I'd rather know upfront",
read at 0.35), so that FallbackClassifier does not drop it.

A message whose intent is vague (a greeting, a fallback, "inform") and that names no concern gets
the question intent itself: "been reading about this for ages, finally asking: how long does it
last?". Place it after RedFlagDetector, before FallbackClassifier.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.domain.answers import QUESTION_INTENTS
from rasa_plugins.intents import VAGUE_INTENTS, set_sure_intent
from rasa_plugins.trained_text import TrainedTextComponent

logger = logging.getLogger(__name__)

ENTITY = "question"
NONE = "none"
_CLAUSE = re.compile(r"[^,.;:!?\n]+[,.;:!?]*")
_OPENERS = {"how", "what", "whats", "what's", "when", "where", "which", "who", "why", "is", "are", "do", "does",
            "did", "can", "could", "will", "would", "should", "any", "anything", "am", "was", "has", "have", "if"}
# "how much does it cost and how long does it last??": two questions in one clause, cut before the second
_SECOND_QUESTION = re.compile(r"\s+(?:and|or)\s+(?=(?:how|what|when|where|which|why|does|do|can|could|will|would|should"
                              r"|is it|is there|are there|are they)\b)", re.IGNORECASE)
_LEAD = re.compile(r"^(?:and|but|so|also|just|ok|okay|oh|um|well|plus|then|hi|hello|hey|quick question|"
                   r"i was wondering|i wonder|wondering|i'd like to know|i want to know|tell me)\b[\s,]*",
                   re.IGNORECASE)


def question_clauses(text: Text) -> List[Text]:
    """The clauses of a message that read as questions, in order."""
    found = []
    clauses = (piece for match in _CLAUSE.finditer(text or "")
               for piece in _SECOND_QUESTION.split(" ".join(match.group(0).split())))
    for clause in clauses:
        core = clause.rstrip(",.;:!? ")
        while True:
            shorter = _LEAD.sub("", core, count=1)
            if shorter == core:
                break
            core = shorter
        first = core.split()[0].lower() if core.split() else ""
        if core and (clause.endswith("?") or first in _OPENERS):
            found.append(core)
    return found


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class QuestionSpotter(TrainedTextComponent, IntentClassifier):
    MODEL_FILE = "question_classifier.pkl"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "threshold": 0.6,  # the classifier's probability needed for a question intent
            "sure_intent": 0.8,  # a vague intent at least this sure is kept
        }

    def label(self, example: Message) -> Optional[Text]:
        intent = example.get(INTENT)
        return intent if intent in QUESTION_INTENTS else NONE

    def questions_in(self, text: Text) -> List[Text]:
        """The question intents the message's question clauses surely ask, each once, in order."""
        clauses = question_clauses(text)
        if not clauses or self.classifier is None:
            return []
        found: List[Text] = []
        for row in self.classifier.probabilities(clauses):
            best = max(row, key=row.get)
            if best != NONE and row[best] >= self.config["threshold"] and best not in found:
                found.append(best)
        return found

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = str(message.get(TEXT) or "")
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if not text or text.startswith("/") or str(name).startswith("report_"):
                continue
            found = self.questions_in(text)
            if name in found and (intent.get("confidence") or 0.0) < self.config["sure_intent"]:
                set_sure_intent(message, name)  # a question clause bears the intent out: no fallback
            questions = [question for question in found if question != name]
            if not questions:
                continue
            names_concern = any(e.get("entity") == "concern" for e in message.get(ENTITIES) or [])
            if (name in VAGUE_INTENTS and not names_concern
                    and (intent.get("confidence") or 0.0) < self.config["sure_intent"]):
                set_sure_intent(message, questions[0])
                logger.debug("question %s replaces %s", questions[0], name)
                questions = questions[1:]
            entities = [{"entity": ENTITY, "value": question, "extractor": self.__class__.__name__}
                        for question in questions]
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entities], add_to_output=True)
        return messages
