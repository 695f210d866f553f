"""Product search: the shopper's words plus remembered constraints, answered with product cards."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    last_user_text,
    latest_entities,
    latest_intent,
    latest_text,
    off_loop,
    with_notice,
)
from actions.payloads import no_results_payload, product_card, products_payload, search_summary
from actions.services import get_services
from catalog.filters import ProductFilters
from dialogue.constraints import (
    CONSTRAINT_LABELS,
    CONSTRAINT_SLOTS,
    describe,
    query_text,
    query_words,
)
from dialogue.finder import is_too_broad
from dialogue.refinements import Refinement, cheaper_than, pricier_than, read_refinement
from knowledge.search import SearchResult

#: Intents that start a new search: constraints not mentioned in the message are forgotten.
FRESH_SEARCH_INTENTS = {"search_products", "ask_recommendation"}
SEARCH_INTENTS = FRESH_SEARCH_INTENTS | {"refine_search"}
RESULTS_PER_TURN = 5
#: What a catalog lacks when a filter cannot be applied (the Amazon catalog has no prices).
MISSING_DATA = {"price_min": "prices", "price_max": "prices", "color": "colours",
                "size": "sizes", "gender": "men's/women's ranges", "material": "materials",
                "product_type": "product types", "eco_friendly": "eco-collection data"}
#: Said when the vector store was down and the results come from keyword search alone.
KEYWORD_ONLY_NOTICE = ("(Our smart search is briefly unavailable, so I matched your words only: "
                       "these results may be less relevant.)")
YES_NO = [{"title": "Yes, show them", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def _constraint_events(tracker: Tracker, intent: str | None) -> tuple[dict[str, Any], list[EventType]]:
    """Slot values to search with, and the events that forget or relax constraints."""
    slots = {name: tracker.get_slot(name) for name in CONSTRAINT_SLOTS}
    events: list[EventType] = []
    if intent in FRESH_SEARCH_INTENTS:
        mentioned = latest_entities(tracker)
        for name, value in slots.items():
            if value is not None and name not in mentioned:
                slots[name] = None
                events.append(SlotSet(name, None))
    relax = tracker.get_slot("pending_relaxation") if intent == "affirm" else None
    if relax in slots:
        slots[relax] = None
        events.append(SlotSet(relax, None))
    return slots, events


def _query(tracker: Tracker, intent: str | None, constraints: ProductFilters) -> str:
    """Words to rank by: this message for a new search, else the last search plus constraints."""
    if intent in FRESH_SEARCH_INTENTS:
        words = latest_text(tracker)
    else:
        words = " ".join(filter(None, [last_user_text(tracker, FRESH_SEARCH_INTENTS),
                                       query_text(constraints)]))
    return query_words(words) or query_text(constraints)


def _reply(result: SearchResult, constraints: ProductFilters) -> tuple[str, str | None]:
    """Text of the reply and, for an empty result, the slot it offers to drop."""
    unsupported = list(result.unsupported_filters)
    for slot in unsupported:
        if slot in CONSTRAINT_LABELS:
            constraints = constraints.without(slot)
    wanted = describe(constraints)
    if result.hits:
        count = len(result.hits)
        text = f"Here {'is 1 match' if count == 1 else f'are {count} matches'} for {wanted}:"
        missing = sorted({MISSING_DATA.get(slot, slot) for slot in unsupported})
        if missing:
            text += (f" (This catalog has no {' or '.join(missing)}, so I could not filter "
                     "on them.)")
        return text, None
    relaxation = result.empty_because
    slot = (relaxation.constraint if relaxation and relaxation.constraint in CONSTRAINT_LABELS
            else None)
    if relaxation and slot and relaxation.count:
        return (f"I couldn't find any {wanted}. Without {CONSTRAINT_LABELS[slot]} there "
                f"{'is' if relaxation.count == 1 else 'are'} {relaxation.count} — "
                "shall I show them?"), slot
    return (f"I couldn't find any {wanted} in our catalog. Could you describe it differently, "
            "or try a broader search?"), None


def _relative_price(tracker: Tracker, refinement: Refinement, slots: dict[str, Any],
                    catalog: Any) -> list[EventType]:
    """"cheaper" / "more expensive": a price bound just beyond what was shown."""
    if not (refinement.cheaper or refinement.pricier):
        return []
    shown = [catalog.product(pid) for pid in tracker.get_slot("shown_products") or []]
    prices = [p.price for p in shown if p is not None]
    events: list[EventType] = []
    bound = cheaper_than(prices) if refinement.cheaper else pricier_than(prices)
    if bound is None:
        return []
    name, other = ("price_max", "price_min") if refinement.cheaper else ("price_min", "price_max")
    slots[name] = bound
    events.append(SlotSet(name, bound))
    limit = slots.get(other)
    if limit is not None and (float(limit) > bound if refinement.cheaper else float(limit) < bound):
        slots[other] = None
        events.append(SlotSet(other, None))
    return events


class ActionSearchProducts(Action):
    """``search_products``, ``refine_search``, ``ask_recommendation`` and "yes, relax it"."""

    def name(self) -> str:
        return "action_search_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        services = get_services()
        search = services.search
        intent = latest_intent(tracker)
        finder_done = bool(tracker.get_slot("finder_needed"))
        if finder_done:  # the product finder just filled in for whom and what kind
            intent = "refine_search"
        slots, events = _constraint_events(tracker, intent)
        if finder_done:
            events.append(SlotSet("finder_needed", None))
        elif intent == "search_products" and is_too_broad(
                latest_text(tracker), any(slots.get(name) for name in CONSTRAINT_SLOTS)):
            dispatcher.utter_message(text=with_notice(
                tracker, "Happy to help you find something! Two quick questions first."))
            return [*events, SlotSet("finder_needed", True)]
        refinement = (read_refinement(latest_text(tracker)) if intent in SEARCH_INTENTS
                      else Refinement())
        if intent != "refine_search":
            refinement = Refinement(eco=refinement.eco)
        events += _relative_price(tracker, refinement, slots, services.catalog)
        if refinement.eco and not slots.get("eco_friendly"):
            slots["eco_friendly"] = True
            events.append(SlotSet("eco_friendly", True))
        constraints = ProductFilters.from_slots(slots)
        seen = list(tracker.get_slot("seen_products") or []) if refinement.more else []
        query = _query(tracker, intent, constraints)
        result = await off_loop(search.search, query, constraints, RESULTS_PER_TURN + len(seen))
        if refinement.more:
            result.hits = [h for h in result.hits if h.product.id not in seen][:RESULTS_PER_TURN]
        text, offer = _reply(result, constraints)
        if refinement.more:
            text = (f"Here are {len(result.hits)} more for {describe(constraints)}:" if result.hits
                    else f"That's everything I have for {describe(constraints)}. Shall I change "
                         "a detail, like the colour or the price?")
        if result.keyword_only and result.hits:
            text += f" {KEYWORD_ONLY_NOTICE}"
        cards = [product_card(hit.product, hit.reason) for hit in result.hits]
        summary = search_summary(slots, query, len(cards),
                                 result.hits[0].score if result.hits else None)
        if cards:
            dispatcher.utter_message(text=with_notice(tracker, text),
                                     json_message=products_payload(cards, summary))
        else:
            dispatcher.utter_message(text=with_notice(tracker, text),
                                     buttons=YES_NO if offer else [],
                                     json_message=no_results_payload(summary))
        events.append(SlotSet("pending_relaxation", offer))
        if cards:
            ids = [card["id"] for card in cards]
            events.append(SlotSet("shown_products", ids))
            events.append(SlotSet("seen_products", [*seen, *ids]))
            events.append(SlotSet("focus_product", cards[0]["id"] if len(cards) == 1 else None))
        return events


class ActionDeclineRelaxation(Action):
    """"No" to an offer to drop a constraint: keep the constraints and forget the offer."""

    def name(self) -> str:
        return "action_decline_relaxation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            text="All right, I'll keep your filters as they are. Is there something else I can "
                 "look for, or shall I change another detail?")
        return [SlotSet("pending_relaxation", None)]


class ActionStartOver(Action):
    """"Start over": forget the search (constraints, results, focus); the cart stays."""

    def name(self) -> str:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(text="Okay, let's start fresh. What are you looking for?")
        forget = [*CONSTRAINT_SLOTS, "shown_products", "seen_products", "focus_product",
                  "pending_relaxation", "compared_products", "finder_needed"]
        return [SlotSet(name, None) for name in forget if tracker.get_slot(name) is not None]
