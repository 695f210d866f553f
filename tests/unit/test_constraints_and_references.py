from __future__ import annotations

import pytest

from catalog.filters import ProductFilters
from dialogue.constraints import describe, query_words
from dialogue.references import ordinal_index, question_text, resolve_product


def test_constraints_read_slots_and_numbers_from_strings() -> None:
    constraints = ProductFilters.from_slots(
        {"gender": "women", "product_type": "jackets", "price_max": "80", "color": ["black"]}
    )
    assert constraints.price_max == 80.0
    assert constraints.color == "black"
    assert constraints.active() == ["price_max", "color", "gender", "product_type", "in_stock_only"]


def test_constraints_ignore_unparsable_numbers_and_blank_text() -> None:
    constraints = ProductFilters.from_slots({"price_max": "lots", "size": "  "})
    assert constraints.price_max is None and constraints.size is None
    assert constraints.active() == ["in_stock_only"]


def test_describe_reads_back_like_a_shopper_would_say_it() -> None:
    constraints = ProductFilters(gender="women", product_type="jackets", color="black",
                                 size="m", price_max=80)
    assert describe(constraints) == "women's black jackets in size M under $80"
    assert describe(ProductFilters(price_min=20, price_max=40)) == "products between $20 and $40"


def test_without_drops_one_constraint_and_refuses_unknown_names() -> None:
    constraints = ProductFilters(color="blue", price_max=50)
    assert constraints.without("price_max") == ProductFilters(color="blue")
    with pytest.raises(ValueError):
        constraints.without("colour")


@pytest.mark.parametrize(
    ("text", "index"),
    [("is the first one waterproof?", 0), ("tell me about the 2nd", 1), ("the third one", 2),
     ("what about the last one", -1), ("number 4 please", 3), ("option two", 1),
     ("is it warm", None)],
)
def test_ordinal_index(text: str, index: int | None) -> None:
    assert ordinal_index(text) == index


def test_resolve_prefers_named_product_among_shown() -> None:
    shown = ["MH01", "MH02", "MH03"]

    def find(name: str) -> list[str]:
        return ["MH09", "MH02"] if "hoodie" in name else []

    assert resolve_product("is the hoodie warm", shown, None, find("hoodie")) == "MH02"
    assert resolve_product("is the teal hoodie warm", [], None, find("hoodie")) == "MH09"


def test_resolve_ordinals_focus_and_single_result() -> None:
    shown = ["A", "B", "C"]
    assert resolve_product("is the second one warm", shown, "C") == "B"
    assert resolve_product("and the last one?", shown, None) == "C"
    assert resolve_product("the fifth one", shown, None) is None
    assert resolve_product("is it warm", shown, "C") == "C"
    assert resolve_product("is it warm", ["Z"], None) == "Z"
    assert resolve_product("is it warm", shown, None) is None


def test_question_text_drops_pointer_words() -> None:
    assert question_text("is the first one waterproof?") == "is it waterproof?"
    assert question_text("does number 2 run small") == "does it run small"
    assert question_text("is the Chaz hoodie warm") == "is the Chaz hoodie warm"


@pytest.mark.parametrize(("text", "words"), [
    ("I need 80 grit sandpaper under 20 bucks", "80 grit sandpaper"),
    ("show me jackets under $80", "jackets"),
    ("do you have 1/2in staples, pack of 100?", "1/2 inch staples, 100 pack?"),
    ("a 5 gallon bucket between 10 and 30 dollars", "a 5 gallon bucket"),
])
def test_search_words_keep_measures_and_drop_prices(text: str, words: str) -> None:
    assert query_words(text) == words
