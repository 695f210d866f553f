"""The catalog's search index on the real catalogs: filters answered by SQL exactly as
FilterCheck answers them product by product, full-text ranking, and the index kept in step
with imports (built by the load step, built on first open of an older state database)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.filters import ProductFilters
from catalog.importers import load
from catalog.search_index import Criteria, ProductIndex, indexed_fingerprint, search_products
from knowledge.search import FilterCheck
from tests.integration.test_catalog_load import _catalog


@pytest.fixture(scope="module", params=["luma", "scientific"])
def imported(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> SqlCatalog:
    data_dir = Settings().data_dir
    if not data_dir.exists():
        pytest.skip(f"no catalog data at {data_dir}")
    url = f"sqlite:///{tmp_path_factory.mktemp('index') / 'catalog.sqlite'}"
    load.import_catalog(request.param, data_dir, url)
    return SqlCatalog(url, request.param)


def _filter_samples(catalog: SqlCatalog, n: int, seed: int = 7) -> list[ProductFilters]:
    """Random combinations of the catalog's own values, plus a few it does not have."""
    products = catalog.products()
    rng = random.Random(seed)
    colors = sorted({v.color for p in products for v in p.variants if v.color}
                    | {c for p in products for c in p.colors}) + ["Mauve"]
    sizes = sorted({v.size for p in products for v in p.variants if v.size}
                   | {s for p in products for s in p.sizes}) + ["XXXL"]
    types = sorted({p.product_type for p in products if p.product_type})
    categories = sorted({s for p in products for s in p.category.split("/") if s})
    kinds = [*rng.sample(types, min(12, len(types))), *rng.sample(categories, min(8, len(categories))),
             "men/tops", "gear", "hoodie", "jackets", "boots"]
    materials = sorted({m for p in products for m in p.materials}) + ["cotton", "steel"]
    prices = [p.price for p in products if p.price is not None] or [10.0]
    samples = []
    for _ in range(n):
        low = rng.choice([None, None, rng.choice(prices)])
        high = rng.choice([None, None, rng.choice(prices)])
        if low is not None and high is not None and low > high:
            low, high = high, low
        samples.append(ProductFilters(
            price_min=low, price_max=high,
            color=rng.choice([None, None, rng.choice(colors).lower(), rng.choice(colors)]),
            size=rng.choice([None, None, rng.choice(sizes)]),
            gender=rng.choice([None, None, "men", "women", "unisex", "Women"]),
            product_type=rng.choice([None, rng.choice(kinds)]),
            in_stock_only=rng.random() < 0.7,
            material=rng.choice([None, None, None, rng.choice(materials)]),
            eco_friendly=rng.random() < 0.1,
        ))
    return samples


def test_index_answers_every_filter_exactly_like_the_product_check(imported: SqlCatalog) -> None:
    products = imported.products()
    check = FilterCheck(products)
    index = imported.search_index()
    assert index is not None
    nonempty = 0
    for filters in _filter_samples(imported, 400):
        expected = {p.id for p in products if check.matches(p, filters)}
        criteria = check.criteria(filters)
        assert index.count(criteria) == len(expected), filters
        assert set(index.first(criteria, len(products))) == expected, filters
        assert index.exists(criteria) == bool(expected), filters
        nonempty += bool(expected)
    assert nonempty >= 10  # the samples exercise matches, not only empty results


def test_index_facts_are_the_catalogs(imported: SqlCatalog) -> None:
    products = imported.products()
    by_products = FilterCheck(products)
    index = imported.search_index()
    assert index is not None
    facts = index.facts()
    assert list(facts.types) == by_products.types
    assert facts.capable == by_products.capable


def test_full_text_ranks_names_first_and_keeps_to_the_filters(imported: SqlCatalog) -> None:
    index = imported.search_index()
    assert index is not None
    products = imported.products()
    check = FilterCheck(products)
    named_first = 0
    for p in products[:: max(1, len(products) // 60)]:
        hits = [pid for pid, _ in index.keyword(p.name, check.criteria(ProductFilters(
            in_stock_only=False)), 5)]
        named_first += bool(hits) and p.id in hits
    assert named_first >= 0.9 * len(products[:: max(1, len(products) // 60)])
    women = check.criteria(ProductFilters(gender="women"))
    for pid, score in index.keyword("jacket hoodie bottle", women, 50):
        product = imported.product(pid)
        assert product is not None and check.matches(product, ProductFilters(gender="women"))
        assert score > 0


def test_load_step_writes_the_index_and_follows_reimports(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    engine = create_engine(url)
    load.write_catalog(_catalog(price=52.0), engine)
    index = ProductIndex(engine, "luma")
    check = FilterCheck.from_facts(index.facts().types, index.facts().capable)
    under_50 = check.criteria(ProductFilters(price_max=50))
    assert index.count(under_50) == 0
    assert [pid for pid, _ in index.keyword("hoodies", check.criteria(ProductFilters()), 5)] \
        == ["MH01"]  # the plural finds the singular: both sides are the shop's lemmas
    load.write_catalog(_catalog(price=40.0), engine)
    assert index.count(under_50) == 1
    with engine.connect() as connection:
        assert indexed_fingerprint(connection, "luma") == SqlCatalog(url, "luma").fingerprint()


def test_failed_import_leaves_the_index_as_it_was(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    engine = create_engine(url)
    load.write_catalog(_catalog(price=52.0), engine)

    def broken(connection, table, rows):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "_insert", broken)
    with pytest.raises(RuntimeError):
        load.write_catalog(_catalog(price=40.0), engine)
    with engine.connect() as connection:
        assert connection.execute(select(search_products.c.price)).scalars().all() == [52.0]


def test_a_state_database_from_before_the_index_gets_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    engine = create_engine(url)
    load.write_catalog(_catalog(), engine)
    with engine.begin() as connection:  # what a database written by the older code lacks
        for table in ("search_text", "search_facets", "search_variants", "search_products",
                      "search_index_meta"):
            connection.execute(text(f"DROP TABLE {table}"))
    index = SqlCatalog(url, "luma").search_index()  # first open builds it
    assert index is not None and index.count(FilterCheck.from_facts(
        index.facts().types, index.facts().capable).criteria(ProductFilters(color="black"))) == 1
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE search_products"))
        connection.execute(text("DELETE FROM search_index_meta"))
    assert not load.write_catalog(_catalog(), engine).changed  # unchanged catalog: a rerun
    with engine.connect() as connection:  # of the import builds the missing index too
        assert connection.execute(select(func.count()).select_from(search_products)).scalar() == 1


def test_an_index_of_another_version_is_rebuilt(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    engine = create_engine(url)
    load.write_catalog(_catalog(), engine)
    with engine.begin() as connection:  # an index written by an older shape of these tables
        connection.execute(text("UPDATE search_index_meta SET fingerprint = "
                                "substr(fingerprint, 1, 64) || '@1'"))
        connection.execute(text("DROP INDEX ix_search_products_doc"))
        connection.execute(text("ALTER TABLE search_products DROP COLUMN doc"))
    index = SqlCatalog(url, "luma").search_index()
    assert index is not None
    with engine.connect() as connection:
        assert indexed_fingerprint(connection, "luma") == SqlCatalog(url, "luma").fingerprint()
    assert [pid for pid, _ in index.keyword("chaz", Criteria(), 3)] == ["MH01"]
