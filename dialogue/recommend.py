"""Recommendation turns: personalised picks, "more like this" and "what goes with it"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from catalog.domain import Product
from catalog.filters import ProductFilters
from dialogue.cards import product_card, products_payload
from dialogue.constraints import CONSTRAINT_SLOTS
from dialogue.pointing import FindsProducts, pointed_product
from dialogue.reply import Reply
from dialogue.turn import Turn
from recommender.service import Recommendation, ShopperContext

RESULTS_PER_TURN = 5
#: Most recent products the session remembers as the shopper's history.
HISTORY_LENGTH = 20
SUGGESTIONS_TEXT = "Here are my suggestions{personal}:"
PERSONAL = " picked for you from what you've looked at"
NOTHING_TEXT = ("I couldn't find anything to recommend for that. Could you tell me a bit more "
                "about what you need?")
SIMILAR = ("Similar to which product? Point at one I showed you (“the second one”) or tell me "
           "its name.", "More like the {name}:", "I couldn't find anything similar to the {name}.")
COMPLEMENTS = ("Goes with which product? Point at one I showed you or tell me its name.",
               "These go well with the {name}:", "I don't have anything to pair with the {name} yet.")


class Recommends(Protocol):
    products: Mapping[str, Product]

    def recommend(self, context: ShopperContext, k: int = 5,
                  filters: ProductFilters | None = None) -> list[Recommendation]: ...
    def similar(self, product_id: str, k: int = 5) -> list[Recommendation]: ...
    def goes_with(self, product_id: str, k: int = 5) -> list[Recommendation]: ...


def shopper_context(turn: Turn, query: str = "") -> ShopperContext:
    """The session's history (viewed and asked-about products, oldest first) and cart."""
    viewed = list(turn.slot("viewed_products") or [])
    focus = turn.slot("focus_product")
    if focus and focus not in viewed:
        viewed.append(focus)
    carted = tuple(turn.slot("carted_products") or ())
    return ShopperContext(history=tuple(viewed[-HISTORY_LENGTH:]), carted=carted, query=query)


def remember(turn: Turn, product_id: str) -> tuple[str, Any]:
    """The ``viewed_products`` slot with ``product_id`` added (most recent last, once)."""
    viewed = [p for p in (turn.slot("viewed_products") or []) if p != product_id]
    return "viewed_products", [*viewed, product_id][-HISTORY_LENGTH:]


def _cards(turn: Turn, text: str, found: list[Recommendation], empty_text: str) -> Reply:
    if not found:
        return Reply().say(turn.noticed(empty_text))
    cards = [product_card(r.product, r.reason) for r in found]
    return (Reply().say(turn.noticed(text), products_payload(cards))
            .set("shown_products", [card["id"] for card in cards]))


def recommend_products(turn: Turn, recommender: Recommends) -> Reply:
    """``ask_recommendation``: the shopper's request and history through the recommender."""
    mentioned = turn.entity_values()
    slots = {name: mentioned.get(name) for name in CONSTRAINT_SLOTS}
    context = shopper_context(turn, turn.message_text())
    found = recommender.recommend(context, RESULTS_PER_TURN, ProductFilters.from_slots(slots))
    personal = PERSONAL if context.history else ""
    reply = _cards(turn, SUGGESTIONS_TEXT.format(personal=personal), found, NOTHING_TEXT)
    reply.set_all([(name, value) for name, value in slots.items() if turn.slot(name) != value])
    return reply.set("pending_relaxation", None)


def _from_pointed(turn: Turn, catalog: FindsProducts, recommender: Recommends,
                  find: Callable[[str], list[Recommendation]],
                  texts: tuple[str, str, str]) -> Reply:
    ask_which, heading, empty = texts
    product_id = pointed_product(turn, catalog)
    if product_id is None:
        return Reply().say(turn.noticed(ask_which))
    found = find(product_id)
    name = recommender.products[product_id].name
    shown = _cards(turn, heading.format(name=name), found, empty.format(name=name))
    return Reply(shown.messages, [remember(turn, product_id), ("focus_product", product_id),
                                  *shown.slots])


def show_similar(turn: Turn, catalog: FindsProducts, recommender: Recommends) -> Reply:
    """"More like this" / "similar to the second one": neighbours of the product pointed at."""
    return _from_pointed(turn, catalog, recommender,
                         lambda pid: recommender.similar(pid, RESULTS_PER_TURN), SIMILAR)


def show_complements(turn: Turn, catalog: FindsProducts, recommender: Recommends) -> Reply:
    """"What goes with it?": the store's cross-sell links first, then other kinds of item."""
    return _from_pointed(turn, catalog, recommender,
                         lambda pid: recommender.goes_with(pid, RESULTS_PER_TURN), COMPLEMENTS)
