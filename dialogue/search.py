"""Product search turns: the shopper's words plus remembered constraints, answered with cards."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from catalog.filters import ProductFilters
from dialogue.cards import no_results_payload, product_card, products_payload, search_summary
from dialogue.catalog_terms import CatalogReading, absent_text, read_filters
from dialogue.constraints import (
    CONSTRAINT_LABELS,
    CONSTRAINT_SLOTS,
    describe,
    query_text,
    query_words,
)
from dialogue.finder import is_too_broad
from dialogue.named_search import Searcher, in_catalog_spelling, named_product_reply, named_subject
from dialogue.pointing import ProductCatalog
from dialogue.preferences import PREFERENCE_POOL, asked_preferences, prefer
from dialogue.refinements import Refinement, cheaper_than, pricier_than, read_refinement
from dialogue.reply import Reply
from dialogue.turn import Turn
from dialogue.untagged_kind import KindSearcher, untagged_absent_kind
from knowledge.search import SearchResult

#: Intents that start a new search: constraints not mentioned in the message are forgotten.
FRESH_SEARCH_INTENTS = {"search_products", "ask_recommendation"}
SEARCH_INTENTS = FRESH_SEARCH_INTENTS | {"refine_search"}
RESULTS_PER_TURN = 5
#: Products shown as the closest ones to a kind of product the store does not carry.
CLOSEST_PER_TURN = 3
#: What a catalog lacks when a filter cannot be applied (the Amazon catalog has no prices).
MISSING_DATA = {"price_min": "prices", "price_max": "prices", "color": "colours",
                "size": "sizes", "gender": "men's/women's ranges", "material": "materials",
                "product_type": "product types", "eco_friendly": "eco-collection data"}
#: Said when the vector store was down and the results come from keyword search alone.
KEYWORD_ONLY_NOTICE = ("(Our smart search is briefly unavailable, so I matched your words only: "
                       "these results may be less relevant.)")
YES_NO = [{"title": "Yes, show them", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
#: Constraints a catalog without the attribute still meets through the shopper's words in the
#: ranking query ("pla filament": the material is in the product names), so the reply does not
#: call them missing (issue 14: Amazon Scientific lists no materials, its names do).
MATCHED_BY_WORDS = frozenset({"material"})
BROAD_REQUEST_TEXT = "Happy to help you find something! Two quick questions first."
DECLINE_TEXT = ("All right, I'll keep your filters as they are. Is there something else I can "
                "look for, or shall I change another detail?")
START_OVER_TEXT = "Okay, let's start fresh. What are you looking for?"
#: What "start over" forgets besides the constraints; the cart stays.
SEARCH_MEMORY = ("shown_products", "seen_products", "focus_product", "pending_relaxation",
                 "compared_products", "finder_needed")


class ProductSearcher(Searcher, KindSearcher, Protocol):
    """The product search the turn asks (knowledge.search.ProductSearch)."""


def _constraint_slots(turn: Turn, intent: str | None, reply: Reply) -> dict[str, Any]:
    """Slot values to search with; forgets or relaxes constraints in ``reply``."""
    slots = {name: turn.slot(name) for name in CONSTRAINT_SLOTS}
    if intent in FRESH_SEARCH_INTENTS:
        mentioned = turn.entity_values()
        for name, value in slots.items():
            if value is not None and name not in mentioned:
                slots[name] = None
                reply.set(name, None)
    relax = turn.slot("pending_relaxation") if intent == "affirm" else None
    if relax in slots:
        slots[relax] = None
        reply.set(relax, None)
    return slots


def _query(turn: Turn, intent: str | None, filters: ProductFilters) -> str:
    """Words to rank by: this message for a new search, else the last search plus constraints."""
    if intent in FRESH_SEARCH_INTENTS:
        words = turn.message_text()
    else:
        words = " ".join(filter(None, [turn.last_text_with(FRESH_SEARCH_INTENTS),
                                       query_text(filters)]))
    return query_words(words) or query_text(filters)


def _result_text(result: SearchResult, filters: ProductFilters) -> tuple[str, str | None]:
    """Text of the reply and, for an empty result, the slot it offers to drop."""
    unsupported = list(result.unsupported_filters)
    for slot in unsupported:
        if slot in CONSTRAINT_LABELS:
            filters = filters.without(slot)
    wanted = describe(filters)
    if result.hits:
        count = len(result.hits)
        text = f"Here {'is 1 match' if count == 1 else f'are {count} matches'} for {wanted}:"
        missing = sorted({MISSING_DATA.get(slot, slot) for slot in unsupported
                          if slot not in MATCHED_BY_WORDS})
        if missing:
            text += (f" (This catalog has no {' or '.join(missing)}, so I could not filter "
                     "on them.)")
        return text, None
    relaxation = result.empty_because
    slot = relaxation.constraint if relaxation else None
    if relaxation and slot in CONSTRAINT_LABELS and relaxation.count:
        return (f"I couldn't find any {wanted}. Without {CONSTRAINT_LABELS[slot]} there "
                f"{'is' if relaxation.count == 1 else 'are'} {relaxation.count} — "
                "shall I show them?"), slot
    return (f"I couldn't find any {wanted} in our catalog. Could you describe it differently, "
            "or try a broader search?"), None


def _relative_price(turn: Turn, refinement: Refinement, slots: dict[str, Any],
                    catalog: ProductCatalog, reply: Reply) -> None:
    """"cheaper" / "more expensive": a price bound just beyond what was shown."""
    if not (refinement.cheaper or refinement.pricier):
        return
    shown = [catalog.product(pid) for pid in turn.slot("shown_products") or []]
    prices = [p.price for p in shown if p is not None]
    bound = cheaper_than(prices) if refinement.cheaper else pricier_than(prices)
    if bound is None:
        return
    name, other = ("price_max", "price_min") if refinement.cheaper else ("price_min", "price_max")
    slots[name] = bound
    reply.set(name, bound)
    limit = slots.get(other)
    if limit is not None and (float(limit) > bound if refinement.cheaper else float(limit) < bound):
        slots[other] = None
        reply.set(other, None)


def _refinement(turn: Turn, intent: str | None) -> Refinement:
    """The relative refinements this message asks for (only "eco" outside a refinement)."""
    refinement = (read_refinement(turn.message_text()) if intent in SEARCH_INTENTS
                  else Refinement())
    return refinement if intent == "refine_search" else Refinement(eco=refinement.eco)


def search_products(turn: Turn, search: ProductSearcher, catalog: ProductCatalog) -> Reply:
    """``search_products``, ``refine_search``, ``ask_recommendation`` and "yes, relax it"."""
    reply = Reply()
    finder_done = bool(turn.slot("finder_needed"))
    # the product finder just filled in for whom and what kind
    intent = "refine_search" if finder_done else turn.intent
    slots = _constraint_slots(turn, intent, reply)
    if finder_done:
        reply.set("finder_needed", None)
    elif intent == "search_products" and is_too_broad(
            turn.message_text(), any(slots.get(name) for name in CONSTRAINT_SLOTS)):
        return reply.say(turn.noticed(BROAD_REQUEST_TEXT)).set("finder_needed", True)
    refinement = _refinement(turn, intent)
    _relative_price(turn, refinement, slots, catalog, reply)
    if refinement.eco and not slots.get("eco_friendly"):
        slots["eco_friendly"] = True
        reply.set("eco_friendly", True)
    filters = ProductFilters.from_slots(slots)
    query = _query(turn, intent, filters)
    fresh = intent in FRESH_SEARCH_INTENTS and not finder_done
    subject = named_subject(turn, catalog) if fresh and intent == "search_products" else None
    if subject is not None:
        wanted = in_catalog_spelling(filters, search.vocabulary, turn.message_text())
        return named_product_reply(turn, subject, wanted, search, reply)
    reading = read_filters(filters, search.vocabulary, turn.message_text() if fresh else None)
    # a request to search (not for a recommendation, whose words may name no kind at all)
    if (fresh and intent == "search_products" and not filters.product_type
            and not reading.absent_type):
        reading = _untagged_kind(turn.message_text(), reading, search)
    for name, value in reading.updates.items():
        slots[name] = value
        reply.set(name, value)
    if reading.absent_type:
        return _absent(turn, search, reading, slots, query, reply)
    seen = list(turn.slot("seen_products") or []) if refinement.more else []
    preferences = asked_preferences(query, search.vocabulary.brands)
    wanted = RESULTS_PER_TURN + len(seen)
    pool = max(wanted, PREFERENCE_POOL) if preferences else wanted
    result = search.search(query, reading.filters, pool)
    if refinement.more:
        result.hits = [h for h in result.hits if h.product.id not in seen]
    ranking = prefer(result, preferences, RESULTS_PER_TURN, reading.display.product_type)
    _send_results(turn, ranking.result, reading.display, slots, query, seen, refinement.more,
                  reply, note=reading.unknown_note(), detail=ranking.note())
    return reply


def _untagged_kind(text: str, reading: CatalogReading, search: KindSearcher) -> CatalogReading:
    """``reading`` with the kind the untagged words name that the store lacks as its absent
    type (the same answer as for that kind tagged), or as it was."""
    kind = untagged_absent_kind(text, reading.filters, search)
    if kind is None:
        return reading
    return replace(reading, filters=reading.filters.without("product_type"),
                   display=reading.display.without("product_type"), absent_type=kind,
                   updates={**reading.updates, "product_type": None})


def _absent(turn: Turn, search: Searcher, reading: CatalogReading, slots: dict[str, Any],
            query: str, reply: Reply) -> Reply:
    """A kind of product this store does not carry: say so, say what it does sell, and show
    the closest products (if any fit the shopper's other constraints)."""
    result = search.search(query, reading.filters, CLOSEST_PER_TURN)
    text = absent_text(str(reading.absent_type), search.vocabulary, len(result.hits))
    cards = [product_card(hit.product, hit.reason) for hit in result.hits]
    summary = search_summary(slots, query, len(cards),
                             result.hits[0].score if result.hits else None)
    payload = products_payload(cards, summary) if cards else no_results_payload(summary)
    reply.say(turn.noticed(text), payload).set("pending_relaxation", None)
    if cards:
        ids = [card["id"] for card in cards]
        reply.set("shown_products", ids).set("seen_products", ids).set("focus_product", None)
    return reply


def _send_results(turn: Turn, result: SearchResult, filters: ProductFilters,
                  slots: dict[str, Any], query: str, seen: list[str], more: bool,
                  reply: Reply, note: str = "", detail: str = "") -> None:
    """The cards (or the no-results offer) and what they make the session remember; ``note``
    goes first (constraints left out because the catalog has no such value), ``detail`` after
    (how many cards have the measures and brand asked for)."""
    text, offer = _result_text(result, filters)
    if more:
        text = (f"Here are {len(result.hits)} more for {describe(filters)}:" if result.hits
                else f"That's everything I have for {describe(filters)}. Shall I change "
                     "a detail, like the colour or the price?")
    if detail:
        text += f" {detail}"
    if result.keyword_only and result.hits:
        text += f" {KEYWORD_ONLY_NOTICE}"
    if note:
        text = f"{note} {text}"
    cards = [product_card(hit.product, hit.reason) for hit in result.hits]
    summary = search_summary(slots, query, len(cards),
                             result.hits[0].score if result.hits else None)
    if cards:
        reply.say(turn.noticed(text), products_payload(cards, summary))
    else:
        reply.say(turn.noticed(text), no_results_payload(summary), YES_NO if offer else [])
    reply.set("pending_relaxation", offer)
    if cards:
        ids = [card["id"] for card in cards]
        reply.set("shown_products", ids)
        reply.set("seen_products", [*seen, *ids])
        reply.set("focus_product", cards[0]["id"] if len(cards) == 1 else None)


def decline_relaxation() -> Reply:
    """"No" to an offer to drop a constraint: keep the constraints and forget the offer."""
    return Reply().say(DECLINE_TEXT).set("pending_relaxation", None)


def start_over(turn: Turn) -> Reply:
    """"Start over": forget the search (constraints, results, focus); the cart stays."""
    reply = Reply().say(START_OVER_TEXT)
    for name in (*CONSTRAINT_SLOTS, *SEARCH_MEMORY):
        if turn.slot(name) is not None:
            reply.set(name, None)
    return reply
