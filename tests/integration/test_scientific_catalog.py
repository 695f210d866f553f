"""The same search runs on the Amazon Scientific catalog (no prices, no variants)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.filters import ProductFilters
from catalog.importers.load import import_catalog
from knowledge.embedding import load_embedder
from knowledge.search import ProductSearch
from knowledge.store import KnowledgeStore
from tests.fakes import InMemoryCatalog

pytestmark = pytest.mark.integration


def caliper_slice(catalog: SqlCatalog, size: int = 150) -> InMemoryCatalog:
    """The imported Scientific catalog cut to its calipers and 150 other items (fast)."""
    products = catalog.products()
    calipers = [p for p in products if "caliper" in p.name.lower()]
    return InMemoryCatalog(calipers + [p for p in products if p not in calipers][:size])


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> ProductSearch:
    data_dir = Settings().data_dir
    if not (data_dir / "amazon-scientific").is_dir():
        pytest.skip(f"Amazon Scientific data not found in {data_dir}")
    tmp: Path = tmp_path_factory.mktemp("scientific")
    url = f"sqlite:///{tmp / 'catalog.sqlite'}"
    summary = import_catalog("scientific", data_dir, url)
    assert summary.imported["products"] == 4385
    catalog = caliper_slice(SqlCatalog(url, "scientific"))
    embedder = load_embedder()
    store = KnowledgeStore.open(embedder, path=tmp / "chroma")
    store.ingest(catalog, progress=False)
    return ProductSearch(catalog, store, embedder)


def test_price_filter_is_reported_unsupported_not_failed(search: ProductSearch) -> None:
    result = search.search("digital caliper", ProductFilters(price_max=30), k=5)
    assert result.unsupported_filters == ["price_max"]
    assert result.hits, "the query should still be answered without the price filter"
    assert all("caliper" in hit.product.name.lower() for hit in result.hits)
    assert all(hit.product.price is None for hit in result.hits)
