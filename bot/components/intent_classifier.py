"""Rasa intent classifier: a linear n-gram model blended with a fine-tuned MiniLM.

Two models score every message and their probabilities are averaged (``finetune_weight`` on
the second):

* :class:`bot.components.intent_model.IntentModel`, a logistic regression over word and
  character n-grams and the frozen MiniLM sentence vector ``(1, 384)`` from the featurizer;
* all-MiniLM-L6-v2 fine-tuned as an intent classifier (:mod:`bot.components.intent_finetune`).
  Training runs in a child process of the app venv (``trainer_python``), because torch stays
  out of the Rasa process; the Rasa process runs its ONNX export with onnxruntime. Every
  ``rasa train`` and every fold of ``rasa test nlu --cross-validation`` fine-tunes anew, so
  a held-out fold is never seen. ``finetune_epochs: 0`` turns it off.

Place after the MiniLM featurizer and before DIET, which then only extracts entities
(``intent_classification: false``). Messages without text or features (an empty message) get
no intent, like Rasa's own classifiers, and the fallback classifier after this answers them.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
from pathlib import Path
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

from bot.components.intent_encoder_onnx import IntentEncoderNotTrained, IntentEncoderOnnx
from bot.components.intent_finetune import FinetuneConfig
from bot.components.intent_model import IntentModel, IntentModelConfig, blend

logger = logging.getLogger(__name__)

# Subfolder of the component's model storage holding the fine-tuned MiniLM export.
ENCODER_FOLDER = "finetuned"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class IntentClassifier(GraphComponent, RasaIntentClassifier):
    """Logistic regression over n-grams and MiniLM, blended with a fine-tuned MiniLM."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [DenseFeaturizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn", "scipy"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = IntentModelConfig()
        return {"C": defaults.C, "dense_weight": defaults.dense_weight,
                "finetune_epochs": FinetuneConfig.epochs, "finetune_weight": 0.5,
                "finetune_frozen_layers": FinetuneConfig.frozen_layers,
                "trainer_python": ".venv/bin/python"}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: IntentModel | None = None,
                 encoder: IntentEncoderOnnx | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._encoder = encoder

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> IntentClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> IntentClassifier:
        try:
            with model_storage.read_from(resource) as folder:
                model = IntentModel.load(folder)
                try:
                    encoder = IntentEncoderOnnx(folder / ENCODER_FOLDER)
                except IntentEncoderNotTrained:
                    encoder = None
                return cls(config, model_storage, resource, model, encoder)
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
        epochs = int(self._config["finetune_epochs"])
        with self._model_storage.write_to(self._resource) as folder:
            self._model.save(folder)
            if epochs > 0:
                self._encoder = self._finetune(
                    [m.get(TEXT) for m in examples], [m.get(INTENT) for m in examples],
                    folder / ENCODER_FOLDER, epochs)
        return self._resource

    def _finetune(self, texts: list[str], intents: list[str], out: Path,
                  epochs: int) -> IntentEncoderOnnx:
        """Fine-tune MiniLM in the app venv (a child process) and load its ONNX export."""
        python = Path(str(self._config["trainer_python"])).expanduser()
        if not python.is_file():
            raise RuntimeError(
                f"intent fine-tuning needs the app venv's Python at {python} (run `make setup`, "
                "or set finetune_epochs: 0 in config.yml to train without it)")
        root = Path.cwd()
        env = {**os.environ, "HF_HUB_OFFLINE": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(root),
                                                           os.environ.get("PYTHONPATH")]))}
        with tempfile.TemporaryDirectory(prefix="aisle-intents-") as tmp:
            examples = Path(tmp) / "examples.json"
            examples.write_text(json.dumps({"texts": texts, "intents": intents}),
                                encoding="utf-8")
            logger.info("fine-tuning MiniLM on %d intent examples (%d epochs)",
                        len(texts), epochs)
            result = subprocess.run(
                [str(python), "-m", "bot.components.intent_finetune", "--examples",
                 str(examples), "--out", str(out), "--epochs", str(epochs),
                 "--frozen-layers", str(int(self._config["finetune_frozen_layers"]))],
                cwd=root, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"intent fine-tuning failed (exit status {result.returncode}):\n"
                               + result.stderr[-3000:])
        return IntentEncoderOnnx(out)

    def process(self, messages: list[Message]) -> list[Message]:
        scored = [m for m in messages if self._model and m.get(TEXT) and _vector(m) is not None]
        if scored:
            texts = [m.get(TEXT) for m in scored]
            probabilities = self._model.predict_proba(
                texts, np.stack([_vector(m) for m in scored]))
            classes = self._model.classes
            if self._encoder is not None:
                probabilities = blend(probabilities, classes,
                                      self._encoder.predict_proba(texts), self._encoder.classes,
                                      float(self._config["finetune_weight"]))
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
