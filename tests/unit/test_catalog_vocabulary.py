"""Shoppers' words mapped onto whatever catalog is imported (catalog/vocabulary.py) and what the
search turn does with them (dialogue/catalog_terms.py)."""

from __future__ import annotations

import pytest

from catalog.domain import Product, Variant
from catalog.filters import ProductFilters
from catalog.vocabulary import CatalogVocabulary
from dialogue.catalog_terms import absent_text, read_filters


def _product(pid: str, name: str, category: str, product_type: str, **extra) -> Product:
    return Product(id=pid, name=name, description="", category=category,
                   categories=(category,), product_type=product_type, **extra)


APPAREL = [
    _product("J1", "Juno Jacket", "Women/Tops/Jackets", "Jackets", gender="women",
             colors=("Black", "Blue"), sizes=("S", "M"), materials=("Polyester",),
             variants=(Variant("J1-S-Black", "J1", "S", "Black", 1, True),)),
    _product("H1", "Hero Hoodie", "Men/Tops/Hoodies & Sweatshirts", "Hoodies & Sweatshirts"),
    _product("B1", "Affirm Water Bottle", "Gear/Fitness Equipment", "Fitness Equipment"),
    _product("B2", "Joust Duffle Bag", "Gear/Bags", "Bags"),
]
SUPPLIES = [
    _product("S1", "3M Pro Grade 80 Grit Sandpaper, 9 x 11 in", "Industrial & Scientific/"
             "Abrasive & Finishing Products/Sanding Sheets", "Sanding Sheets", brand="3M"),
    _product("S2", "Arrow T50 Stainless Steel Staples 1/2 inch", "Industrial & Scientific/"
             "Fasteners/Staples", "Staples", brand="Arrow"),
    _product("S3", "Mitutoyo Digital Caliper", "Industrial & Scientific/Test, Measure & Inspect/"
             "Calipers", "Digital Calipers", brand="Mitutoyo"),
    _product("S4", "Glass Beaker 250 ml", "Industrial & Scientific/Lab & Scientific Products/"
             "Beakers", "Beakers"),
]


@pytest.fixture(scope="module")
def apparel() -> CatalogVocabulary:
    return CatalogVocabulary.from_products(APPAREL)


@pytest.fixture(scope="module")
def supplies() -> CatalogVocabulary:
    return CatalogVocabulary.from_products(SUPPLIES)


@pytest.mark.parametrize("words, kind, values", [
    ("jackets", "type", ("Jackets",)),
    ("jakcet", "type", ("Jackets",)),            # a swapped pair of letters is one edit
    ("jakcets", "type", ("Jackets",)),           # a misspelt plural
    ("bages", "type", ("Bags",)),                # "-es" where the plural is "-s"
    ("hacket", "unknown", ()),                   # the first letter is not corrected
    ("womens jacket", "type", ("Jackets",)),     # audience words are not product words
    ("hoodie", "type", ("Hoodies & Sweatshirts",)),
    ("gear", "category", ("gear",)),
    ("water bottle", "name", ()),                # in a product name, not a type
    ("smartphone", "unknown", ()),
    ("shirt", "unknown", ()),                    # a dictionary word: not a misspelt "short"
])
def test_product_words_map_to_the_catalog(apparel: CatalogVocabulary, words: str, kind: str,
                                          values: tuple[str, ...]) -> None:
    match = apparel.product_type(words)
    assert (match.kind, match.values) == (kind, values)


def test_the_same_words_mean_what_another_catalog_has(supplies: CatalogVocabulary) -> None:
    assert supplies.product_type("staples").values == ("Staples",)
    assert supplies.product_type("sandpaper").kind == "name"
    assert supplies.product_type("safty glasses").kind == "unknown"
    assert supplies.product_type("jackets").kind == "unknown"
    assert supplies.find_type("do you have stainless steel staples 1/2 inch?").values == (
        "Staples",)
    assert supplies.find_type("hello, is anyone there") is None
    # "vernier" narrows "caliper" to another kind than "Digital Calipers" (the category
    # Calipers still holds it); "digital" is that kind
    vernier = supplies.find_type("a vernier caliper please")
    assert vernier is not None and (vernier.kind, vernier.values) == ("category", ("calipers",))
    assert supplies.find_type("a digital caliper please").values == ("Digital Calipers",)


def test_describing_words_do_not_narrow_a_kind(apparel: CatalogVocabulary) -> None:
    assert apparel.find_type("a warm jacket").values == ("Jackets",)
    assert apparel.find_type("a blue hoodie").values == ("Hoodies & Sweatshirts",)


def test_values_are_matched_case_and_typo_insensitively(apparel: CatalogVocabulary) -> None:
    assert apparel.value(apparel.colors, "BLACK") == "Black"
    assert apparel.value(apparel.materials, "polyster") == "Polyester"
    assert apparel.value(apparel.colors, "teal") is None
    assert apparel.value(apparel.sizes, "XXL") is None
    assert apparel.find_value(apparel.colors, "yoga pants in blak please") == "Black"
    assert apparel.find_value(apparel.colors, "I read the reviews") is None


def test_the_summary_says_what_the_store_sells(apparel: CatalogVocabulary,
                                               supplies: CatalogVocabulary) -> None:
    assert apparel.summary() == "bags, fitness equipment, hoodies & sweatshirts and jackets"
    assert "staples" in supplies.summary() and "jackets" not in supplies.summary()


def test_read_filters_corrects_drops_and_reports(apparel: CatalogVocabulary) -> None:
    reading = read_filters(ProductFilters(product_type="jakcet", color="teal", size="M"),
                           apparel)
    assert reading.filters == ProductFilters(product_type="jackets", size="M")
    assert reading.updates == {"product_type": "jackets", "color": None}
    assert reading.unknown_note() == (
        "We have nothing in teal (colours: Black, Blue), so I left the colour out.")
    absent = read_filters(ProductFilters(product_type="smartphones", gender="men"), apparel)
    assert absent.absent_type == "smartphones"
    assert absent.filters == ProductFilters(gender="men")
    named = read_filters(ProductFilters(product_type="water bottle"), apparel)
    assert named.filters == ProductFilters() and named.display.product_type == "water bottle"


def test_read_filters_finds_what_the_nlu_missed_in_a_new_search(
        apparel: CatalogVocabulary) -> None:
    reading = read_filters(ProductFilters(gender="women", price_max=80), apparel,
                           "womens jakcet in blak under 80 dolars")
    assert reading.filters == ProductFilters(gender="women", price_max=80,
                                             product_type="jackets", color="black")
    assert read_filters(ProductFilters(), apparel, "hi there").filters == ProductFilters()


def test_absent_text_names_what_the_store_sells(apparel: CatalogVocabulary) -> None:
    assert absent_text("smartphones", apparel, 2) == (
        "We don't seem to carry any smartphones. This store sells bags, fitness equipment, "
        "hoodies & sweatshirts and jackets. The closest I have:")
