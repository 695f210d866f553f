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
