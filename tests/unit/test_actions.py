"""Action logic with fake services: exact events and payloads."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import services as action_services
from actions.fallback import ActionHandleFallback
from actions.handoff import ActionHumanHandoff
from actions.policy import ActionAnswerPolicy
from actions.questions import ActionAnswerQuestion
from actions.search import ActionSearchProducts
from catalog.domain import Product, Variant
from catalog.filters import ProductFilters
from catalog.vocabulary import CatalogVocabulary
from dialogue.fallback import EMPTY_TEXT
from knowledge.answers import Answer, Citation
from knowledge.search import Relaxation, SearchHit, SearchResult

JACKET = Product(
    id="WJ09", name="Jade Yoga Jacket", description="A light jacket.", category="Women/Tops/Jackets",
    product_type="Jackets", gender="women", price=32.0, colors=("Blue", "Gray"), sizes=("XS", "S"),
    image="wj09-blue_main.jpg",
    variants=(Variant("WJ09-XS-Blue", "WJ09", "XS", "Blue", 100, True),),
)


HOODIE = Product(id="HOOD", name="Hero Hoodie", description="", category="Men/Tops/Hoodies",
                 product_type="Hoodies & Sweatshirts", gender="men", price=54.0)


@dataclass
class FakeCheck:
    types: tuple[str, ...] = ("Jackets", "Hoodies & Sweatshirts")

    def matching_types(self, wanted: str) -> list[str]:
        return [t for t in self.types if wanted.lower().rstrip("s") in t.lower()]


@dataclass
class FakeSearch:
    hits: list[Product] = field(default_factory=list)
    empty_because: Relaxation | None = None
    calls: list[tuple[str, ProductFilters, int]] = field(default_factory=list)
    check: FakeCheck = field(default_factory=FakeCheck)
    vocabulary: CatalogVocabulary = field(
        default_factory=lambda: CatalogVocabulary.from_products([JACKET, HOODIE]))

    def search(self, query: str, filters: ProductFilters, k: int) -> SearchResult:
        self.calls.append((query, filters, k))
        return SearchResult(query, filters, [SearchHit(p, 1.0, "because") for p in self.hits],
                            empty_because=self.empty_because)


@dataclass
class FakeAnswers:
    asked: list[tuple[str, ...]] = field(default_factory=list)

    def answer_product_question(self, product_id: str, question: str) -> Answer:
        self.asked.append((product_id, question))
        return Answer("It is light.", True, [Citation("description", product_id, "Jade", "A light jacket.")])

    def answer_policy_question(self, question: str, topic: str | None = None) -> Answer:
        self.asked.append((question, str(topic)))
        return Answer("I don't know.", False, [])


@dataclass
class FakeCatalog:
    def find_products_by_name(self, text: str) -> list[Product]:
        return [JACKET] if "jade" in text.lower() else []

    def find_products_in_text(self, text: str) -> list[Product]:
        return [JACKET] if "jade yoga jacket" in text.lower() else []

    def product(self, product_id: str) -> Product | None:
        return {"WJ09": JACKET, "HOOD": HOODIE}.get(product_id)


@dataclass
class FakeServices:
    search: FakeSearch = field(default_factory=FakeSearch)
    answers: FakeAnswers = field(default_factory=FakeAnswers)
    catalog: FakeCatalog = field(default_factory=FakeCatalog)


@pytest.fixture
def fake() -> FakeServices:
    services = FakeServices()
    action_services.set_services(services)
    yield services
    action_services.set_services(None)


def tracker(text: str, intent: str, slots: dict[str, Any] | None = None,
            entities: list[dict[str, Any]] | None = None, **latest: Any) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": entities or [], **latest}
    events = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("shopper", slots or {}, message, events, False, None, {}, "action_listen")


def run(action: Any, track: Tracker) -> tuple[CollectingDispatcher, list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, {}))
    return dispatcher, events


def test_search_sends_cards_and_remembers_what_was_shown(fake: FakeServices) -> None:
    fake.search.hits = [JACKET]
    slots = {"gender": "women", "product_type": "jackets", "price_max": 80.0, "color": "red"}
    entities = [{"entity": "gender", "value": "women"}, {"entity": "product_type", "value": "jackets"},
                {"entity": "price_max", "value": 80.0}]
    dispatcher, events = run(ActionSearchProducts(), tracker(
        "I need a women's jacket under $80", "search_products", slots, entities))
    query, filters, _ = fake.search.calls[0]
    assert query == "a women's jacket"
    assert filters == ProductFilters(price_max=80.0, gender="women", product_type="jackets")
    [message] = dispatcher.messages
    assert message["text"] == "Here is 1 match for women's jackets under $80:"
    card = message["custom"]["products"][0]
    assert card == {"id": "WJ09", "name": "Jade Yoga Jacket", "price": 32.0, "currency": "USD",
                    "category": "Women/Tops/Jackets", "colors": ["Blue", "Gray"],
                    "sizes": ["XS", "S"], "image": "/images/wj09-blue_main.jpg", "reason": "because"}
    # a new search forgets the colour that the message did not mention
    assert events == [SlotSet("color", None), SlotSet("pending_relaxation", None),
                      SlotSet("shown_products", ["WJ09"]), SlotSet("seen_products", ["WJ09"]),
                      SlotSet("focus_product", "WJ09")]


def test_refine_keeps_constraints_and_broad_words_become_categories(fake: FakeServices) -> None:
    fake.search.hits = [JACKET]
    run(ActionSearchProducts(), tracker("in blue", "refine_search",
                                        {"product_type": "tops", "color": "blue", "price_max": 50}))
    _, filters, _ = fake.search.calls[0]
    assert filters == ProductFilters(price_max=50.0, color="blue", product_type="tops")


def test_empty_search_offers_to_drop_the_emptying_constraint(fake: FakeServices) -> None:
    fake.search.empty_because = Relaxation("price_max", 12)
    dispatcher, events = run(ActionSearchProducts(), tracker(
        "jackets under 10", "search_products", {"product_type": "jackets", "price_max": 10},
        [{"entity": "product_type", "value": "jackets"}, {"entity": "price_max", "value": 10}]))
    [message] = dispatcher.messages
    assert message["text"].startswith("I couldn't find any jackets under $10. Without the price limit there are 12")
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]
    assert events == [SlotSet("pending_relaxation", "price_max")]


def test_affirm_drops_the_offered_constraint(fake: FakeServices) -> None:
    fake.search.hits = [JACKET]
    run(ActionSearchProducts(), tracker(
        "yes", "affirm", {"product_type": "jackets", "price_max": 10, "pending_relaxation": "price_max"}))
    _, filters, _ = fake.search.calls[0]
    assert filters.price_max is None and filters.product_type == "jackets"


def test_question_resolves_ordinal_and_sets_focus(fake: FakeServices) -> None:
    dispatcher, events = run(ActionAnswerQuestion(), tracker(
        "is the first one waterproof?", "ask_product_question",
        {"shown_products": ["WJ09", "X"], "viewed_products": ["WJ09", "MH01"]}))
    assert fake.answers.asked == [("WJ09", "is it waterproof?")]
    [message] = dispatcher.messages
    assert message["custom"]["type"] == "answer" and message["custom"]["grounded"] is True
    assert events == [SlotSet("focus_product", "WJ09"),
                      SlotSet("viewed_products", ["MH01", "WJ09"])]


def test_question_by_name_and_without_any_product(fake: FakeServices) -> None:
    run(ActionAnswerQuestion(), tracker("is the jade jacket warm", "ask_product_question", {},
                                        [{"entity": "product", "value": "jade jacket"}]))
    assert fake.answers.asked == [("WJ09", "is the jade jacket warm")]
    dispatcher, events = run(ActionAnswerQuestion(), tracker("is it warm", "ask_product_question"))
    assert "Which product do you mean" in dispatcher.messages[0]["text"] and events == []


def test_policy_topic_follows_intent(fake: FakeServices) -> None:
    dispatcher, _ = run(ActionAnswerPolicy(), tracker("how long is delivery", "ask_shipping"))
    assert fake.answers.asked == [("how long is delivery", "shipping")]
    assert dispatcher.messages[0]["custom"]["grounded"] is False


def test_handoff_is_recorded_and_long_messages_get_a_notice(fake: FakeServices) -> None:
    dispatcher, events = run(ActionHumanHandoff(), tracker("human please", "human_handoff"))
    assert events == [SlotSet("handoff_requested", True)]
    dispatcher, _ = run(ActionHandleFallback(), tracker("   ", "nlu_fallback"))
    assert dispatcher.messages[0]["text"] == EMPTY_TEXT
    dispatcher, _ = run(ActionHandleFallback(), tracker("x" * 10, "nlu_fallback", aisle_truncated=True))
    assert dispatcher.messages[0]["text"].startswith("Your message was very long")


def test_filters_the_catalog_cannot_apply_are_named_not_failed(fake: FakeServices) -> None:
    fake.search.hits = [JACKET]
    original = fake.search.search

    def without_prices(query: str, filters: ProductFilters, k: int) -> SearchResult:
        result = original(query, filters, k)
        result.unsupported_filters = ["price_max"]
        return result

    fake.search.search = without_prices
    # a catalog that has calipers (an untagged kind the catalog lacks is said not carried)
    fake.search.vocabulary = CatalogVocabulary.from_products([JACKET, Product(
        id="DC1", name="Digital Caliper", description="", category="Tools/Measuring",
        product_type="Measuring")])
    dispatcher, _ = run(ActionSearchProducts(), tracker(
        "digital caliper under $30", "search_products", {"price_max": 30.0},
        [{"entity": "price_max", "value": 30.0}]))
    assert dispatcher.messages[0]["text"] == (
        "Here is 1 match for products: (This catalog has no prices, so I could not filter on them.)")


def test_a_material_the_catalog_lists_no_attribute_for_is_matched_by_words_not_called_missing(
        fake: FakeServices) -> None:
    fake.search.hits = [JACKET]
    original = fake.search.search

    def without_prices_or_materials(query: str, filters: ProductFilters, k: int) -> SearchResult:
        result = original(query, filters, k)
        result.unsupported_filters = ["material", "price_max"]
        return result

    fake.search.search = without_prices_or_materials
    fake.search.vocabulary = CatalogVocabulary.from_products([JACKET, Product(
        id="PLA1", name="PLA Filament 1.75 mm", description="", category="3D Printing/Filament",
        product_type="Filament")])
    dispatcher, _ = run(ActionSearchProducts(), tracker(
        "pla filament under 20 dollars", "search_products",
        {"price_max": 20.0, "material": "pla"},
        [{"entity": "price_max", "value": 20.0}, {"entity": "material", "value": "pla"}]))
    text = dispatcher.messages[0]["text"]
    assert "(This catalog has no prices, so I could not filter on them.)" in text
    assert "material" not in text


def _ranked(text: str, ranking: list[tuple[str, float]], previous: str | None = None,
            slots: dict | None = None):  # type: ignore[no-untyped-def]
    message = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.4},
               "entities": [{"entity": "color", "value": "blue"}],
               "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]}
    events = []
    if previous:
        events.append({"event": "user", "text": "earlier",
                       "parse_data": {"intent": {"name": previous}}})
    events.append({"event": "user", "text": text, "parse_data": message})
    from rasa_sdk import Tracker as _Tracker

    return _Tracker("shopper", slots or {}, message, events, False, None, {}, "action_listen")


def test_fallback_asks_did_you_mean_with_the_two_likeliest_intents() -> None:
    from dialogue.fallback import CLARIFY_TEXT, NONE_OF_THESE

    track = _ranked("blue thingy for the gym maybe", [
        ("nlu_fallback", 0.4), ("search_products", 0.35), ("greet", 0.2),
        ("ask_recommendation", 0.3), ("refine_search", 0.1)])
    dispatcher, events = run(ActionHandleFallback(), track)
    [message] = dispatcher.messages
    assert message["text"] == CLARIFY_TEXT
    assert message["buttons"] == [
        {"title": "Find products", "payload": '/search_products{"color": "blue"}'},
        {"title": "Get a recommendation", "payload": '/ask_recommendation{"color": "blue"}'},
        NONE_OF_THESE]
    assert events == [SlotSet("clarified_text", "blue thingy for the gym maybe")]


def test_second_fallback_in_a_row_gives_up_and_offers_a_person() -> None:
    from dialogue.fallback import NOT_UNDERSTOOD_TEXT

    track = _ranked("zzz qqq", [("search_products", 0.3)], previous="nlu_fallback")
    dispatcher, events = run(ActionHandleFallback(), track)
    assert dispatcher.messages[0]["text"] == NOT_UNDERSTOOD_TEXT
    assert {"title": "Talk to a person", "payload": "/human_handoff"} in dispatcher.messages[0]["buttons"]
    assert events == [SlotSet("clarified_text", None)]


def test_button_after_clarification_reads_the_typed_words() -> None:
    from actions.common import read_turn

    track = _ranked("/search_products", [], previous="nlu_fallback",
                    slots={"clarified_text": "blue thingy for the gym"})
    assert read_turn(track).message_text() == "blue thingy for the gym"
    later = _ranked("/search_products", [], previous="greet",
                    slots={"clarified_text": "blue thingy for the gym"})
    assert read_turn(later).message_text() == "/search_products"


def test_cheaper_sets_a_ceiling_just_under_the_cheapest_shown(fake: FakeServices) -> None:
    fake.search.hits = [JACKET]
    _, events = run(ActionSearchProducts(), tracker(
        "anything cheaper?", "refine_search",
        {"shown_products": ["WJ09", "HOOD"], "price_min": 40, "product_type": "jackets"}))
    _, filters, _ = fake.search.calls[0]
    assert filters.price_max == 31.99 and filters.price_min is None
    assert events[:2] == [SlotSet("price_max", 31.99), SlotSet("price_min", None)]


def test_more_expensive_sets_a_floor_and_an_explicit_price_wins(fake: FakeServices) -> None:
    run(ActionSearchProducts(), tracker("more expensive ones", "refine_search",
                                        {"shown_products": ["WJ09", "HOOD"]}))
    assert fake.search.calls[-1][1].price_min == 54.01
    run(ActionSearchProducts(), tracker(
        "cheaper, under 20", "refine_search", {"shown_products": ["WJ09"], "price_max": 20.0},
        [{"entity": "price_max", "value": 20.0}]))
    assert fake.search.calls[-1][1].price_max == 20.0


def test_show_me_more_pages_past_what_was_seen(fake: FakeServices) -> None:
    fake.search.hits = [JACKET, HOODIE]
    dispatcher, events = run(ActionSearchProducts(), tracker(
        "show me more", "refine_search", {"shown_products": ["WJ09"], "seen_products": ["WJ09"]}))
    assert fake.search.calls[0][2] == 6  # five more than already seen
    assert [c["id"] for c in dispatcher.messages[0]["custom"]["products"]] == ["HOOD"]
    assert dispatcher.messages[0]["text"].startswith("Here are 1 more for")
    assert SlotSet("seen_products", ["WJ09", "HOOD"]) in events
    fake.search.hits = [JACKET]
    dispatcher, _ = run(ActionSearchProducts(), tracker(
        "any others?", "refine_search", {"seen_products": ["WJ09"]}))
    assert dispatcher.messages[0]["text"].startswith("That's everything I have for")


def test_start_over_forgets_the_search_but_not_the_cart(fake: FakeServices) -> None:
    from actions.search import ActionStartOver

    dispatcher, events = run(ActionStartOver(), tracker("start over", "start_over", {
        "color": "blue", "price_max": 50.0, "shown_products": ["WJ09"], "focus_product": "WJ09",
        "carted_products": ["MH01"]}))
    assert dispatcher.messages[0]["text"] == "Okay, let's start fresh. What are you looking for?"
    assert events == [SlotSet("color", None), SlotSet("price_max", None),
                      SlotSet("shown_products", None), SlotSet("focus_product", None)]


def test_a_broad_request_starts_the_finder_and_its_answers_search(fake: FakeServices) -> None:
    dispatcher, events = run(ActionSearchProducts(), tracker("I need clothes", "search_products"))
    assert fake.search.calls == []
    assert dispatcher.messages[0]["text"].startswith("Happy to help you find something!")
    assert events == [SlotSet("finder_needed", True)]
    fake.search.hits = [JACKET]
    _, events = run(ActionSearchProducts(), tracker(
        "a jacket", "search_products",
        {"finder_needed": True, "gender": "women", "product_type": "Jackets"}))
    _, filters, _ = fake.search.calls[0]
    assert filters.gender == "women" and filters.product_type == "Jackets"
    assert events[0] == SlotSet("finder_needed", None)


def test_complaint_apologises_and_flags_the_conversation(fake: FakeServices) -> None:
    from actions.handoff import ActionHandleComplaint
    from dialogue.handoff import COMPLAINT_TEXT

    dispatcher, events = run(ActionHandleComplaint(), tracker("this is awful", "complaint"))
    assert dispatcher.messages[0]["text"] == COMPLAINT_TEXT
    assert dispatcher.messages[0]["custom"] == {"type": "handoff", "status": "requested",
                                                "reason": "complaint"}
    assert events == [SlotSet("handoff_requested", True)]


def test_how_much_after_several_cards_lists_their_prices(fake: FakeServices) -> None:
    dispatcher, events = run(ActionAnswerQuestion(), tracker(
        "how much?", "ask_product_question", {"shown_products": ["WJ09", "HOOD"]}))
    assert dispatcher.messages[0]["text"] == (
        "Their prices: Jade Yoga Jacket $32.00; Hero Hoodie $54.00.")
    assert fake.answers.asked == [] and events == []
    dispatcher, _ = run(ActionAnswerQuestion(), tracker(
        "are they waterproof?", "ask_product_question", {"shown_products": ["WJ09", "HOOD"]}))
    assert "Which product do you mean" in dispatcher.messages[0]["text"]


def test_an_ordinal_points_at_the_cards_whatever_words_name_another_product(
        fake: FakeServices) -> None:
    run(ActionAnswerQuestion(), tracker(
        "is the second one as warm as the jade yoga jacket?", "ask_product_question",
        {"shown_products": ["WJ09", "HOOD"]}))
    assert fake.answers.asked[0][0] == "HOOD"


def test_whether_a_product_comes_in_a_size_or_colour_is_read_from_the_catalog(
        fake: FakeServices) -> None:
    dispatcher, events = run(ActionAnswerQuestion(), tracker(
        "does it come in XL?", "ask_product_question", {"focus_product": "WJ09"},
        [{"entity": "size", "value": "XL"}]))
    assert dispatcher.messages[0]["text"] == (
        "No — the Jade Yoga Jacket comes in sizes XS and S, not XL.")
    assert fake.answers.asked == [] and SlotSet("focus_product", "WJ09") in events
    dispatcher, _ = run(ActionAnswerQuestion(), tracker(
        "got it in blue, size xs?", "ask_product_question", {"focus_product": "WJ09"},
        [{"entity": "color", "value": "blue"}]))
    assert dispatcher.messages[0]["text"] == "Yes, the Jade Yoga Jacket comes in blue and size XS."
    run(ActionAnswerQuestion(), tracker("does the XS run small?", "ask_product_question",
                                        {"focus_product": "WJ09"}, [{"entity": "size", "value": "XS"}]))
    assert fake.answers.asked == [("WJ09", "does the XS run small?")]
