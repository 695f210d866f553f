"""The stored vocabulary's name counts (catalog/vocabulary_tables.py) on a real SQLite file:
shopper words are bound parameters, never SQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from catalog.domain import Product
from catalog.vocabulary import CatalogVocabulary
from catalog.vocabulary_tables import SqlNameIndex, read_values, write_vocabulary

PRODUCTS = [Product(id="J1", name="Juno Jacket", description="", category="Women/Jackets",
                    product_type="Jackets"),
            Product(id="J2", name="Olivia Jacket", description="", category="Women/Jackets",
                    product_type="Jackets")]


def test_shopper_words_in_name_counts_are_bound_not_run(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    with engine.begin() as connection:
        write_vocabulary(connection, "shop", PRODUCTS, "f1")
    names = SqlNameIndex(engine, "shop")
    hostile = "x' OR 1=1 OR \"a\"='a"  # both quotes: no quoting of ours could hold it
    assert names.count_holding(frozenset([hostile])) == 0
    assert names.count_holding(frozenset([hostile, "jacket"])) == 0
    assert names.count_holding(frozenset(["jacket"])) == 2  # the table is still there
    assert names.count_holding(frozenset(["juno", "jacket"])) == 1
    with engine.connect() as connection:
        stored = CatalogVocabulary.from_values(read_values(connection, "shop"), names)
    assert stored.type_counts == CatalogVocabulary.from_products(PRODUCTS).type_counts
