"""First component of the NLU pipeline: caps the length of incoming text.

A shopper (or a bot) can paste pages of text; tokenizing and featurizing
all of it is slow and tells the classifier nothing. Messages longer than
``max_chars`` (default 2,000) are truncated *before* tokenization and marked
with ``aisle_truncated: true`` in the parse output, so actions can say so.
That key reaches ``tracker.latest_message`` (parse data keeps every output
property), so custom actions can read it.

:class:`UnknownInputFallback` (placed after FallbackClassifier) sends
empty messages and words it has never seen ("xkcd blorp") to ``nlu_fallback``.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME as NLU_FALLBACK_INTENT
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

TRUNCATED_KEY = "aisle_truncated"

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class MessageGuard(GraphComponent):
    """Truncates over-long messages and flags them in the parse output."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"max_chars": 2000}

    def __init__(self, config: dict[str, Any]) -> None:
        self._max_chars = int(config.get("max_chars", 2000))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MessageGuard:
        return cls(config)

    def _guard(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and len(text) > self._max_chars:
            message.set(TEXT, text[: self._max_chars])
            message.set(TRUNCATED_KEY, True, add_to_output=True)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._guard(example)
        return training_data


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class UnknownInputFallback(GraphComponent):
    """Routes input the model cannot have understood to `nlu_fallback`.

    DIET always predicts *some* intent, often with high confidence even for an
    empty message or keyboard mash ("xkcd blorp"), so the FallbackClassifier's
    threshold does not catch those. This component (placed after
    FallbackClassifier) overrides the intent with ``nlu_fallback`` when the
    message has no letters or digits at all, or when not one of its words is
    close to a word of the training data, the lookup tables or the synonyms.
    """

    VOCABULARY_FILE = "vocabulary.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"similarity_cutoff": 0.8}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: set[str] | None = None,
    ) -> None:
        self._cutoff = float(config.get("similarity_cutoff", 0.8))
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary: set[str] = vocabulary or set()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownInputFallback:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownInputFallback:
        vocabulary: set[str] = set()
        try:
            with model_storage.read_from(resource) as model_dir:
                path = model_dir / cls.VOCABULARY_FILE
                vocabulary = set(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            logger.warning("UnknownInputFallback: no stored vocabulary; only empty "
                           "messages will be routed to nlu_fallback.")
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        words: set[str] = set()
        for example in training_data.training_examples:
            words.update(_words(example.get(TEXT) or ""))
        for table in training_data.lookup_tables:
            for element in table.get("elements", []) or []:
                words.update(_words(str(element)))
        for surface, canonical in training_data.entity_synonyms.items():
            words.update(_words(surface))
            words.update(_words(canonical))
        self._vocabulary = words
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / self.VOCABULARY_FILE).write_text(
                json.dumps(sorted(words)), encoding="utf-8"
            )
        return self._resource

    def _understood(self, text: str) -> bool:
        tokens = _words(text)
        if not tokens:
            return False
        if not self._vocabulary:
            return True
        for token in tokens[:50]:
            if token in self._vocabulary or token.isdigit():
                return True
            if len(token) >= 4 and difflib.get_close_matches(
                token, self._vocabulary, n=1, cutoff=self._cutoff
            ):
                return True
        return False

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self._understood(message.get(TEXT) or ""):
                continue
            fallback = {INTENT_NAME_KEY: NLU_FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get(INTENT_NAME_KEY) != NLU_FALLBACK_INTENT]
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
            message.set(ENTITIES, [], add_to_output=True)
        return messages


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())
