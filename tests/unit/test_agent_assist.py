"""AgentAssist over fake answers, recommender and commerce: what it asks and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from assist.service import AgentAssist, AssistRequest
from catalog.domain import Product
from commerce.pricing import CartView
from dialogue.cards import citation_payload
from knowledge.answers import Answer, Citation
from recommender.service import Recommendation, ShopperContext

HOODIE = Product(id="MH01", name="Chaz Kangeroo Hoodie", description="Warm.",
                 category="Men/Tops/Hoodies & Sweatshirts", product_type="Hoodies & Sweatshirts",
                 gender="men", price=52.0, image="mh01-gray_main.jpg")
JACKET = Product(id="WJ01", name="Stellar Solar Jacket", description="Light.",
                 category="Women/Tops/Jackets", product_type="Jackets", gender="women", price=75.0)
CITATION = Citation(source="attribute", product_id="MH01", title="Chaz Kangeroo Hoodie",
                    quote="Material: Fleece.")


@dataclass
class FakeAnswers:
    grounded: bool = True
    calls: list[tuple] = field(default_factory=list)

    def answer_product_question(self, product_id: str, question: str) -> Answer:
        self.calls.append(("product", product_id, question))
        return Answer("It is fleece.", self.grounded, [CITATION])

    def answer_policy_question(self, question: str, topic: str | None = None) -> Answer:
        self.calls.append(("policy", question, topic))
        return Answer("Returns within 30 days.", True, [])


@dataclass
class FakeRecommender:
    contexts: list[ShopperContext] = field(default_factory=list)
    products: dict[str, Product] = field(default_factory=lambda: {"MH01": HOODIE, "WJ01": JACKET})

    def propensity(self, context: ShopperContext, product_ids: list[str]) -> dict[str, float]:
        self.contexts.append(context)
        return {pid: 0.25 for pid in product_ids}

    def recommend(self, context: ShopperContext, k: int = 5) -> list[Recommendation]:
        self.contexts.append(context)
        return [Recommendation(JACKET, 0.9, "often bought with the Chaz Kangeroo Hoodie")]


class FakeCommerce:
    def view_cart(self, sender_id: str) -> CartView:
        return CartView(sender_id=sender_id)


def _assist(answers: FakeAnswers | None = None) -> tuple[AgentAssist, FakeAnswers,
                                                         FakeRecommender]:
    answers, recommender = answers or FakeAnswers(), FakeRecommender()
    return AgentAssist(answers, recommender, FakeCommerce()), answers, recommender


def test_products_snippets_and_draft_come_from_the_services() -> None:
    assist, answers, recommender = _assist()
    found = assist.suggest(AssistRequest("s1", viewed=("WJ01",), focus_product="MH01",
                                         question="is the first one warm?",
                                         intent="ask_product_question"))
    assert recommender.contexts == [ShopperContext(history=("WJ01", "MH01"), carted=(),
                                                   query="is the first one warm?")]
    assert answers.calls == [("product", "MH01", "is it warm?")]  # as the bot's action asks
    assert found.products[0]["id"] == "WJ01"
    assert found.products[0]["reason"] == "often bought with the Chaz Kangeroo Hoodie"
    assert found.snippets == [citation_payload(CITATION)]
    assert found.draft == "It is fleece." and found.grounded
    assert [card["id"] for card in found.viewed] == ["MH01", "WJ01"]
    assert found.cart["type"] == "cart" and found.cart["items"] == []


def test_an_ungrounded_answer_gives_no_draft_but_keeps_its_snippets() -> None:
    assist, _, _ = _assist(FakeAnswers(grounded=False))
    found = assist.suggest(AssistRequest("s1", focus_product="MH01", question="is it warm?"))
    assert found.draft == "" and found.snippets


def test_policy_intents_ask_the_store_pages_with_their_topic() -> None:
    assist, answers, _ = _assist()
    found = assist.suggest(AssistRequest("s1", question="how much is shipping?",
                                         intent="ask_shipping"))
    assert answers.calls == [("policy", "how much is shipping?", "shipping")]
    assert found.draft == "Returns within 30 days."


def test_no_question_no_answer() -> None:
    assist, answers, _ = _assist()
    found = assist.suggest(AssistRequest("s1"))
    assert answers.calls == [] and found.snippets == [] and found.draft == ""


@pytest.mark.parametrize("body, message", [
    ([], "JSON object"),
    ({}, "conversation_id"),
    ({"conversation_id": "a", "viewed": "MH01"}, "viewed"),
    ({"conversation_id": "a", "focus_product": 3}, "focus_product"),
    ({"conversation_id": "a", "question": "x" * 2001}, "question"),
])
def test_bad_requests_are_refused_with_a_clear_message(body: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AssistRequest.from_json(body)


def test_propensity_scores_the_products_for_the_shoppers_history() -> None:
    assist, _, recommender = _assist()
    assert assist.propensity(["MH01"], ["WJ01"], ["WJ01", "MH01"]) == {"WJ01": 0.25, "MH01": 0.25}
    assert recommender.contexts == [ShopperContext(history=("MH01",), carted=("WJ01",))]


@pytest.mark.parametrize("body, message", [
    ([], "JSON object"),
    ({"history": "MH01"}, "history must be a list"),
    ({"history": [1]}, "history must be a list"),
    ({"product_ids": ["x"] * 201}, "more than 200"),
])
def test_bad_propensity_requests_are_refused(body: object, message: str) -> None:
    from assist.routes import _id_list

    with pytest.raises((TypeError, ValueError), match=message):
        for key in ("history", "carted", "product_ids"):
            _id_list(body, key)
