"""First component of the NLU pipeline: caps the length of incoming text.

A shopper (or a bot) can paste pages of text; tokenizing and featurizing
all of it is slow and tells the classifier nothing. Messages longer than
``max_chars`` (default 2,000) are truncated *before* tokenization and marked
with ``aisle_truncated: true`` in the parse output, so actions can say so.
That key reaches ``tracker.latest_message`` (parse data keeps every output
property), so custom actions can read it.

:class:`EmptyMessageFallback` (placed after FallbackClassifier) sends
messages with no letters or digits at all to ``nlu_fallback``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

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


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class MessageGuard(GraphComponent):
    """Truncates over-long messages and flags them in the parse output."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_chars": 2000}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._max_chars = int(config.get("max_chars", 2000))

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MessageGuard":
        return cls(config)

    def _guard(self, message: Message) -> None:
        text = message.get(TEXT)
        if isinstance(text, str) and len(text) > self._max_chars:
            message.set(TEXT, text[: self._max_chars])
            message.set(TRUNCATED_KEY, True, add_to_output=True)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._guard(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._guard(example)
        return training_data


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class EmptyMessageFallback(GraphComponent):
    """Routes empty, whitespace-only or punctuation-only messages to `nlu_fallback`.

    DIET still predicts *some* intent for an empty message (often with high
    confidence), so the FallbackClassifier's threshold does not catch it.
    Place this after FallbackClassifier.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "EmptyMessageFallback":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if any(ch.isalnum() for ch in text):
                continue
            fallback = {INTENT_NAME_KEY: NLU_FALLBACK_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, fallback, add_to_output=True)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or []
                       if r.get(INTENT_NAME_KEY) != NLU_FALLBACK_INTENT]
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
            message.set(ENTITIES, [], add_to_output=True)
        return messages
