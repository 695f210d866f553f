"""Product comparison: rows, differences, summary, multi-product references and the action."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from rasa_sdk.events import SlotSet

from actions import services as action_services
from actions.compare import ActionCompareProducts
from catalog.domain import Product
from dialogue.compare import compare_products
from dialogue.references import ordinal_indexes, resolve_products
from tests.unit.test_actions import run, tracker

CHAZ = Product(id="MH01", name="Chaz Kangeroo Hoodie", description="", category="Men/Tops/Hoodies",
               price=52.0, colors=("Black", "Gray"), sizes=("S", "M"), materials=("Fleece",),
               rating=4.0, review_count=3, climates=("Cool",))
MACH = Product(id="MH03", name="Mach Street Sweatshirt", description="",
               category="Men/Tops/Hoodies", price=62.0, colors=("Black",), sizes=("S", "M"),
               materials=("Cotton",), rating=None, review_count=0, climates=("Cool",),
               eco_friendly=True)


def test_rows_keep_core_attributes_and_only_differing_extras() -> None:
    comparison = compare_products([CHAZ, MACH])
    rows = {row.attribute: row for row in comparison.rows}
    assert list(rows) == ["Price", "Material", "Colours", "Sizes", "Rating", "Reviews",
                          "Eco collection"]
    assert rows["Price"].values == ("$52.00", "$62.00") and rows["Price"].differs
    assert rows["Sizes"].values == ("S, M", "S, M") and not rows["Sizes"].differs
    assert rows["Rating"].values == ("4.0/5", "no ratings")
    assert "Climate" not in rows  # equal, and not a core row


def test_summary_names_the_cheapest_and_the_differences() -> None:
    summary = compare_products([MACH, CHAZ]).summary()
    assert summary.startswith("The Chaz Kangeroo Hoodie is the cheapest at $52.00.")
    assert "material: Cotton vs Fleece" in summary
    assert "eco collection: yes vs no" in summary


def test_one_product_is_not_a_comparison() -> None:
    with pytest.raises(ValueError):
        compare_products([CHAZ])


@pytest.mark.parametrize(("text", "expected"), [
    ("compare the first two", ["A", "B"]),
    ("the top three side by side", ["A", "B", "C"]),
    ("the last two", ["C", "D"]),
    ("the first one or the last one, which is better?", ["A", "D"]),
    ("compare the second and the third", ["B", "C"]),
    ("compare them", ["A", "B", "C", "D"]),
    ("compare it with the second", ["F", "B"]),
    ("compare", []),
])
def test_resolve_products(text: str, expected: list[str]) -> None:
    focus = "F" if "it" in text.split() else None
    assert resolve_products(text, ["A", "B", "C", "D"], focus) == expected


def test_named_products_prefer_the_shown_ones() -> None:
    names = {"chaz hoodie": ["X", "MH01"], "mach street sweatshirt": ["MH03"]}
    found = resolve_products("chaz hoodie vs mach street sweatshirt", ["MH01"], None,
                             ["chaz hoodie", "mach street sweatshirt"], names.__getitem__)
    assert found == ["MH01", "MH03"]
    assert ordinal_indexes("first, third and last") == [0, 2, -1]


@dataclass
class Catalog:
    products: dict[str, Product] = field(default_factory=lambda: {"MH01": CHAZ, "MH03": MACH})

    def product(self, pid: str) -> Product | None:
        return self.products.get(pid)

    def find_products_by_name(self, text: str) -> list[Product]:
        return [p for p in self.products.values() if text.lower() in p.name.lower()]

    def find_products_in_text(self, text: str) -> list[Product]:
        return [p for p in self.products.values() if p.name.lower() in text.lower()]


@dataclass
class Services:
    catalog: Catalog = field(default_factory=Catalog)


@pytest.fixture
def services() -> Services:
    fake = Services()
    action_services.set_services(fake)
    yield fake
    action_services.set_services(None)


def test_action_compares_the_first_two(services: Services) -> None:
    dispatcher, events = run(ActionCompareProducts(), tracker(
        "compare the first two", "compare_products", {"shown_products": ["MH01", "MH03", "X"]}))
    [message] = dispatcher.messages
    assert message["text"].startswith("Comparing the Chaz Kangeroo Hoodie and the Mach Street "
                                      "Sweatshirt. The Chaz Kangeroo Hoodie is the cheapest")
    payload = message["custom"]
    assert payload["type"] == "comparison"
    assert [p["id"] for p in payload["products"]] == ["MH01", "MH03"]
    assert payload["rows"][0] == {"attribute": "Price", "values": ["$52.00", "$62.00"],
                                  "differs": True}
    assert events == [SlotSet("compared_products", ["MH01", "MH03"])]


def test_action_by_names(services: Services) -> None:
    dispatcher, _ = run(ActionCompareProducts(), tracker(
        "chaz vs mach", "compare_products", {},
        [{"entity": "product", "value": "Chaz"}, {"entity": "product", "value": "Mach"}]))
    assert [p["id"] for p in dispatcher.messages[0]["custom"]["products"]] == ["MH01", "MH03"]


def test_action_asks_when_it_cannot_tell_which(services: Services) -> None:
    dispatcher, events = run(ActionCompareProducts(), tracker("compare them", "compare_products"))
    assert dispatcher.messages[0]["text"].startswith("Which products shall I compare?")
    assert events == []
