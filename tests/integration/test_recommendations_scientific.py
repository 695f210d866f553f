"""On the Amazon Scientific catalog, recommendations follow a shopper's history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT, Settings
from catalog.importers.load import parse_store
from knowledge.store import persistent_client
from recommender.factory import interaction_popularity, weights_fingerprint
from recommender.index import ItemIndex, ItemTowerEmbedder
from recommender.io import load_model
from recommender.service import Recommender, ShopperContext

pytestmark = pytest.mark.integration
DATA_DIR = Path(os.environ.get("AISLE_DATA_DIR", REPO_ROOT.parent / "shared" / "data"))
CATALOG_SIZE = 300


@pytest.fixture(scope="module")
def scientific(tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    parsed = parse_store("scientific", DATA_DIR)
    # Every product of one brand family plus the first items of the catalog: small enough
    # to encode quickly, with real neighbours to find.
    products = parsed.products[:CATALOG_SIZE]
    folder = Settings().recommender_model
    embedder = ItemTowerEmbedder(load_model(folder), weights_fingerprint(folder))
    index = ItemIndex(persistent_client(tmp_path_factory.mktemp("sci") / "chroma"), embedder)
    index.sync(products)
    popularity = interaction_popularity(DATA_DIR / "amazon-scientific")
    return Recommender(index, {p.id: p for p in products}, {}, popularity)


def _by_brand(recommender: Recommender) -> dict[str, list[str]]:
    brands: dict[str, list[str]] = {}
    for pid, product in recommender.products.items():
        if product.brand:
            brands.setdefault(product.brand, []).append(pid)
    return brands


def _area(product) -> str:  # type: ignore[no-untyped-def]
    """The first two levels of a product's category path."""
    return "/".join(product.category.split("/")[:2])


def test_recommendations_follow_the_history(scientific: Recommender) -> None:
    families = sorted(((b, ids) for b, ids in _by_brand(scientific).items() if len(ids) >= 6),
                      key=lambda row: -len(row[1]))
    assert len(families) >= 2, "the slice should hold two brands with several products"
    (_, ids_a), (_, ids_b) = families[0], families[1]
    recs_a = scientific.recommend(ShopperContext(history=tuple(ids_a[:3])), k=5)
    recs_b = scientific.recommend(ShopperContext(history=tuple(ids_b[:3])), k=5)
    top_a = [r.product.id for r in recs_a]
    top_b = [r.product.id for r in recs_b]
    assert set(top_a).isdisjoint(ids_a[:3]) and set(top_b).isdisjoint(ids_b[:3])
    # Most of each shopper's picks share a category with what they were browsing, far more
    # than the catalog's share of those categories.
    for history, recs in ((ids_a[:3], recs_a), (ids_b[:3], recs_b)):
        browsed = {_area(scientific.products[pid]) for pid in history}
        share = sum(_area(p) in browsed for p in scientific.products.values()) / len(
            scientific.products)
        hits = sum(_area(r.product) in browsed for r in recs)
        assert hits >= 3 and hits / len(recs) > 2 * share, (browsed, [r.product.name for r in recs])
    assert top_a != top_b
    assert recs_a[0].reason.startswith("similar to the ")


def test_cold_start_on_the_scientific_catalog_uses_interaction_popularity(
        scientific: Recommender) -> None:
    found = scientific.recommend(ShopperContext(), k=3)
    raw = scientific.items.raw_popularity(list(scientific.products))
    counts = [raw[r.product.id] for r in found]
    assert counts == sorted(counts, reverse=True)
    assert counts[0] == max(raw.get(pid, 0.0) for pid in scientific.products)
    assert found[0].reason == "popular with other shoppers"
