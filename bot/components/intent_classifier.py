"""Rasa intent classifier wrapping :class:`bot.components.intent_model.IntentModel`.

Place after the MiniLM featurizer (it reads the dense sentence vector ``(1, 384)`` of each
message) and before DIET, which then only extracts entities (``intent_classification:
false``). Messages without text or features (an empty message) get no intent, like Rasa's
own classifiers, and the fallback classifier after this answers them.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier as RasaIntentClassifier
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.intent_model import IntentModel, IntentModelConfig

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class IntentClassifier(GraphComponent, RasaIntentClassifier):
    """Logistic regression over word and character n-grams and the MiniLM sentence vector."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [DenseFeaturizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "scipy"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = IntentModelConfig()
        return {"C": defaults.C, "dense_weight": defaults.dense_weight}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: IntentModel | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> IntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> IntentClassifier:
        try:
            with model_storage.read_from(resource) as folder:
                return cls(config, model_storage, resource, IntentModel.load(folder))
        except (ValueError, FileNotFoundError):
            logger.warning("no trained intent model in %s; intents will be empty", resource.name)
            return cls(config, model_storage, resource)

    def _model_config(self) -> IntentModelConfig:
        return IntentModelConfig(C=float(self._config["C"]),
                                 dense_weight=float(self._config["dense_weight"]))

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT) and _vector(m) is not None]
        if len({m.get(INTENT) for m in examples}) < 2:
            logger.warning("fewer than two intents with examples; the intent model is not trained")
            return self._resource
        self._model = IntentModel(self._model_config()).fit(
            [m.get(TEXT) for m in examples],
            np.stack([_vector(m) for m in examples]),
            [m.get(INTENT) for m in examples],
        )
        with self._model_storage.write_to(self._resource) as folder:
            self._model.save(folder)
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        scored = [m for m in messages if self._model and m.get(TEXT) and _vector(m) is not None]
        if scored:
            probabilities = self._model.predict_proba(
                [m.get(TEXT) for m in scored], np.stack([_vector(m) for m in scored])
            )
            classes = self._model.classes
            for message, row in zip(scored, probabilities, strict=True):
                order = np.argsort(-row)[:LABEL_RANKING_LENGTH]
                ranking = [{"name": classes[i], "confidence": float(row[i])} for i in order]
                message.set(INTENT, ranking[0], add_to_output=True)
                message.set("intent_ranking", ranking, add_to_output=True)
        scored_ids = {id(m) for m in scored}
        for message in messages:
            if id(message) not in scored_ids:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
        return messages


def _vector(message: Message) -> np.ndarray | None:
    """The message's dense sentence vector ``(384,)``, or None when it has none."""
    _, sentence = message.get_dense_features(TEXT)
    return None if sentence is None else np.asarray(sentence.features[0], dtype=np.float64)
