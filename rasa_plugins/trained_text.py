"""The part the project's trained NLU components share: a TextClassifier (bot/adapters/text_classifier.py)
trained on the NLU examples, kept in Rasa's model storage and loaded back with the model.

A subclass names its file (MODEL_FILE), says how an example is labelled (`label`) and which source
files besides its own module its training depends on (`fingerprint_sources`), so that Rasa's cache
never restores a classifier trained by older code.
"""
from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, ClassVar, Dict, Optional, Sequence, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.adapters.text_classifier import TextClassifier, source_fingerprint


class TrainedTextComponent(GraphComponent):
    """A graph component with a TextClassifier trained on the intent examples."""

    MODEL_FILE: ClassVar[str]

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 classifier: Optional[TextClassifier] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.classifier = classifier

    @classmethod
    def fingerprint_sources(cls) -> Sequence[Path]:
        """Files besides the subclass's own module whose change must retrain it."""
        return ()

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[str]:
        return source_fingerprint(Path(inspect.getfile(cls)), Path(__file__), *cls.fingerprint_sources())

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TrainedTextComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> TrainedTextComponent:
        with model_storage.read_from(resource) as directory:
            classifier = TextClassifier.load(directory / cls.MODEL_FILE)
        return cls(config, model_storage, resource, classifier)

    def label(self, example: Message) -> Optional[Text]:
        """The label a training example teaches; None leaves the example out."""
        raise NotImplementedError

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for example in training_data.intent_examples:
            label = self.label(example)
            if label is not None:
                texts.append(example.get(TEXT))
                labels.append(label)
        self.classifier = TextClassifier.train(texts, labels)
        with self._model_storage.write_to(self._resource) as directory:
            self.classifier.save(directory / self.MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
