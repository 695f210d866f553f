"""Products with the measures and brand asked for come first, and the reply says how many."""

from __future__ import annotations

from catalog.filters import ProductFilters
from dialogue.preferences import Preferences, asked_preferences, brand_in_text, prefer
from knowledge.search import SearchHit, SearchResult
from tests.unit.test_search_logic import product

COARSE = product("P1", "Garnet Sandpaper Assorted Grit", description="60, 80 and 120 grit sheets")
EIGHTY = product("P2", "Sticky Back 80-Grit Sandpaper Roll", brand="3M")
FLAP = product("P3", 'Flap Disc 4-1/2" 80 Grit', description="For angle grinders.")
BRANDS = ("3M", "3M Dual Lock", "DEWALT", "Gorilla", "HATCHBOX")


def _result(*products: object) -> SearchResult:
    hits = [SearchHit(p, 1.0 - i / 10, "") for i, p in enumerate(products)]  # type: ignore[arg-type]
    return SearchResult("q", ProductFilters(), hits)


def test_measures_and_brands_are_read_from_the_search_words() -> None:
    assert asked_preferences("80 grit sandpaper 9 x 11 in, 80 grit", BRANDS) == Preferences(
        ("80 grit",), None)
    assert asked_preferences("dewalt cutting wheels", BRANDS) == Preferences((), "DEWALT")
    assert asked_preferences("jackets", ()) == Preferences()


def test_a_brand_that_is_a_word_needs_its_capital() -> None:
    assert brand_in_text("Gorilla glue please", BRANDS) == "Gorilla"
    assert brand_in_text("a gorilla costume", BRANDS) is None
    assert brand_in_text("3m dual lock strips", BRANDS) == "3M Dual Lock"
    assert brand_in_text("hatchbox pla", BRANDS) == "HATCHBOX"


def test_products_with_every_preference_go_first() -> None:
    ranking = prefer(_result(COARSE, EIGHTY, FLAP), Preferences(("80 grit",)), 2)
    # "60, 80 and 120 grit" states only 120 grit with its unit: it goes after the two that do
    assert [h.product.id for h in ranking.result.hits] == ["P2", "P3"]
    ranking = prefer(_result(COARSE, EIGHTY, FLAP), Preferences(("80 grit", "4-1/2 inch")), 3)
    assert [h.product.id for h in ranking.result.hits] == ["P3", "P1", "P2"]
    assert ranking.note() == "The first one is 80 grit and 4-1/2 inch."
    ranking = prefer(_result(COARSE, FLAP, EIGHTY), Preferences(("80 grit",), "3M"), 3)
    assert [h.product.id for h in ranking.result.hits] == ["P2", "P1", "P3"]
    assert ranking.note() == "The first one is 80 grit by 3M."


def test_a_named_kind_keeps_other_kinds_behind() -> None:
    flask = product("F1", "Erlenmeyer Flask 250 mL")
    cylinder = product("C1", "Graduated Cylinder, Glass", description="Single scale, 250ml")
    plain = product("C2", "Graduated Cylinder Set")
    ranking = prefer(_result(flask, plain, cylinder), Preferences(("250 ml",)), 3,
                     "graduated cylinders")
    assert [h.product.id for h in ranking.result.hits] == ["C1", "F1", "C2"]


def test_the_note_says_all_none_or_nothing() -> None:
    assert prefer(_result(EIGHTY), Preferences(("80 grit",)), 5).note() == "It is 80 grit."
    assert prefer(_result(COARSE, FLAP), Preferences(("80 grit",)), 5).note() == (
        "The first one is 80 grit.")
    assert prefer(_result(COARSE), Preferences(("5 mm",)), 5).note() == (
        "None of them is 5 mm; these come closest.")
    assert prefer(_result(COARSE), Preferences(), 5).note() == ""
