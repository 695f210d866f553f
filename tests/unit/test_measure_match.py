"""Products that state the measures asked for come first, and the reply says how many do."""

from __future__ import annotations

from catalog.filters import ProductFilters
from dialogue.measure_match import asked_measures, prefer_measures
from knowledge.search import SearchHit, SearchResult
from tests.unit.test_search_logic import product

COARSE = product("P1", "Garnet Sandpaper Assorted Grit", description="60, 80 and 120 grit sheets")
EIGHTY = product("P2", "Sticky Back 80-Grit Sandpaper Roll")
FLAP = product("P3", 'Flap Disc 4-1/2" 80 Grit', description="For angle grinders.")


def _result(*products: object) -> SearchResult:
    hits = [SearchHit(p, 1.0 - i / 10, "") for i, p in enumerate(products)]  # type: ignore[arg-type]
    return SearchResult("q", ProductFilters(), hits)


def test_measures_are_read_from_the_search_words() -> None:
    assert asked_measures("80 grit sandpaper 9 x 11 in, 80 grit") == ("80 grit",)
    assert asked_measures("jackets") == ()


def test_products_stating_every_measure_go_first() -> None:
    ranking = prefer_measures(_result(COARSE, EIGHTY, FLAP), ("80 grit",), 2)
    # "60, 80 and 120 grit" states only 120 grit with its unit: it goes after the two that do
    assert [h.product.id for h in ranking.result.hits] == ["P2", "P3"]
    ranking = prefer_measures(_result(COARSE, EIGHTY, FLAP), ("80 grit", "4-1/2 inch"), 3)
    assert [h.product.id for h in ranking.result.hits] == ["P3", "P1", "P2"]
    assert ranking.note() == "The first one lists 80 grit and 4-1/2 inch."


def test_the_note_says_all_none_or_nothing() -> None:
    assert prefer_measures(_result(EIGHTY), ("80 grit",), 5).note() == "It lists 80 grit."
    assert prefer_measures(_result(COARSE), ("5 mm",), 5).note() == (
        "None of them lists 5 mm; these come closest.")
    assert prefer_measures(_result(COARSE), (), 5).note() == ""


def test_a_named_kind_keeps_other_kinds_behind() -> None:
    flask = product("F1", "Erlenmeyer Flask 250 mL")
    cylinder = product("C1", "Graduated Cylinder, Glass", description="Single scale, 250ml")
    plain = product("C2", "Graduated Cylinder Set")
    ranking = prefer_measures(_result(flask, plain, cylinder), ("250 ml",), 3,
                              "graduated cylinders")
    assert [h.product.id for h in ranking.result.hits] == ["C1", "F1", "C2"]
    assert ranking.note() == "The first one lists 250 ml."
