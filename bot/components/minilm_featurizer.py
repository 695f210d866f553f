"""Dense all-MiniLM-L6-v2 features for the NLU pipeline, through onnxruntime (no torch).

Place after the WhitespaceTokenizer. For every message with text it adds

* sequence features ``(n_tokens, 384)``: per whitespace token, the mean of the MiniLM vectors of
  the WordPieces inside it;
* a sentence feature ``(1, 384)``: the mean over all WordPieces, as sentence-transformers pools.

The numbers come from :mod:`bot.components.minilm_onnx`; the ONNX folder (``model_path``,
default ``models/minilm-onnx``) is built by ``python -m scripts.export_minilm_onnx`` in the app
venv (``make train`` runs it first). A relative ``model_path`` is read from the working
directory, else from the project root. The folder is not copied into the trained model: the
Makefile retrains whenever it is re-exported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.minilm_onnx import MiniLMOnnx, load_minilm

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MODEL_PATH = "models/minilm-onnx"


EMBEDDING_DIM = 384  # all-MiniLM-L6-v2


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds MiniLM token and sentence vectors to messages' text."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "model_path": DEFAULT_MODEL_PATH,
            # onnxruntime intra-op threads; 0 = as many as the machine has.
            "num_threads": 0,
            "batch_size": 32,
        }

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._model_path = resolve_model_path(str(self._config["model_path"]))
        self._num_threads = int(self._config["num_threads"])
        self._batch_size = int(self._config["batch_size"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not str(config.get("model_path") or "").strip():
            raise ValueError("MiniLMFeaturizer needs a model_path (the ONNX export folder)")

    def _model(self) -> MiniLMOnnx:
        # Cached per process: building the session again for every message would cost ~0.5 s.
        return load_minilm(str(self._model_path), self._num_threads)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages

    def _featurize(self, messages: list[Message]) -> None:
        todo = [m for m in messages if m.get(TEXT) and m.get(TOKENS_NAMES[TEXT])]
        for message in messages:
            tokens = message.get(TOKENS_NAMES[TEXT])
            if message not in todo and tokens is not None:
                # An empty or blank message still needs features of the right shape, or DIET
                # fails on it; zeros say "nothing here" and the message guard answers it.
                self.add_features_to_message(
                    sequence=np.zeros((len(tokens), EMBEDDING_DIM), dtype=np.float32),
                    sentence=np.zeros((1, EMBEDDING_DIM), dtype=np.float32),
                    attribute=TEXT,
                    message=message,
                )
        if not todo:
            return
        spans = [[(t.start, t.end) for t in m.get(TOKENS_NAMES[TEXT])] for m in todo]
        encodings = self._model().encode_batch(
            [m.get(TEXT) for m in todo], spans, batch_size=self._batch_size
        )
        for message, encoding in zip(todo, encodings, strict=True):
            self.add_features_to_message(
                sequence=encoding.tokens,
                sentence=np.reshape(encoding.sentence, (1, -1)),
                attribute=TEXT,
                message=message,
            )


def resolve_model_path(model_path: str) -> Path:
    """``model_path`` as given when it exists (or is absolute), else under the project root."""
    path = Path(model_path)
    if path.is_absolute() or path.exists():
        return path
    return PROJECT_ROOT / path
