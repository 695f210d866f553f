"""The same search runs on the Amazon Scientific catalog (no prices, no variants)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisle.settings import Settings
from knowledge.catalog import SqlCatalog
from knowledge.domain import PolicySection, Product, ProductLink, Review
from knowledge.embedding import load_embedder
from knowledge.importers.load import import_catalog
from knowledge.search import ProductSearch, SearchFilters
from knowledge.store import KnowledgeStore

pytestmark = pytest.mark.integration


class CaliperSlice:
    """The imported Scientific catalog cut to its calipers and 150 other items (fast)."""

    def __init__(self, catalog: SqlCatalog, size: int = 150) -> None:
        products = catalog.products()
        calipers = [p for p in products if "caliper" in p.name.lower()]
        self._products = calipers + [p for p in products if p not in calipers][: size]

    def products(self) -> list[Product]:
        return list(self._products)

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self._products if p.id == product_id), None)

    def reviews(self, product_id: str | None = None) -> list[Review]:
        return []

    def policy_sections(self) -> list[PolicySection]:
        return []

    def links(self, product_id: str) -> list[ProductLink]:
        return []


@pytest.fixture(scope="module")
def search(tmp_path_factory: pytest.TempPathFactory) -> ProductSearch:
    data_dir = Settings().data_dir
    if not (data_dir / "amazon-scientific").is_dir():
        pytest.skip(f"Amazon Scientific data not found in {data_dir}")
    tmp: Path = tmp_path_factory.mktemp("scientific")
    url = f"sqlite:///{tmp / 'catalog.sqlite'}"
    summary = import_catalog("scientific", data_dir, url)
    assert summary.imported["products"] == 4385
    catalog = CaliperSlice(SqlCatalog(url, "scientific"))
    embedder = load_embedder()
    store = KnowledgeStore.open(embedder, path=tmp / "chroma")
    store.ingest(catalog, progress=False)
    return ProductSearch(catalog, store, embedder)


def test_price_filter_is_reported_unsupported_not_failed(search: ProductSearch) -> None:
    result = search.search("digital caliper", SearchFilters(price_max=30), k=5)
    assert result.unsupported_filters == ["price_max"]
    assert result.hits, "the query should still be answered without the price filter"
    assert all("caliper" in hit.product.name.lower() for hit in result.hits)
    assert all(hit.product.price is None for hit in result.hits)
