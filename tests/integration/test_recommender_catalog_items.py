"""The recommender over the SQL catalog read per request (issue 15), on the real Luma catalog.

Its answers equal those of the recommender holding every product in memory (exact and above
``exact_max``); the action server's start reads no product and embeds nothing; the ingest
records the catalog version that start compares. Shipped model, real SQLite and Chroma.
"""

from __future__ import annotations

import dataclasses
import logging
import os

import pytest

import recommender.service as service
from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.filters import ProductFilters
from catalog.importers import load
from knowledge.store import persistent_client
from recommender.index import ItemIndex, ItemTowerEmbedder
from recommender.items import CatalogItems
from recommender.service import Recommender, ShopperContext
from tests.integration.test_recommendations_service import embedder  # noqa: F401
from tests.integration.test_search_index_postgres import postgres_url  # noqa: F401

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytestmark = pytest.mark.integration

FILTERS = [None, ProductFilters(gender="women"), ProductFilters(gender="men", size="M"),
           ProductFilters(price_max=40.0), ProductFilters(product_type="jackets"),
           ProductFilters(color="black", in_stock_only=False), ProductFilters(material="cotton"),
           ProductFilters(product_type="gear"), ProductFilters(color="mauve")]


def _import_luma(url: str) -> SqlCatalog:
    data_dir = Settings().data_dir
    if not (data_dir / "luma").exists():
        pytest.skip(f"no Luma data at {data_dir}")
    load.import_catalog("luma", data_dir, url)
    return SqlCatalog(url, "luma")


@pytest.fixture(scope="module")
def luma(tmp_path_factory: pytest.TempPathFactory) -> SqlCatalog:
    return _import_luma(f"sqlite:///{tmp_path_factory.mktemp('luma') / 'catalog.sqlite'}")


@pytest.fixture(scope="module")
def chroma(tmp_path_factory, luma: SqlCatalog, embedder: ItemTowerEmbedder):  # type: ignore[no-untyped-def]  # noqa: F811
    client = persistent_client(tmp_path_factory.mktemp("chroma"))
    ItemIndex(client, embedder).sync(luma.products())
    return client


def _contexts(luma: SqlCatalog) -> list[ShopperContext]:
    products = luma.products()
    linked = [p.id for p in products if luma.links(p.id)][:3]
    reviewed = sorted(products, key=lambda p: -p.review_count)[:2]
    plain = [p.id for p in products if not luma.links(p.id)][:2]
    return [
        ShopperContext(),
        ShopperContext(query="something warm for running"),
        ShopperContext(history=(linked[0],)),
        ShopperContext(history=(linked[1], plain[0]), carted=(plain[0],)),
        ShopperContext(history=(reviewed[0].id, linked[2]), query="yoga"),
        ShopperContext(history=(plain[1],), carted=(linked[0],)),
    ]


def _pair(client, embedder: ItemTowerEmbedder, luma: SqlCatalog,  # type: ignore[no-untyped-def]  # noqa: F811
          exact_max: int) -> tuple[Recommender, Recommender]:
    index = ItemIndex(client, embedder, exact_max=exact_max)
    index.reload()
    products = luma.products()
    memory = Recommender(index, {p.id: p for p in products},
                         {p.id: luma.links(p.id) for p in products})
    index_sql = ItemIndex(client, embedder, exact_max=exact_max)
    index_sql.reload()
    per_request = Recommender.over(index_sql, CatalogItems(luma, luma.search_index()))
    return memory, per_request


def _same(a: list, b: list) -> None:
    assert [r.product for r in a] == [r.product for r in b]
    assert [r.reason for r in a] == [r.reason for r in b]
    assert [r.signals for r in a] == [r.signals for r in b]
    assert [r.score for r in a] == pytest.approx([r.score for r in b], abs=1e-9)


