"""The vocabulary and the finder's kinds of product read from the catalog database
(catalog/vocabulary_tables.py, SqlCatalog.catalog_vocabulary and offered_types) equal what
the products give, on the real catalogs; and once stored, reading them loads no product."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.import_catalog import main
from catalog.importers import load
from catalog.search_index import indexed_fingerprint
from catalog.text import terms
from catalog.vocabulary import CatalogVocabulary
from catalog.vocabulary_tables import stored_fingerprint
from dialogue.finder import offered_types
from tests.integration.test_search_index_postgres import postgres_url  # noqa: F401 - fixture


@pytest.fixture(scope="module", params=["luma", "scientific"])
def imported(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> SqlCatalog:
    data_dir = Settings().data_dir
    if not data_dir.exists():
        pytest.skip(f"no catalog data at {data_dir}")
    url = f"sqlite:///{tmp_path_factory.mktemp('vocabulary') / 'catalog.sqlite'}"
    load.import_catalog(request.param, data_dir, url)
    return SqlCatalog(url, request.param)


def _queries(vocabulary: CatalogVocabulary, names: list[str]) -> list[str]:
    """Shoppers' product words: each type and category, the first words of each name, and
    some misspelt, plural or unknown."""
    queries = [*vocabulary.types, *vocabulary.categories, "jakcet", "hodies", "bages",
               "smartphone", "shirt", "water bottle", "womens jacket", "caliper", "glves"]
    for name in names:
        words = name.split()
        queries += [" ".join(words[:1]), " ".join(words[:2]), " ".join(words[1:3])]
    return queries


def test_the_stored_vocabulary_equals_the_one_built_from_products(imported: SqlCatalog) -> None:
    products = imported.products()
    built = CatalogVocabulary.from_products(products)
    stored = imported.catalog_vocabulary()
    for field in ("types", "categories", "colors", "sizes", "materials", "brands",
                  "type_counts", "category_counts"):
        assert getattr(stored, field) == getattr(built, field), field
    assert sorted(stored.names.words()) == sorted(built.names.words())
    assert stored.summary() == built.summary()
    for product in products:  # each name word alone, and the name's words together
        lemmas = terms(product.name)
        for key in [frozenset(lemmas), *(frozenset([w]) for w in lemmas)]:
            assert stored.named_products(key) == built.named_products(key), key
    for query in _queries(built, [p.name for p in products[:300]]):
        assert stored.product_type(query) == built.product_type(query), query
        assert stored.find_type(query) == built.find_type(query), query
        assert stored.find_value(stored.colors, query) == built.find_value(built.colors, query)


def test_the_finder_counts_kinds_in_the_database_as_over_the_products(
        imported: SqlCatalog) -> None:
    products = imported.products()
    for gender in (None, "men", "women", "unisex"):
        assert imported.offered_types(gender) == offered_types(products, gender), gender


def test_a_stored_vocabulary_is_read_without_loading_products(
        imported: SqlCatalog, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = imported.catalog_vocabulary()  # stored on first use after the import

    def no_products(*_args: object, **_kwargs: object) -> Iterator[object]:
        raise AssertionError("a process start read every product")

    fresh = SqlCatalog(imported.url, imported.store, engine=imported.engine)
    monkeypatch.setattr(SqlCatalog, "iter_products", no_products)
    monkeypatch.setattr(SqlCatalog, "products", no_products)
    monkeypatch.setattr(SqlCatalog, "_load", no_products)
    again = fresh.catalog_vocabulary()
    assert (again.types, again.category_counts) == (expected.types, expected.category_counts)
    assert fresh.offered_types("women") == imported.offered_types("women")


def test_the_stored_vocabulary_follows_a_new_import(imported: SqlCatalog) -> None:
    before = imported.catalog_vocabulary()
    renamed = before.types[0]
    with imported.engine.begin() as connection:  # what an import that renames a type leaves
        connection.execute(text("UPDATE products SET product_type = 'Zorblax Widgets' "
                                "WHERE store = :s AND product_type = :t"),
                           {"s": imported.store, "t": renamed})
        connection.execute(text("UPDATE import_meta SET fingerprint = fingerprint || 'x' "
                                "WHERE store = :s"), {"s": imported.store})
    after = imported.catalog_vocabulary()
    assert "Zorblax Widgets" in after.types and renamed not in after.types
    assert after.product_type("zorblax widget").values == ("Zorblax Widgets",)
    assert after.types == CatalogVocabulary.from_products(imported.products()).types


def test_a_file_import_writes_the_search_index_and_vocabulary(tmp_path: Path) -> None:
    from tests.integration.test_catalog_file_import import JACKET, _jsonl

    path = _jsonl(tmp_path / "shop.jsonl", [JACKET])
    url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    assert main(["--store", "corner-shop", "--file", str(path), "--db", url]) == 0
    catalog = SqlCatalog(url, "corner-shop")
    imported = catalog.fingerprint()
    with catalog.engine.connect() as connection:  # written by the import, not by a start
        assert stored_fingerprint(connection, "corner-shop") == imported
        assert indexed_fingerprint(connection, "corner-shop") == imported
    stored = catalog.catalog_vocabulary()
    assert stored.brands == ("Acme",)
    assert stored.types == CatalogVocabulary.from_products(catalog.products()).types


def test_the_stored_vocabulary_on_postgresql(postgres_url: str) -> None:  # noqa: F811
    data_dir = Settings().data_dir
    if not data_dir.exists():
        pytest.skip(f"no catalog data at {data_dir}")
    load.import_catalog("luma", data_dir, postgres_url)
    catalog = SqlCatalog(postgres_url, "luma")
    products = catalog.products()
    built, stored = CatalogVocabulary.from_products(products), catalog.catalog_vocabulary()
    for field in ("types", "categories", "colors", "sizes", "materials", "brands",
                  "type_counts", "category_counts"):
        assert getattr(stored, field) == getattr(built, field), field
    for product in products:
        key = frozenset(terms(product.name))
        assert stored.named_products(key) == built.named_products(key), key
    for gender in (None, "men", "women"):
        assert catalog.offered_types(gender) == offered_types(products, gender), gender
