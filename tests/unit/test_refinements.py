"""Reading relative refinements from the shopper's words."""

from __future__ import annotations

import pytest

from dialogue.refinements import Refinement, cheaper_than, pricier_than, read_refinement


@pytest.mark.parametrize(("text", "expected"), [
    ("anything cheaper?", Refinement(cheaper=True)),
    ("these are too expensive", Refinement(cheaper=True)),
    ("something more affordable", Refinement(cheaper=True)),
    ("cheaper than $40", Refinement()),
    ("more expensive ones", Refinement(pricier=True)),
    ("show me more", Refinement(more=True)),
    ("more options please", Refinement(more=True)),
    ("what else do you have", Refinement(more=True)),
    ("show me more like this", Refinement()),
    ("in blue", Refinement()),
])
def test_read_refinement(text: str, expected: Refinement) -> None:
    assert read_refinement(text) == expected


def test_bounds_come_from_the_shown_prices() -> None:
    assert cheaper_than([32.0, None, 54.5]) == 31.99
    assert pricier_than([32.0, 54.5]) == 54.51
    assert cheaper_than([None]) is None and pricier_than([]) is None


def test_eco_friendly_is_read_and_becomes_a_hard_filter() -> None:
    from catalog.domain import Product
    from catalog.filters import ProductFilters
    from dialogue.constraints import describe
    from knowledge.search import FilterCheck

    assert read_refinement("only eco-friendly ones").eco
    assert read_refinement("something sustainable please").eco
    assert not read_refinement("in green").eco
    filters = ProductFilters.from_slots({"eco_friendly": True, "product_type": "tees"})
    assert describe(filters) == "eco-friendly tees"
    assert filters.eco_friendly and filters.without("eco_friendly").eco_friendly is False
    green = Product(id="G", name="G", description="", category="Women/Tops", eco_friendly=True)
    plain = Product(id="P", name="P", description="", category="Women/Tops")
    check = FilterCheck([green, plain])
    assert check.matches(green, ProductFilters(eco_friendly=True))
    assert not check.matches(plain, ProductFilters(eco_friendly=True))
    assert check.where(ProductFilters(eco_friendly=True, in_stock_only=False)) == {
        "eco_friendly": True}
    assert FilterCheck([plain]).unsupported(ProductFilters(eco_friendly=True)) == ["eco_friendly"]