@pytest.mark.parametrize("exact_max", [20_000, 0], ids=["exact", "above-exact-max"])
def test_per_request_reads_give_the_answers_of_every_product_in_memory(
        chroma, embedder, luma: SqlCatalog, exact_max: int) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    memory, per_request = _pair(chroma, embedder, luma, exact_max)
    assert memory.index.exact == (exact_max > 0)
    answered = 0
    for context in _contexts(luma):
        for filters in FILTERS:
            expected = memory.recommend(context, k=5, filters=filters)
            _same(per_request.recommend(context, k=5, filters=filters), expected)
            answered += bool(expected)
        shown = [r.product.id for r in memory.recommend(context, k=5)]
        assert per_request.propensity(context, shown) == pytest.approx(
            memory.propensity(context, shown))
        if shown:
            product = luma.product(shown[0])
            assert product is not None
            assert per_request.explain(product, context) == memory.explain(product, context)
    assert answered > 30  # most combinations have answers: the comparison is not vacuous
    for pid in [p.id for p in luma.products()[:40:8]]:
        _same(per_request.similar(pid), memory.similar(pid))
        _same(per_request.goes_with(pid), memory.goes_with(pid))
    with pytest.raises(KeyError):
        per_request.similar("no-such-product")


def test_cold_start_above_exact_max_walks_popularity_then_asks_chroma(
        chroma, embedder, luma: SqlCatalog, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch.setattr(service, "POPULARITY_WALK", 3)  # the walk finds no women's item: where
    memory, per_request = _pair(chroma, embedder, luma, 0)
    most = luma.most_reviewed(3)
    assert not any(per_request.check.matches(p, ProductFilters(gender="women"))
                   for p in luma.products_by_ids(most))
    for filters in (ProductFilters(gender="women"), ProductFilters(), None):
        expected = memory.recommend(ShopperContext(), k=4, filters=filters)
        assert expected
        _same(per_request.recommend(ShopperContext(), k=4, filters=filters), expected)


def test_the_catalog_reads_by_id_equal_the_products(luma: SqlCatalog) -> None:
    products = luma.products()
    ids = [p.id for p in products]
    assert luma.review_counts(ids) == {p.id: p.review_count for p in products if p.review_count}
    assert luma.max_review_count() == max(p.review_count for p in products)
    by_reviews = sorted(products, key=lambda p: -p.review_count)  # stable: catalog order
    assert luma.most_reviewed(len(products) + 5) == [p.id for p in by_reviews]
    assert luma.links_from(ids) == {pid: luma.links(pid) for pid in ids if luma.links(pid)}
    assert luma.links_from([]) == {} and luma.review_counts(["nope"]) == {}
    assert luma.positions([ids[5], "nope", ids[0]]) == {ids[5]: 5, ids[0]: 0}


def _forbid_catalog_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every whole-catalog read of ``SqlCatalog`` and every item embedding fail."""
    def whole_catalog(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the recommender's start read the whole catalog")

    for name in ("products", "iter_products", "links"):
        monkeypatch.setattr(SqlCatalog, name, whole_catalog)

    def no_embedding(self, texts, **_kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError(f"the recommender's start embedded {len(texts)} items")

    monkeypatch.setattr(ItemTowerEmbedder, "embed", no_embedding)


def test_the_start_reads_no_product_and_embeds_nothing(
        tmp_path, luma: SqlCatalog, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    """The index a server finds was synced for an older catalog (here: never recorded,
    as before issue 15, and missing half the products): it warns and serves what is there."""
    from recommender.factory import build_recommender, weights_fingerprint
    from recommender.io import load_model

    settings = Settings(recommender_exact_max=0)
    folder = settings.recommender_model
    client = persistent_client(tmp_path / "chroma")
    half = luma.products()[::2]
    ItemIndex(client, ItemTowerEmbedder(load_model(folder), weights_fingerprint(folder))).sync(half)
    _forbid_catalog_passes(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="recommender.factory"):
        built = build_recommender(settings, luma, client)
    assert "recommender index is not current with the catalog" in caplog.text
    assert "python -m recommender.ingest" in caplog.text
    assert len(built.index) == len(half) and not built.index.exact
    found = built.recommend(ShopperContext(history=(half[1].id,)), k=3)
    assert len(found) == 3 and {r.product.id for r in found} <= {p.id for p in half}
    assert built.similar(half[2].id, k=2)


def test_the_ingest_records_the_catalog_version_and_a_changed_catalog_is_noticed(
        tmp_path, embedder, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from catalog.importers.load import parse_store, write_catalog
    from recommender.factory import build_recommender
    from recommender.ingest import ingest_items

    settings = Settings(state_dir=tmp_path, store="luma")
    catalog = _import_luma(settings.catalog_url)
    encoded: list[int] = []
    real = ItemTowerEmbedder.embed

    def counting(self, texts, **kwargs):  # type: ignore[no-untyped-def]
        encoded.append(len(texts))
        return real(self, texts, **kwargs)

    monkeypatch.setattr(ItemTowerEmbedder, "embed", counting)
    report = ingest_items(settings, embedder=embedder, progress=False)
    assert report.added == len(catalog.products()) == sum(encoded)
    client = persistent_client(settings.chroma_path)
    assert ItemIndex(client, embedder).catalog_version == f"luma:{catalog.fingerprint()}"
    with caplog.at_level(logging.WARNING, logger="recommender.factory"):
        build_recommender(settings, catalog, client)
    assert "not current" not in caplog.text
    # A re-import that changes one description: the start notices, the ingest embeds one.
    parsed = parse_store("luma", settings.data_dir)
    parsed.products[3] = dataclasses.replace(parsed.products[3],
                                             description="Now in a brand new fabric.")
    write_catalog(parsed, catalog.engine)
    with caplog.at_level(logging.WARNING, logger="recommender.factory"):
        build_recommender(settings, catalog, client)
    assert "not current" in caplog.text
    encoded.clear()
    report = ingest_items(settings, embedder=embedder, progress=False)
    assert (report.updated, sum(encoded)) == (1, 1)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="recommender.factory"):
        build_recommender(settings, catalog, persistent_client(settings.chroma_path))
    assert "not current" not in caplog.text


def test_per_request_reads_on_postgresql_give_the_same_answers(
        postgres_url: str, chroma, embedder, luma: SqlCatalog) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The production profile's catalog database: the reads by id and the recommender over
    them equal SQLite's and the in-memory recommender's."""
    load.import_catalog("luma", Settings().data_dir, postgres_url)
    pg = SqlCatalog(postgres_url, "luma")
    ids = [p.id for p in luma.products()]
    assert pg.review_counts(ids) == luma.review_counts(ids)
    assert pg.max_review_count() == luma.max_review_count()
    assert pg.most_reviewed(len(ids)) == luma.most_reviewed(len(ids))
    assert pg.links_from(ids) == luma.links_from(ids)
    assert pg.positions(ids) == luma.positions(ids)
    for exact_max in (20_000, 0):
        memory, _ = _pair(chroma, embedder, luma, exact_max)
        index = ItemIndex(chroma, embedder, exact_max=exact_max)
        index.reload()
        on_pg = Recommender.over(index, CatalogItems(pg, pg.search_index()))
        for context in _contexts(luma)[:4]:
            for filters in FILTERS[:5]:
                _same(on_pg.recommend(context, k=5, filters=filters),
                      memory.recommend(context, k=5, filters=filters))


def test_hostile_history_ids_are_only_bound_parameters(
        chroma, embedder, luma: SqlCatalog) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The session's ids reach SQL only as bound values: one that looks like SQL or names
    nothing is an unknown product (no history), and the catalog is unchanged after it."""
    hostile = ("x' OR '1'='1", "'); DROP TABLE products; --", "%", "")
    memory, per_request = _pair(chroma, embedder, luma, 0)
    before = len(luma.products())
    for history in (hostile, (*hostile, luma.products()[0].id)):
        context = ShopperContext(history=history, carted=hostile[:1])
        _same(per_request.recommend(context, k=5), memory.recommend(context, k=5))
    assert luma.links_from(hostile) == {} and luma.review_counts(hostile) == {}
    assert luma.positions(hostile) == {} and luma.products_by_ids(list(hostile)) == []
    assert len(luma.products()) == before
