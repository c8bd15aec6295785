"""Setting the intent a component is sure of, so that it stays set.

FallbackClassifier reads the ranking: with the old top intent left just under the new one
(1.0 against 0.98), its ambiguity check would turn a red flag or a concern into nlu_fallback. The
others are kept, capped well below.
"""
from __future__ import annotations

from typing import Collection, Text

from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

OTHERS_AT_MOST = 0.5
# Intents that say nothing in particular: a question or a request the words bear out may replace them.
VAGUE_INTENTS = frozenset({"nlu_fallback", "out_of_scope", "inform", "greet", "concern_unclear", None})


def set_sure_intent(message: Message, name: Text) -> None:
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: 1.0}
    others = [
        {**entry, PREDICTED_CONFIDENCE_KEY: min(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0, OTHERS_AT_MOST)}
        for entry in (message.get(INTENT_RANKING_KEY) or []) if entry.get(INTENT_NAME_KEY) != name
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *others], add_to_output=True)


def give_way(message: Message, names: Collection[Text]) -> None:
    """The intent the message's words do not bear out gives way to the next in its ranking that is
    not among `names` (with its own confidence, for FallbackClassifier to judge); nlu_fallback if none."""
    ranking = [entry for entry in (message.get(INTENT_RANKING_KEY) or []) if entry.get(INTENT_NAME_KEY) not in names]
    replacement = dict(ranking[0]) if ranking else {INTENT_NAME_KEY: "nlu_fallback", PREDICTED_CONFIDENCE_KEY: 0.0}
    message.set(INTENT, replacement, add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
