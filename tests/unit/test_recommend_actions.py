"""Recommendation actions with a fake recommender: exact calls, events and payloads."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from rasa_sdk.events import SlotSet

from actions import services as action_services
from actions.common import read_turn
from actions.recommend import ActionRecommendProducts, ActionShowComplements, ActionShowSimilar
from catalog.domain import Product
from catalog.filters import ProductFilters
from dialogue.recommend import HISTORY_LENGTH, shopper_context
from recommender.service import Recommendation, ShopperContext
from tests.unit.test_actions import JACKET, FakeCheck, FakeServices, run, tracker

HOODIE = Product(id="MH01", name="Chaz Kangeroo Hoodie", description="Warm.",
                 category="Men/Tops/Hoodies & Sweatshirts", product_type="Hoodies & Sweatshirts",
                 gender="men", price=52.0)


@dataclass
class FakeRecommender:
    found: list[Product] = field(default_factory=lambda: [JACKET])
    calls: list[tuple] = field(default_factory=list)
    check: FakeCheck = field(default_factory=FakeCheck)
    products: dict[str, Product] = field(
        default_factory=lambda: {p.id: p for p in (JACKET, HOODIE)})

    def _out(self, reason: str) -> list[Recommendation]:
        return [Recommendation(p, 0.5, reason) for p in self.found]

    def recommend(self, context: ShopperContext, k: int, filters: ProductFilters
                  ) -> list[Recommendation]:
        self.calls.append(("recommend", context, k, filters))
        return self._out("matches 'yoga'")

    def similar(self, product_id: str, k: int) -> list[Recommendation]:
        self.calls.append(("similar", product_id, k))
        return self._out("similar to the Chaz Kangeroo Hoodie you looked at")

    def goes_with(self, product_id: str, k: int) -> list[Recommendation]:
        self.calls.append(("goes_with", product_id, k))
        return self._out("often bought with the Chaz Kangeroo Hoodie you looked at")


@pytest.fixture
def rec() -> FakeRecommender:
    recommender = FakeRecommender()
    action_services.set_services(FakeServices(), recommender)
    yield recommender
    action_services.set_services(None)


def test_recommendation_uses_request_history_and_cart(rec: FakeRecommender) -> None:
    dispatcher, events = run(ActionRecommendProducts(), tracker(
        "what would you recommend for yoga?", "ask_recommendation",
        {"viewed_products": ["MH01"], "focus_product": "WJ09", "carted_products": ["MH01"],
         "color": "red"},
        [{"entity": "activity", "value": "yoga"}]))
    [(kind, context, k, filters)] = rec.calls
    assert kind == "recommend" and k == 5
    assert context == ShopperContext(history=("MH01", "WJ09"), carted=("MH01",),
                                     query="what would you recommend for yoga?")
    assert filters.color is None  # a new request forgets the colour of an earlier search
    [message] = dispatcher.messages
    assert message["text"] == "Here are my suggestions picked for you from what you've looked at:"
    assert message["custom"]["type"] == "products"
    assert message["custom"]["products"][0]["reason"] == "matches 'yoga'"
    assert SlotSet("shown_products", ["WJ09"]) in events
    assert SlotSet("color", None) in events and SlotSet("activity", "yoga") in events
    assert events[-1] == SlotSet("pending_relaxation", None)


def test_first_time_shopper_gets_plain_suggestions(rec: FakeRecommender) -> None:
    dispatcher, _ = run(ActionRecommendProducts(), tracker("pick something", "ask_recommendation"))
    assert rec.calls[0][1] == ShopperContext(query="pick something")
    assert dispatcher.messages[0]["text"] == "Here are my suggestions:"


def test_nothing_to_recommend_asks_for_more(rec: FakeRecommender) -> None:
    rec.found = []
    dispatcher, events = run(ActionRecommendProducts(), tracker("hmm", "ask_recommendation"))
    assert "tell me a bit more" in dispatcher.messages[0]["text"]
    assert not any(e.get("name") == "shown_products" for e in events)


def test_similar_to_the_second_one(rec: FakeRecommender) -> None:
    dispatcher, events = run(ActionShowSimilar(), tracker(
        "anything similar to the second one?", "ask_similar",
        {"shown_products": ["WJ09", "MH01"], "viewed_products": ["MH01", "X1"]}))
    assert rec.calls == [("similar", "MH01", 5)]
    assert dispatcher.messages[0]["text"] == "More like the Chaz Kangeroo Hoodie:"
    assert events == [SlotSet("viewed_products", ["X1", "MH01"]),
                      SlotSet("focus_product", "MH01"),
                      SlotSet("shown_products", ["WJ09"])]


def test_similar_without_a_product_asks_which(rec: FakeRecommender) -> None:
    dispatcher, events = run(ActionShowSimilar(), tracker("more like this", "ask_similar"))
    assert rec.calls == [] and events == []
    assert dispatcher.messages[0]["text"].startswith("Similar to which product?")


def test_goes_with_the_focus_product(rec: FakeRecommender) -> None:
    dispatcher, events = run(ActionShowComplements(), tracker(
        "what goes with it?", "ask_complementary", {"focus_product": "MH01"}))
    assert rec.calls == [("goes_with", "MH01", 5)]
    card = dispatcher.messages[0]["custom"]["products"][0]
    assert card["reason"] == "often bought with the Chaz Kangeroo Hoodie you looked at"
    assert SlotSet("focus_product", "MH01") in events


def test_nothing_goes_with_it(rec: FakeRecommender) -> None:
    rec.found = []
    dispatcher, events = run(ActionShowComplements(), tracker(
        "what goes with it?", "ask_complementary", {"focus_product": "MH01"}))
    assert dispatcher.messages[0]["text"] == (
        "I don't have anything to pair with the Chaz Kangeroo Hoodie yet.")
    assert SlotSet("shown_products", ["WJ09"]) not in events


def test_history_is_bounded() -> None:
    viewed = [f"P{i}" for i in range(HISTORY_LENGTH + 5)]
    context = shopper_context(read_turn(tracker("x", "ask_recommendation",
                                                {"viewed_products": viewed})))
    assert context.history == tuple(viewed[-HISTORY_LENGTH:])
