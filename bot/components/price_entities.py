"""Normalises price entities and adds the ones DIET missed.

Runs after DIETClassifier and EntitySynonymMapper:

* every ``price_min``/``price_max`` entity gets a numeric ``value``
  ("50 bucks" -> 50.0); one whose text cannot be parsed is dropped;
* price phrases found by :func:`bot.components.prices.find_price_phrases`
  ("under 50 bucks", "between $20 and $40", "$50 or less") are added with
  ``extractor: "PriceEntityExtractor"``. Where such a phrase overlaps a DIET
  price entity, the phrase wins: its comparison word ("under" / "over")
  decides min vs max more reliably than the statistical tagger.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
)

from bot.components.entity_spans import EntityRewriter, overlaps, rule_entity
from bot.components.prices import (
    PRICE_MAX,
    PRICE_MIN,
    PriceMatch,
    find_price_phrases,
    parse_amount,
)

EXTRACTOR_NAME = "PriceEntityExtractor"
PRICE_ENTITIES = (PRICE_MIN, PRICE_MAX)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class PriceEntityExtractor(EntityRewriter):
    """Turns price entities into numbers and fills in missed price phrases."""

    def rewrite(self, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        phrases = find_price_phrases(text)

        kept: list[dict[str, Any]] = []
        for entity in entities:
            if entity.get(ENTITY_ATTRIBUTE_TYPE) not in PRICE_ENTITIES:
                kept.append(entity)
                continue
            if any(_overlaps(entity, phrase) for phrase in phrases):
                continue  # replaced by the rule-based reading below
            value = _numeric_value(entity)
            if value is None:
                continue  # not a price after all: drop it
            kept.append({**entity, ENTITY_ATTRIBUTE_VALUE: value})

        for phrase in phrases:
            kept.append(_as_entity(phrase))

        kept.sort(key=lambda e: e.get(ENTITY_ATTRIBUTE_START, 0))
        return kept


def _numeric_value(entity: dict[str, Any]) -> Any:
    value = entity.get(ENTITY_ATTRIBUTE_VALUE)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        return parse_amount(value)
    return None


def _overlaps(entity: dict[str, Any], phrase: PriceMatch) -> bool:
    return overlaps(entity, phrase.start, phrase.end)


def _as_entity(phrase: PriceMatch) -> dict[str, Any]:
    return rule_entity(phrase.entity, phrase.start, phrase.end, phrase.value, EXTRACTOR_NAME)
