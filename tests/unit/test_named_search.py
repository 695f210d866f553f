"""A search that names one product answers about that product (issue 14, item 4)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from catalog.domain import Product
from catalog.text import terms
from dialogue.catalog_terms import size_in_text
from dialogue.named_search import lacking, named_subject
from dialogue.search import search_products
from dialogue.turn import Turn
from knowledge.search import ProductSearch
from tests.fakes import InMemoryCatalog
from tests.unit.test_search_logic import FakeStore, HashEmbedder, product

AUGUSTA = product("WJ06", "Augusta Pullover Jacket", sizes=("XS", "S", "M", "L", "XL"),
                  colors=("Blue",), category="Women/Tops/Jackets")
JOSIE = product("WJ02", "Josie Yoga Jacket", sizes=("M", "XXL"), colors=("Blue",),
                category="Women/Tops/Jackets")
HOODIE = product("WH01", "Mona Pullover Hoodie", sizes=("XXL",), category="Women/Tops/Hoodies")
PRODUCTS = [AUGUSTA, JOSIE, HOODIE]


class NamedCatalog(InMemoryCatalog):
    """Name look-ups as SqlCatalog does them, by whole words."""

    def find_products_by_name(self, name: str) -> Sequence[Product]:
        wanted = set(terms(name))
        return [p for p in PRODUCTS if wanted <= set(terms(p.name))]

    def find_products_in_text(self, text: str) -> Sequence[Product]:
        said = set(terms(text))
        return [p for p in PRODUCTS if terms(p.name)[0] in said]


def _search() -> ProductSearch:
    embedder = HashEmbedder()
    return ProductSearch(InMemoryCatalog(PRODUCTS), FakeStore(PRODUCTS, embedder), embedder)  # type: ignore[arg-type]


def _turn(text: str, **entities: str) -> Turn:
    return Turn("s", text=text, intent="search_products", entities=tuple(entities.items()),
                slots={k: v for k, v in entities.items() if k != "product"})


def test_the_subject_is_a_product_named_in_full() -> None:
    catalog = NamedCatalog(PRODUCTS)
    assert named_subject(_turn("do you have the augusta pullover jacket in XXL?"),
                         catalog) == AUGUSTA
    assert named_subject(_turn("an augusta one"), catalog) is None  # not the whole name
    assert named_subject(_turn("pullover jackets"), catalog) is None


def test_a_size_the_named_product_lacks_is_said_with_others_that_have_it() -> None:
    reply = search_products(_turn("Do you have the Augusta Pullover Jacket in XXL?", size="XXL"),
                            _search(), NamedCatalog(PRODUCTS))
    text = reply.messages[0].text or ""
    assert text.startswith("The Augusta Pullover Jacket comes in sizes XS, S, M, L and XL, "
                           "not XXL. Other jackets in size XXL:")
    cards = reply.messages[0].custom["products"]  # type: ignore[index]
    assert [c["id"] for c in cards] == ["WJ02"]  # a jacket in XXL, not the hoodie
    assert ("focus_product", "WJ06") in reply.slots


def test_a_named_product_that_has_the_size_is_shown() -> None:
    reply = search_products(_turn("is the Josie Yoga Jacket available in xxl", size="xxl"),
                            _search(), NamedCatalog(PRODUCTS))
    assert reply.messages[0].text == "Yes, we have the Josie Yoga Jacket in size XXL:"
    assert [c["id"] for c in reply.messages[0].custom["products"]] == ["WJ02"]  # type: ignore[index]


def test_lacking_reads_colour_and_size() -> None:
    from catalog.filters import ProductFilters
    assert lacking(AUGUSTA, ProductFilters(color="red", size="S")) == ["blue, not red"]
    assert lacking(AUGUSTA, ProductFilters(size="s")) == []


def test_a_size_the_nlu_missed_is_read_from_the_words() -> None:
    reply = search_products(_turn("do you have the Augusta Pullover Jacket in xxl?"),
                            _search(), NamedCatalog(PRODUCTS))
    assert (reply.messages[0].text or "").startswith(
        "The Augusta Pullover Jacket comes in sizes XS, S, M, L and XL, not XXL.")


@pytest.mark.parametrize(("text", "size"), [
    ("jackets in xxl", "XXL"), ("a 2XL hoodie", "2XL"), ("size 10 shoes", "10"),
    ("in size m please", "M"), ("I'm looking for a tee", None), ("a large mug", None),
])
def test_sizes_named_in_the_words(text: str, size: str | None) -> None:
    assert size_in_text(text) == size
