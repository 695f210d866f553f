"""Recommendations: personalised picks, "more like this" and "what goes with it"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entities, latest_text, off_loop, pointed_product, with_notice
from actions.payloads import product_card, products_payload
from actions.services import get_recommender
from catalog.filters import ProductFilters
from dialogue.constraints import CONSTRAINT_SLOTS
from recommender.service import Recommendation, ShopperContext

RESULTS_PER_TURN = 5
#: Most recent products the session remembers as the shopper's history.
HISTORY_LENGTH = 20


def shopper_context(tracker: Tracker, query: str = "") -> ShopperContext:
    """The session's history (viewed and asked-about products, oldest first) and cart."""
    viewed = list(tracker.get_slot("viewed_products") or [])
    focus = tracker.get_slot("focus_product")
    if focus and focus not in viewed:
        viewed.append(focus)
    carted = tuple(tracker.get_slot("carted_products") or ())
    return ShopperContext(history=tuple(viewed[-HISTORY_LENGTH:]), carted=carted, query=query)


def remember(tracker: Tracker, product_id: str) -> SlotSet:
    """Add ``product_id`` to the viewed history (most recent last, no duplicates)."""
    viewed = [p for p in (tracker.get_slot("viewed_products") or []) if p != product_id]
    return SlotSet("viewed_products", [*viewed, product_id][-HISTORY_LENGTH:])


def _send(dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
          found: list[Recommendation], empty_text: str) -> list[EventType]:
    if not found:
        dispatcher.utter_message(text=with_notice(tracker, empty_text))
        return []
    cards = [product_card(r.product, r.reason) for r in found]
    dispatcher.utter_message(text=with_notice(tracker, text), json_message=products_payload(cards))
    return [SlotSet("shown_products", [card["id"] for card in cards])]


class ActionRecommendProducts(Action):
    """``ask_recommendation``: the shopper's request and history through the recommender."""

    def name(self) -> str:
        return "action_recommend_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        recommender = get_recommender()
        mentioned = latest_entities(tracker)
        slots = {name: mentioned.get(name) for name in CONSTRAINT_SLOTS}
        filters = ProductFilters.from_slots(slots)
        context = shopper_context(tracker, latest_text(tracker))
        found = await off_loop(recommender.recommend, context, RESULTS_PER_TURN, filters)
        personal = " picked for you from what you've looked at" if context.history else ""
        events = _send(dispatcher, tracker, f"Here are my suggestions{personal}:", found,
                       "I couldn't find anything to recommend for that. Could you tell me a bit "
                       "more about what you need?")
        events += [SlotSet(name, value) for name, value in slots.items()
                   if tracker.get_slot(name) != value]
        return [*events, SlotSet("pending_relaxation", None)]


class _FromPointedProduct:
    """Recommendations anchored on the product the shopper points at ("the second one", "it").

    A mixin, not an ``Action``: rasa-sdk instantiates every ``Action`` subclass it finds and asks
    its name, so only the concrete actions below may be ``Action``s.
    """

    ask_which = ""
    heading = ""
    empty = ""

    def find(self, recommender: Any, product_id: str) -> list[Recommendation]:
        raise NotImplementedError

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        product_id = await off_loop(pointed_product, tracker)
        if product_id is None:
            dispatcher.utter_message(text=with_notice(tracker, self.ask_which))
            return []
        recommender = get_recommender()
        found = await off_loop(self.find, recommender, product_id)
        name = recommender.products[product_id].name
        return [remember(tracker, product_id), SlotSet("focus_product", product_id),
                *_send(dispatcher, tracker, self.heading.format(name=name), found,
                       self.empty.format(name=name))]


class ActionShowSimilar(_FromPointedProduct, Action):
    """"More like this" / "similar to the second one": neighbours of the product pointed at."""

    ask_which = ("Similar to which product? Point at one I showed you (“the second one”) or "
                 "tell me its name.")
    heading = "More like the {name}:"
    empty = "I couldn't find anything similar to the {name}."

    def name(self) -> str:
        return "action_show_similar"

    def find(self, recommender: Any, product_id: str) -> list[Recommendation]:
        return recommender.similar(product_id, RESULTS_PER_TURN)


class ActionShowComplements(_FromPointedProduct, Action):
    """"What goes with it?": the store's cross-sell links first, then other kinds of item."""

    ask_which = "Goes with which product? Point at one I showed you or tell me its name."
    heading = "These go well with the {name}:"
    empty = "I don't have anything to pair with the {name} yet."

    def name(self) -> str:
        return "action_show_complements"

    def find(self, recommender: Any, product_id: str) -> list[Recommendation]:
        return recommender.goes_with(product_id, RESULTS_PER_TURN)
