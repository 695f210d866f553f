"""A search whose kind of product the NLU left untagged: a kind the store does not carry is said,
as it is when tagged (issues 14 item 4, 15 "Relevance kept"), on a real SQLite catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aisle.db import make_engine
from catalog import SqlCatalog
from catalog.domain import Product
from catalog.filters import ProductFilters
from catalog.importers.base import ParsedCatalog
from catalog.importers.load import write_catalog
from dialogue.catalog_terms import read_filters
from dialogue.search import search_products
from dialogue.turn import Turn
from dialogue.untagged_kind import untagged_absent_kind
from knowledge.search import ProductSearch
from tests.unit.test_search_logic import FakeStore, HashEmbedder


def _item(pid: str, name: str, path: str, description: str = "") -> Product:
    return Product(id=pid, name=name, description=description or name, category=path,
                   categories=(path,), product_type=path.rsplit("/", 1)[-1], price=None)


PRODUCTS = [
    _item("C1", "Neiko Digital Caliper 6 inch", "Lab/Measure/Digital Calipers"),
    _item("C2", "Stainless Digital Caliper with Case", "Lab/Measure/Digital Calipers"),
    _item("M1", "Anti-Fatigue Floor Mat 3x5", "Lab/Safety/Floor Mats & Matting",
          "A cushioned mat for standing work, grey."),
    _item("F1", "Food Storage Container 22 qt", "Lab/Kitchen/Food Storage",
          "Keeps food fresh in commercial kitchens."),
    _item("G1", "Shoe Goo Repair Adhesive", "Lab/Adhesives/Contact Cements",
          "Repairs worn shoes and boots."),
    _item("B1", "Borosilicate Beaker 250 ml", "Lab/Glassware/Beakers"),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProductSearch, SqlCatalog]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('untagged')) / 'catalog.sqlite'}"
    engine = make_engine(url)
    write_catalog(ParsedCatalog(store="lab", products=PRODUCTS), engine)
    engine.dispose()
    catalog = SqlCatalog(url, "lab")
    embedder = HashEmbedder()
    search = ProductSearch(catalog, FakeStore(PRODUCTS, embedder), embedder)  # type: ignore[arg-type]
    assert catalog.search_index() is not None  # the SQLite index, not an in-memory copy
    return search, catalog


def _ask(store: tuple[ProductSearch, SqlCatalog], text: str, **entities: str) -> str:
    search, catalog = store
    turn = Turn("s", text=text, intent="search_products", entities=tuple(entities.items()),
                slots=dict(entities))
    reply = search_products(turn, search, catalog)
    return reply.messages[0].text or ""


@pytest.mark.parametrize(("message", "kind"), [
    ("do you have running shoes?", "running shoes"),  # "shoe" is in one product's name
    ("I'm after a yoga mat", "yoga mat"),  # "mat" names floor mats, "yoga" narrows it
    ("any dog food?", "dog food"),  # "food" names food storage
    ("looking for an acoustic guitar", "acoustic guitar"),  # no word of it is in the catalog
    ("I need a sofa for the lab", "sofa"),  # "lab" is a category, but the sofa is asked for
    ("hi! got any smartphones for my lab?", "smartphones"),
])
def test_an_untagged_kind_the_store_lacks_is_said_not_carried(
        store: tuple[ProductSearch, SqlCatalog], message: str, kind: str) -> None:
    text = _ask(store, message)
    assert text.startswith(f"We don't seem to carry any {kind}.")
    assert "match" not in text


def test_untagged_and_tagged_get_the_same_answer(store: tuple[ProductSearch, SqlCatalog]) -> None:
    untagged = _ask(store, "running shoes")
    tagged = _ask(store, "running shoes", product_type="running shoes")
    assert untagged == tagged


@pytest.mark.parametrize("message", [
    "digital calipers for my workshop",  # a type, and a word no product holds elsewhere
    "a grey floor mat",  # an adjective before the kind describes it
    "anti-fatigue mat",  # the compound is in a product's name
    "shoe goo",  # words of a product's name, no type
    "beakers please",
    "hello! some digital calipers for my lab",  # the thing asked for first is carried
    "stainless digital calipers for the machine shop",  # a purpose no product holds
])
def test_an_untagged_kind_the_store_has_is_searched(
        store: tuple[ProductSearch, SqlCatalog], message: str) -> None:
    text = _ask(store, message)
    assert "match" in text
    assert "don't seem to carry" not in text


def test_words_that_name_nothing_are_not_called_absent(
        store: tuple[ProductSearch, SqlCatalog]) -> None:
    search, _ = store
    for text in ("", "please", "do you have something new?", "80 for 2"):
        reading = read_filters(ProductFilters(), search.vocabulary, text)
        assert untagged_absent_kind(text, reading.filters, search) is None


def test_holds_words_reads_the_full_text_index(store: tuple[ProductSearch, SqlCatalog]) -> None:
    search, _ = store
    mats = ProductFilters(product_type="floor mats & matting")
    assert search.holds_words("grey", mats)  # in the mat's description
    assert search.holds_words("cushioned standing", mats)
    assert not search.holds_words("yoga", mats)
    assert not search.holds_words("grey", ProductFilters(product_type="beakers"))
    assert not search.holds_words("", mats)


@pytest.mark.parametrize("hostile", [
    '"; DROP TABLE search_text; --', "NEAR(mat grey, 1)", "mat* OR 1=1", "grey'", "\x00 mat",
    "<script>alert('x')</script> yoga <b>mats</b>",
])
def test_query_syntax_in_the_words_is_only_words(store: tuple[ProductSearch, SqlCatalog],
                                                 hostile: str) -> None:
    search, catalog = store
    assert not search.holds_words(hostile, ProductFilters(product_type="beakers"))
    reading = read_filters(ProductFilters(), search.vocabulary, hostile)
    kind = untagged_absent_kind(hostile, reading.filters, search)  # answers, never raises
    # what is said back is the shopper's word tokens only, never markup or syntax
    assert kind is None or re.fullmatch(r"[\w .']+", kind)
    assert len(catalog.products()) == len(PRODUCTS)  # nothing dropped


def test_a_recommendation_request_is_not_read_as_a_kind(
        store: tuple[ProductSearch, SqlCatalog]) -> None:
    search, catalog = store
    turn = Turn("s", text="my husband just started running, what should i get him",
                intent="ask_recommendation", entities=(), slots={})
    text = search_products(turn, search, catalog).messages[0].text or ""
    assert "don't seem to carry" not in text
