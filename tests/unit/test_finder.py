"""The product finder: broad requests, answers read and checked against the catalog."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services as action_services
from actions.finder import ActionAskProductFinderFormProductType, ValidateProductFinderForm
from catalog.domain import Product
from dialogue.finder import ProductsCarried, choose_type, is_too_broad, offered_types, read_gender


def _p(pid: str, gender: str | None, product_type: str, in_stock: bool = True) -> Product:
    return Product(id=pid, name=pid, description="", category="x", gender=gender,
                   product_type=product_type, in_stock=in_stock)


CATALOG = [_p("WJ1", "women", "Jackets"), _p("WJ2", "women", "Jackets"),
           _p("WB1", "women", "Bras & Tanks"), _p("MT1", "men", "Tees"),
           _p("B1", None, "Bags"), _p("F1", "unisex", "Fitness Equipment"),
           _p("MX", "men", "Shorts", in_stock=False)]


@pytest.mark.parametrize(("text", "broad"), [
    ("I need clothes", True), ("I'm looking for something to wear", True),
    ("what do you sell?", True), ("I need a jacket", False), ("something for yoga", False),
])
def test_is_too_broad(text: str, broad: bool) -> None:
    assert is_too_broad(text, has_constraints=False) is broad
    assert is_too_broad(text, has_constraints=True) is False


@pytest.mark.parametrize(("text", "gender"), [
    ("for my wife", "women"), ("women's please", "women"), ("it's for my husband", "men"),
    ("doesn't matter", "unisex"), ("for me", None),
])
def test_read_gender(text: str, gender: str | None) -> None:
    assert read_gender(text) == gender


def test_offered_types_by_audience() -> None:
    assert offered_types(CATALOG, "women") == ["Jackets", "Bras & Tanks", "Bags",
                                              "Fitness Equipment"]
    assert "Shorts" not in offered_types(CATALOG, "men")  # out of stock
    assert choose_type("a jacket", ProductsCarried(CATALOG), "women").product_type == "Jackets"
    tees = choose_type("tees", ProductsCarried(CATALOG), "women")
    assert tees.product_type is None and tees.carried_for_others
    assert choose_type("a kayak", ProductsCarried(CATALOG), None).carried_for_others is False


@dataclass
class Search:
    products: dict = field(default_factory=lambda: {p.id: p for p in CATALOG})


@dataclass
class Services:
    search: Search = field(default_factory=Search)


@pytest.fixture(autouse=True)
def services() -> None:
    action_services.set_services(Services())
    yield
    action_services.set_services(None)


def _tracker(slots: dict) -> Tracker:
    return Tracker("s", slots, {"text": "x", "intent": {"name": "refine_search"}}, [], False,
                   None, {"name": "product_finder_form"}, "action_listen")


def _validate(method: str, value: str, slots: dict) -> tuple[dict, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    form = ValidateProductFinderForm()
    out = asyncio.run(getattr(form, method)(value, dispatcher, _tracker(slots), {}))
    return out, dispatcher


def test_gender_answers_are_normalised_or_asked_again() -> None:
    assert _validate("validate_gender", "for my wife", {})[0] == {"gender": "women"}
    assert _validate("validate_gender", "doesn't matter", {})[0] == {"gender": "any"}
    out, dispatcher = _validate("validate_gender", "blue", {})
    assert out == {"gender": None}
    assert dispatcher.messages[0]["response"] == "utter_ask_product_finder_form_gender"


def test_a_type_not_carried_for_the_audience_is_named_with_alternatives() -> None:
    assert _validate("validate_product_type", "jackets", {"gender": "women"})[0] == {
        "product_type": "Jackets"}
    out, dispatcher = _validate("validate_product_type", "tees", {"gender": "women"})
    assert out == {"product_type": None}
    text = dispatcher.messages[0]["text"]
    assert text.startswith("We don't carry that for women. For women we have jackets, "
                           "bras & tanks, bags, fitness equipment.")
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]][0] == "Jackets"
    out, dispatcher = _validate("validate_product_type", "kayaks", {"gender": "any"})
    assert dispatcher.messages[0]["text"].startswith("Sorry, we don't carry “kayaks”.")


def test_the_type_question_offers_what_the_audience_can_buy() -> None:
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionAskProductFinderFormProductType().run(
        dispatcher, _tracker({"gender": "men"}), {}))
    assert dispatcher.messages[0]["text"] == ("What kind of item are you after? For men we have "
                                              "tees, bags, fitness equipment.")
