"""The trained NLU components' shared part (rasa_plugins/trained_text.py): each labels the training
examples its own way, keeps its classifier in Rasa's model storage and reads it back with the model,
and each component's fingerprint covers the code its training depends on."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_plugins.concerns import ConcernReader
from rasa_plugins.questions import QuestionSpotter
from rasa_plugins.red_flags import RedFlagDetector

EXAMPLES = [
    ("how much does it cost", "ask_cost"), ("what is the price for underarms", "ask_cost"),
    ("my armpits sweat through every shirt", "concern_sweating"), ("my palms drip all day", "concern_sweating"),
    ("I get migraines 20 days a month", "concern_migraine"), ("my head pounds most days", "concern_migraine"),
    ("since my botox I can't swallow", "report_emergency"),
    ("my throat is closing after the shots", "report_emergency"),
    ("my eyelid droops since my botox", "report_adverse_effect"),
    ("one brow is lower after the injections", "report_adverse_effect"),
    ("hello there", "greet"), ("thanks a lot", "thank"),
]


def training_data() -> TrainingData:
    return TrainingData([Message(data={TEXT: text, INTENT: intent}) for text, intent in EXAMPLES])


@pytest.mark.parametrize("component, resource, labels", [
    (ConcernReader, "concerns", {"sweating", "migraine", "none"}),  # red-flag reports teach no concern
    (QuestionSpotter, "questions", {"ask_cost", "none"}),
    (RedFlagDetector, "red_flags", {"emergency", "adverse_effect", "none"}),
])
def test_trained_persisted_and_loaded_back(tmp_path, component, resource, labels):
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    trained = component.create(component.get_default_config(), storage, Resource(resource), context)
    assert trained.train(training_data()) == Resource(resource)
    assert set(trained.classifier.labels) == labels
    loaded = component.load(component.get_default_config(), storage, Resource(resource), context)
    texts = ["my palms drip through every shirt, how much is it", "since the shots I can't swallow"]
    assert loaded.classifier.probabilities(texts) == trained.classifier.probabilities(texts)


def test_each_fingerprint_covers_its_own_code():
    prints = {component.fingerprint_addon({}) for component in (ConcernReader, QuestionSpotter, RedFlagDetector)}
    assert len(prints) == 3 and all(prints)
