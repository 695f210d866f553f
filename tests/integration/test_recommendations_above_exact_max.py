"""The Recommender above ``exact_max``: candidates from Chroma's HNSW index, nothing per item held
in memory, the same answers as exact ranking where the candidate pool covers the catalog.

Shipped model, real Chroma on tmp_path (issue 15).
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest

import recommender.service as service
from catalog.filters import ProductFilters
from knowledge.search import FilterCheck
from knowledge.store import persistent_client
from recommender.calibration import RepeatGate
from recommender.index import ITEM_HNSW, ItemIndex, ItemTowerEmbedder
from recommender.service import Recommender, ShopperContext
from tests.integration.test_recommendations_service import LINKS, PRODUCTS, embedder  # noqa: F401

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytestmark = pytest.mark.integration

CONTEXTS = [
    (ShopperContext(), None),
    (ShopperContext(query="something for yoga"), None),
    (ShopperContext(history=("H1",)), None),
    (ShopperContext(history=("H1", "Y1"), carted=("Y1",)), None),
    (ShopperContext(history=("H1",)), ProductFilters(gender="men", size="M")),
    (ShopperContext(history=("R1",), query="hoodie"), ProductFilters(price_max=60.0)),
    (ShopperContext(), ProductFilters(gender="women")),
]


@pytest.fixture()
def client(tmp_path):  # type: ignore[no-untyped-def]
    return persistent_client(tmp_path / "chroma")


@pytest.fixture()
def both(client, embedder: ItemTowerEmbedder) -> tuple[Recommender, Recommender]:  # noqa: F811
    """The same catalog and collection ranked exactly (exact_max high) and by the ANN (0)."""
    exact = ItemIndex(client, embedder)
    exact.sync(PRODUCTS)
    ann = ItemIndex(client, embedder, exact_max=0)
    ann.reload()
    products = {p.id: p for p in PRODUCTS}
    return Recommender(exact, products, LINKS), Recommender(ann, products, LINKS)


def _same(a: list, b: list) -> None:
    assert [r.product.id for r in a] == [r.product.id for r in b]
    assert [r.reason for r in a] == [r.reason for r in b]
    assert [r.score for r in a] == pytest.approx([r.score for r in b], abs=1e-4)


def test_above_exact_max_no_item_vector_is_held_in_memory(both) -> None:  # type: ignore[no-untyped-def]
    exact, ann = both
    assert exact.index.exact and exact.index.matrix.shape == (len(PRODUCTS), exact.index.embedder.dim)
    assert not ann.index.exact
    assert ann.index.matrix.shape[0] == 0 and ann.index.ids == []
    assert len(ann.index) == len(PRODUCTS)
    np.testing.assert_allclose(ann.index.vector("H1"), exact.index.vector("H1"), atol=1e-6)
    assert ann.index.vector("nope") is None
    with pytest.raises(RuntimeError):
        ann.index.scores(exact.index.vector("H1"))


def test_the_item_collection_is_built_with_the_chosen_hnsw_settings(both) -> None:  # type: ignore[no-untyped-def]
    hnsw = both[1].index.collection.configuration_json["hnsw"]
    assert {key: hnsw[key] for key in ITEM_HNSW} == ITEM_HNSW


@pytest.mark.parametrize(("context", "filters"), CONTEXTS)
def test_the_ann_recommends_what_exact_ranking_does(both, context, filters) -> None:  # type: ignore[no-untyped-def]
    exact, ann = both
    _same(ann.recommend(context, k=4, filters=filters),
          exact.recommend(context, k=4, filters=filters))


def test_similar_goes_with_gate_and_propensity_agree(both) -> None:  # type: ignore[no-untyped-def]
    exact, ann = both
    _same(ann.similar("H1", k=3), exact.similar("H1", k=3))
    _same(ann.goes_with("H1", k=2), exact.goes_with("H1", k=2))
    gate = RepeatGate(offset=5.0)
    gated = [Recommender(r.index, r.products, LINKS, repeat_gate=gate) for r in both]
    context = ShopperContext(history=("H1", "Y1"))
    _same(gated[1].recommend(context, k=3), gated[0].recommend(context, k=3))
    assert gated[1].recommend(context, k=3)[0].product.id == "Y1"
    scores = ann.propensity(context, ["H2", "Y1", "nope"])
    assert scores == pytest.approx(exact.propensity(context, ["H2", "Y1", "nope"]), abs=1e-5)
    assert ann.explain(PRODUCTS[1], ShopperContext(history=("H1",))) == exact.explain(
        PRODUCTS[1], ShopperContext(history=("H1",)))


def test_cold_start_with_a_selective_filter_asks_chromas_metadata_index(
        both, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    exact, ann = both
    monkeypatch.setattr(service, "POPULARITY_WALK", 2)  # B1 and Y1 (gear) are walked, then where
    ann.refresh(ann.products, LINKS)
    found = ann.recommend(ShopperContext(), k=3, filters=ProductFilters(gender="women"))
    assert [r.product.id for r in found] == ["Y2"]
    _same(found, exact.recommend(ShopperContext(), k=3, filters=ProductFilters(gender="women")))
    assert ann.recommend(ShopperContext(), k=3, filters=ProductFilters(color="purple")) == []


def test_filters_are_checked_on_the_candidates_only(client, embedder, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """No pass over the catalog per request: 240 products, a pool of 10, ≤ pool + history checks."""
    catalog = [dataclasses.replace(p, id=f"{p.id}-{n}", name=f"{p.name} {n}")
               for n in range(40) for p in PRODUCTS]
    index = ItemIndex(client, embedder, exact_max=100)
    index.sync(catalog)
    assert not index.exact
    monkeypatch.setattr(service, "POOL", 10)
    monkeypatch.setattr(service, "FILTERED_POOL", 20)
    recommender = Recommender(index, {p.id: p for p in catalog}, {})
    checked: list[str] = []
    real = FilterCheck.matches

    def counting(self, product, filters):  # type: ignore[no-untyped-def]
        checked.append(product.id)
        return real(self, product, filters)

    monkeypatch.setattr(FilterCheck, "matches", counting)
    found = recommender.recommend(ShopperContext(history=("H1-0",)), k=2,
                                  filters=ProductFilters(gender="men", size="M"))
    assert len(found) == 2 and all(r.product.gender == "men" for r in found)
    assert 0 < len(checked) <= 20  # the unfiltered ANN's first 20, no where needed
    asked: list[object] = []
    nearest = index.nearest
    monkeypatch.setattr(index, "nearest", lambda v, n, where=None: asked.append(where)
                        or nearest(v, n, where))
    checked.clear()
    bottles = recommender.recommend(ShopperContext(history=("H1-0",)), k=3,
                                    filters=ProductFilters(price_max=10.0))
    # Hoodies fill the first 20: none passes, so Chroma's where is asked for the $7 bottles.
    assert [r.product.name.startswith("Affirm Water Bottle") for r in bottles] == [True] * 3
    assert asked == [None, recommender.check.where(ProductFilters(price_max=10.0))]
    assert len(checked) <= 20 + 5 * 3  # and the where query's max(POOL, 5 k)
    checked.clear()
    recommender.recommend(ShopperContext(), k=2, filters=ProductFilters(gender="men"))
    # Cold start walks popularity order (40 bottles, 40 yoga straps, then the men's tees) and
    # stops at the k-th match: 82 of 240 checked.
    assert len(checked) == 82


def test_an_index_built_earlier_keeps_its_graph_but_takes_the_new_ef_search(
        client, embedder) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from knowledge.store import open_collection
    from recommender.index import ITEMS

    open_collection(client, ITEMS, embedder)  # as before issue 15: cosine, Chroma's defaults
    hnsw = ItemIndex(client, embedder).collection.configuration_json["hnsw"]
    assert hnsw["ef_search"] == ITEM_HNSW["ef_search"]
    assert hnsw["max_neighbors"] == 16  # fixed when the graph was built


def test_search_and_passage_collections_are_built_with_the_chosen_hnsw_settings(
        client) -> None:  # type: ignore[no-untyped-def]
    from knowledge.store import HNSW, PASSAGES, PRODUCTS, KnowledgeStore

    class Tiny:
        model_name, dim = "tiny", 4

    store = KnowledgeStore(client, Tiny())  # type: ignore[arg-type]
    for name, collection in ((PRODUCTS, store.products), (PASSAGES, store.passages)):
        hnsw = collection.configuration_json["hnsw"]
        assert {key: hnsw[key] for key in HNSW[name]} == HNSW[name]
    assert store.products.configuration_json["hnsw"]["max_neighbors"] == 32


def test_the_factory_takes_the_threshold_from_the_settings(client) -> None:  # type: ignore[no-untyped-def]
    from pydantic import ValidationError

    from aisle.settings import Settings
    from recommender.factory import build_recommender
    from tests.fakes import InMemoryCatalog

    settings = Settings(recommender_exact_max=3)
    built = build_recommender(settings, InMemoryCatalog(PRODUCTS), client)
    assert not built.index.exact and len(built.index) == len(PRODUCTS)
    assert built.recommend(ShopperContext(history=("H1",)), k=1)[0].product.id == "H2"
    with pytest.raises(ValidationError, match="recommender_exact_max"):
        Settings(recommender_exact_max=-1)


def test_the_factory_sets_torch_threads_from_the_settings(client) -> None:  # type: ignore[no-untyped-def]
    import torch
    from pydantic import ValidationError

    from aisle.settings import Settings
    from recommender.factory import build_recommender
    from tests.fakes import InMemoryCatalog

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        build_recommender(Settings(torch_threads=1), InMemoryCatalog(PRODUCTS), client)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    with pytest.raises(ValidationError, match="torch_threads"):
        Settings(torch_threads=0)
