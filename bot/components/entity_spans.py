"""Entities as the rule-based extractors read and write them: dicts with Rasa's keys."""

from __future__ import annotations

from typing import Any

from rasa.shared.nlu.constants import (
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
)


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
