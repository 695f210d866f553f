"""The kind of product named inside a reference: "does [the drill](mention) come with a battery?"
also says `product_type` "drill".

The tagger marks a reference to a product already shown ("the drill", "these jeans", "the blue
one") as one `mention` span, which the dialogue resolves against the cards on screen. The words
of the span that name a kind of product are what the shopper wants to know about, in whatever
store; this step reports them as `product_type` (and a leading colour or material as `color` /
`material`) with the role :data:`ROLE`, beside the mention, which stays as it is.

The role keeps these out of the search constraints: Rasa's slot mappings without a role do not
read them, and the dialogue's turn (``actions.common.read_turn``) leaves entities with a role
out of the constraints, so a question about "the drill" never turns the next search into a
search for drills. Determiners, ordinals, pronouns and words like "one" or "item" name no kind
and are dropped: "the second one" and "it" give nothing.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import (
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_ROLE,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
)

from aisle.entity_roles import MENTIONED
from aisle.gazetteer import GENERAL_COLORS, GENERAL_MATERIALS
from bot.components.entity_spans import EntityRewriter, overlaps, rule_entity

#: The role of the entities this step adds (a kind named in a reference, not a constraint).
ROLE = MENTIONED
EXTRACTOR = "MentionKind"
#: Words before a kind that point rather than describe ("the first two", "those other").
POINTING_WORDS = frozenset({
    "the", "this", "that", "these", "those", "thats", "a", "an", "my", "your", "our", "his",
    "her", "their", "its", "both", "all", "each", "either", "other", "another", "same", "such",
    "any", "some", "first", "second", "third", "fourth", "fifth", "sixth", "last", "next",
    "previous", "former", "latter", "1st", "2nd", "3rd", "4th", "5th", "6th", "one", "two",
    "three", "four", "five", "six", "cheapest", "cheaper", "priciest", "dearest", "biggest",
    "smallest", "largest", "lightest", "heaviest", "newest", "latest", "top", "bottom", "left",
    "right", "middle", "above", "below", "new", "old",
})
#: Words that stand for a product without naming its kind.
NOT_A_KIND = frozenset({
    "one", "ones", "it", "them", "they", "item", "items", "thing", "things", "product",
    "products", "model", "models", "option", "options", "choice", "choices", "version",
    "versions", "mine", "yours", "here", "there", "stuff", "pick", "picks", "result", "results",
    "card", "cards", "link", "listing", "order", "orders", "purchase", "package", "parcel",
})
_WORD = re.compile(r"[A-Za-z0-9][\w'’\-]*")
_COLORS, _MATERIALS = frozenset(GENERAL_COLORS), frozenset(GENERAL_MATERIALS)
#: A reference this long is a sentence the tagger over-read, not a noun phrase.
MAX_KIND_WORDS = 4


def kinds_in_mentions(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``entities`` plus the kinds (and leading colours / materials) named in each mention."""
    added: list[dict[str, Any]] = []
    for entity in entities:
        if entity.get(ENTITY_ATTRIBUTE_TYPE) != "mention":
            continue
        start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
        if not isinstance(start, int) or not isinstance(end, int):
            continue
        for found in _kind_of(text, start, end):
            taken = [e for e in (*entities, *added) if e is not entity
                     and e.get(ENTITY_ATTRIBUTE_TYPE) != "mention"]
            if not any(overlaps(e, found[ENTITY_ATTRIBUTE_START], found[ENTITY_ATTRIBUTE_END])
                       for e in taken):
                added.append(found)
    return [*entities, *added]


def _kind_of(text: str, start: int, end: int) -> list[dict[str, Any]]:
    words = [(start + m.start(), start + m.end(), m.group().lower().replace("’", "'"))
             for m in _WORD.finditer(text[start:end])]
    while words and words[-1][2] in NOT_A_KIND:
        words.pop()
    while words and (words[0][2] in POINTING_WORDS or words[0][2] in NOT_A_KIND):
        words.pop(0)
    if not words or any(w in NOT_A_KIND or w in POINTING_WORDS for _, _, w in words):
        return []
    found: list[dict[str, Any]] = []
    for kind, names in (("color", _COLORS), ("material", _MATERIALS)):
        described = _leading_name(words, names)
        if described:
            first, last = words[0][0], words[described - 1][1]
            found.append(_entity(kind, first, last, text[first:last].lower()))
            words = words[described:]
        if not words:  # "the blue one": a colour and no kind
            return found
    if len(words) > MAX_KIND_WORDS or not any(c.isalpha() for _, _, w in words for c in w):
        return found
    first, last = words[0][0], words[-1][1]
    return [*found, _entity("product_type", first, last, text[first:last].lower())]


def _leading_name(words: list[tuple[int, int, str]], names: frozenset[str]) -> int:
    """How many of the first ``words`` make up the longest name in ``names`` (0 if none)."""
    for size in (3, 2, 1):
        if len(words) >= size and " ".join(w for _, _, w in words[:size]) in names:
            return size
    return 0


def _entity(kind: str, start: int, end: int, value: str) -> dict[str, Any]:
    return {**rule_entity(kind, start, end, value, EXTRACTOR), ENTITY_ATTRIBUTE_ROLE: ROLE}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class MentionKind(EntityRewriter):
    """Adds the kind named in each reference (see the module docstring)."""

    def rewrite(self, text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return kinds_in_mentions(text, entities)
