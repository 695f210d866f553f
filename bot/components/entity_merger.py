"""Adjacent entities of one kind become one ("t" + "shirts" → "t shirts").

The tagger sometimes splits a name at a space or hyphen: "black t shirts" came out as
product_type "t" and product_type "shirts", and the second alone is a kind of product the store
does not sell. Placed after the tagger and before the synonym mapper, this joins two entities of
the same type with nothing but spaces or hyphens between them into one whose value is the text
they cover, so the synonyms ("t shirts" → "tees") and the catalog read the whole name.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
)

from bot.components.entity_spans import EntityRewriter

#: Entities that name one thing even when split; quantities, prices and mentions are not joined.
JOINED = frozenset({"product_type", "product", "material", "brand", "color"})
_GAP = re.compile(r"[\s\-]*")


def merge_adjacent(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` with each run of same-type neighbours (see :data:`JOINED`) joined."""
    ordered = sorted(entities, key=lambda e: e.get(ENTITY_ATTRIBUTE_START) or 0)
    merged: list[dict[str, Any]] = []
    for entity in ordered:
        last = merged[-1] if merged else None
        if (last is not None and entity.get(ENTITY_ATTRIBUTE_TYPE) in JOINED
                and last.get(ENTITY_ATTRIBUTE_TYPE) == entity.get(ENTITY_ATTRIBUTE_TYPE)
                and isinstance(last.get(ENTITY_ATTRIBUTE_END), int)
                and isinstance(entity.get(ENTITY_ATTRIBUTE_START), int)
                and last[ENTITY_ATTRIBUTE_END] <= entity[ENTITY_ATTRIBUTE_START]
                and _GAP.fullmatch(text[last[ENTITY_ATTRIBUTE_END]:entity[ENTITY_ATTRIBUTE_START]])):
            start, end = last[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END]
            merged[-1] = {**last, ENTITY_ATTRIBUTE_END: end,
                          ENTITY_ATTRIBUTE_VALUE: text[start:end]}
            continue
        merged.append(entity)
    return merged


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class AdjacentEntityMerger(EntityRewriter):
    """Joins same-type entities that touch (see the module docstring)."""

    def rewrite(self, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return merge_adjacent(text, entities)
