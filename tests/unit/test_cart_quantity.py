"""The quantity a shopper asks for, from the value the NLU tagged."""

from __future__ import annotations

import pytest

from dialogue.cart import parse_quantity


@pytest.mark.parametrize(("value", "quantity"), [
    ("2", 2), (2.0, 2), ("two", 2), (" 3 ", 3),
    # the tagger ran the span on into the product's name: the number is still the quantity
    ("120 gobi", 120), ("two tees", 2),
    ("2.5", None), ("a few", None), ("", None), (None, None), ("gobi", None),
])
def test_the_quantity_is_the_tagged_values_number(value: object, quantity: int | None) -> None:
    assert parse_quantity(value) == quantity


class _Names:
    def __init__(self, *products: object) -> None:
        self.products = list(products)

    def find_products_by_name(self, name: str) -> list[object]:
        return self.products

    def find_products_in_text(self, text: str) -> list[object]:
        return self.products


@pytest.mark.parametrize(("text", "quantity"), [
    ("add 120 gobi heattec tees, M black", 120),
    ("please put two of those in my cart", 2),
    ("add 2XL gobi tees", None),  # a size, not a count
    ("add 30 dollars worth of tees", None),
    ("add gobi tees", None),
])
def test_an_untagged_count_after_the_verb_is_the_quantity(text: str,
                                                          quantity: int | None) -> None:
    from catalog.domain import Product
    from dialogue.cart import select_cart_product
    from dialogue.turn import Turn

    tee = Product(id="MS01", name="Gobi HeatTec Tee", description="", price=29.0,
                  category="Tees")
    turn = Turn(sender_id="s", slots={"shown_products": ["MS01"]}, text=text,
                intent="add_to_cart", entities=(("product", "Gobi HeatTec Tee"),))
    reply = select_cart_product(turn, _Names(tee), commerce=None)  # type: ignore[arg-type]
    slots = dict(reply.slots)
    assert slots.get("cart_product") == "MS01"
    assert slots.get("quantity") == quantity
