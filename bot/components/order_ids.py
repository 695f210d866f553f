"""Order numbers in any store's format: "order 48213", "order #AZ-7731", "#SC88210".

The tagger learnt the demo shop's nine-digit numbers; another store's order numbers are shorter,
or carry letters and hyphens. This step reads a number that follows the word "order" (also
misspelt "oder", "ordr"; with "number", "no.", "#", "id" or "is" between) or stands after a "#",
when it holds at least three digits, and tags it as `order_id`, written as the shopper wrote it
without the "#". A price, quantity, size or measure the tagger read inside it is dropped; an
`order_id` the tagger found is kept as it is.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITY_ATTRIBUTE_TYPE

from bot.components.entity_spans import EntityRewriter, overlaps, rule_entity

EXTRACTOR = "OrderIdRule"
_ID = r"(?P<hash>#)?\s?(?P<id>[A-Za-z]{0,4}-?\d[\w-]*)"
ORDER_NUMBER = re.compile(
    r"(?P<owner>\b(?:my|the|this|that|your|our|an|of|for)\s+)?"
    r"\b(?:order|oder|ordr|orders)(?P<named>\s+(?:number|num|no\.?|nr\.?|id|ref(?:erence)?))?"
    r"(?P<is>\s+is|\s*:)?\s*" + _ID + r"(?P<after>\s+\w+)?"
    r"|(?<![\w#])#(?P<tag>[A-Za-z]{0,4}-?\d[\w-]*)",
    re.IGNORECASE)
#: Words after "order <number>" that make the number a count to buy ("order 500 pcs").
COUNTED = frozenset({"of", "pcs", "pc", "pieces", "piece", "units", "unit", "boxes", "box",
                     "packs", "pack", "more", "x", "items", "rolls", "bags", "sets", "pairs"})
#: Words before "order" that make it the verb ("i'd like to order 5000 labels").
VERB_BEFORE = frozenset({"to", "i", "we", "i'd", "we'd", "would", "will", "can", "could",
                         "should", "please", "and", "also", "then", "i'll", "we'll"})
#: Digits a bare number after "order" needs to be read as one (no "#", "my order", "number").
BARE_DIGITS = 4
#: Entities a number inside an order number is not.
REPLACED = frozenset({"price_min", "price_max", "quantity", "size", "measure"})
MIN_DIGITS = 3


def with_order_ids(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the order numbers the text holds (see the module docstring)."""
    for match in ORDER_NUMBER.finditer(text):
        group = "id" if match.group("id") else "tag"
        value = match.group(group).rstrip("-_")
        start = match.start(group)
        end = start + len(value)
        digits = sum(c.isdigit() for c in value)
        if digits < MIN_DIGITS or (group == "id" and not _reads_as_order_number(match, digits)):
            continue
        if any(e.get(ENTITY_ATTRIBUTE_TYPE) == "order_id" and overlaps(e, start, end)
               for e in entities):
            continue
        entities = [e for e in entities if not (e.get(ENTITY_ATTRIBUTE_TYPE) in REPLACED
                                                and overlaps(e, start, end))]
        entities.append(rule_entity("order_id", start, end, value, EXTRACTOR))
    return entities


def _reads_as_order_number(match: re.Match[str], digits: int) -> bool:
    """Whether the number after "order" names an order rather than a count to buy."""
    after = (match.group("after") or "").strip().lower()
    if after in COUNTED:
        return False
    marked = match.group("hash") or match.group("named") or match.group("is")
    if marked or match.group("owner"):
        return True
    before = match.string[:match.start()].lower().split()
    return digits >= BARE_DIGITS and not (before and before[-1] in VERB_BEFORE)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class OrderIdRule(EntityRewriter):
    """Tags order numbers in any store's format (see the module docstring)."""

    def rewrite(self, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return with_order_ids(text, entities)
