"""Measures ("80 grit", "1/2 inch", "box of 100") as ``measure`` entities with canonical values.

Runs after the entity tagger and :class:`~bot.components.price_entities.PriceEntityExtractor`:

* every measure :func:`aisle.measures.find_measures` finds becomes a ``measure`` entity whose
  value is its canonical spelling ("1.75mm" → "1.75 mm"), replacing the tagger's reading of the
  same words;
* a tagger ``measure`` that is not a number with a unit is dropped;
* a price, size or colour entity inside a measure is dropped: in "80 grit sandpaper" the 80 is
  no price, and in "22 AWG" nothing is a size. A ``quantity`` keeps its words ("add 2 packs").
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
)

from aisle.measures import Measure, find_measures, normalise_measure
from bot.components.entity_spans import EntityRewriter, overlaps, rule_entity

EXTRACTOR_NAME = "MeasureEntityExtractor"
MEASURE = "measure"
#: Entities that never sit inside a measure's words.
DISPLACED = frozenset({"price_min", "price_max", "size", "color"})


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class MeasureEntityExtractor(EntityRewriter):
    """Reads number-and-unit measures and keeps other entities out of them."""

    def rewrite(self, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return with_measures(text, entities)


def with_measures(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` with the measures of ``text`` read as above, sorted by position."""
    quantities = [e for e in entities if e.get(ENTITY_ATTRIBUTE_TYPE) == "quantity"]
    measures = [m for m in find_measures(text)
                if not any(_overlaps(q, m) for q in quantities)]
    kept: list[dict[str, Any]] = []
    for entity in entities:
        kind = entity.get(ENTITY_ATTRIBUTE_TYPE)
        inside = any(_overlaps(entity, m) for m in measures)
        if kind == MEASURE:
            value = None if inside else normalise_measure(str(entity.get(ENTITY_ATTRIBUTE_VALUE)))
            if value is not None:
                kept.append({**entity, ENTITY_ATTRIBUTE_VALUE: value})
        elif not (inside and kind in DISPLACED):
            kept.append(entity)
    kept += [_as_entity(m) for m in measures]
    return sorted(kept, key=lambda e: e.get(ENTITY_ATTRIBUTE_START, 0))


def _overlaps(entity: dict[str, Any], measure: Measure) -> bool:
    return overlaps(entity, measure.start, measure.end)


def _as_entity(measure: Measure) -> dict[str, Any]:
    return rule_entity(MEASURE, measure.start, measure.end, measure.value, EXTRACTOR_NAME)
