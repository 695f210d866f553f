"""Entities as the rule-based pipeline steps read and write them (dicts with Rasa's keys), and
the base class of those steps."""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message


def overlaps(entity: dict[str, Any], start: int, end: int) -> bool:
    """Whether ``entity``'s characters share any with ``start``–``end``."""
    first, last = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
    return first is not None and last is not None and first < end and start < last


def rule_entity(kind: str, start: int, end: int, value: Any, extractor: str) -> dict[str, Any]:
    """An entity a rule found, with full confidence."""
    return {
        ENTITY_ATTRIBUTE_TYPE: kind,
        ENTITY_ATTRIBUTE_START: start,
        ENTITY_ATTRIBUTE_END: end,
        ENTITY_ATTRIBUTE_VALUE: value,
        "confidence_entity": 1.0,
        EXTRACTOR: extractor,
    }


class EntityRewriter(GraphComponent):
    """An untrained pipeline step that rewrites each message's entities from its text (the
    price and measure extractors, the entity merger): subclasses give :meth:`rewrite`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EntityRewriter:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = list(message.get(ENTITIES, []) or [])
            message.set(ENTITIES, self.rewrite(message.get(TEXT) or "", entities),
                        add_to_output=True)
        return messages

    def rewrite(self, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError
