"""Search logic without Chroma or MiniLM: BM25, RRF, exact filters, empty_because, reasons."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from catalog.domain import Product, Variant
from catalog.filters import ProductFilters
from catalog.text import lemma
from knowledge.keyword import BM25Index, tokenize
from knowledge.passages import product_document
from knowledge.search import FilterCheck, ProductSearch, build_reason, rrf
from tests.fakes import InMemoryCatalog


class HashEmbedder:
    """Bag-of-words vectors hashed into 64 dims: deterministic and model-free."""

    model_name = "fake-hash"
    dim = 64

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                out[row, zlib.crc32(token.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


class FakeStore:
    """``query_products`` by dot product over fake vectors; ``where`` is recorded, not applied."""

    def __init__(self, products: list[Product], embedder: HashEmbedder) -> None:
        self.ids = [p.id for p in products]
        self.vectors = embedder.embed([product_document(p) for p in products])
        self.wheres: list[Any] = []

    def query_products(self, vector: np.ndarray, n: int,
                       where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        self.wheres.append(where)
        sims = self.vectors @ vector
        return [(self.ids[i], float(sims[i])) for i in np.argsort(-sims)[:n]]


def product(pid: str, name: str, *, price: float | None = 50.0, gender: str | None = "women",
            colors: tuple[str, ...] = ("Black",), sizes: tuple[str, ...] = ("M",),
            in_stock: bool = True, description: str = "", category: str = "Women/Tops/Jackets",
            stock_by_color: dict[str, bool] | None = None, **extra: Any) -> Product:
    variants = tuple(
        Variant(f"{pid}-{c}-{s}", pid, s, c, 3, (stock_by_color or {}).get(c, True))
        for c in colors for s in sizes
    )
    return Product(id=pid, name=name, description=description or name, category=category,
                   categories=(category,), product_type=category.rsplit("/", 1)[-1],
                   gender=gender, price=price, colors=colors, sizes=sizes, variants=variants,
                   in_stock=in_stock, **extra)


PRODUCTS = [
    product("MH01", "Chaz Kangeroo Hoodie", gender="men", colors=("Gray",), price=52,
            category="Men/Tops/Hoodies & Sweatshirts"),
    product("WJ01", "Stellar Storm Jacket", description="A waterproof jacket for rainy days.",
            colors=("Blue", "Black"), price=59, stock_by_color={"Black": False}),
    product("MJ02", "Summit Shell", description="Gore-Tex Pro shell.", gender="men", price=249,
            colors=("Red",)),
    product("UB01", "Voyage Bag", gender="unisex", price=32, category="Gear/Bags",
            materials=("Organic Cotton",)),
    product("WT09", "Sold Out Tee", in_stock=False, price=20, category="Women/Tops/Tees"),
]


@pytest.fixture()
def search() -> ProductSearch:
    embedder = HashEmbedder()
    return ProductSearch(InMemoryCatalog(PRODUCTS), FakeStore(PRODUCTS, embedder), embedder)  # type: ignore[arg-type]


def test_tokenize_stems_plurals_and_splits_hyphens() -> None:
    assert tokenize("Jackets, HOODIES & boxes!") == ["jacket", "hoodie", "box"]
    assert tokenize("Gore-Tex") == ["gore", "tex", "goretex"]
    assert tokenize("hoodie") == tokenize("hoodies")
    assert lemma("dress") == "dress" and lemma("shorts") == "short"


def test_bm25_ranks_rare_words_and_restricts_to_allowed() -> None:
    index = BM25Index(["a", "b", "c"], ["red jacket jacket", "blue jacket", "Chaz hoodie"])
    assert index.search("chaz")[0][0] == "c"
    assert [i for i, _ in index.search("red jackets")][:2] == ["a", "b"]
    assert index.search("jacket", allowed={"b"}) == [("b", pytest.approx(index.scores("jacket")[1]))]
    assert index.search("nothing here") == []
    assert index.matched_terms("a red coat", "a") == ["red"]


def test_rrf_rewards_agreement() -> None:
    fused = rrf([["x", "y", "z"], ["y", "w"]], k=60)
    assert max(fused, key=fused.__getitem__) == "y"
    assert fused["x"] == pytest.approx(1 / 61) and fused["w"] == pytest.approx(1 / 62)


def test_filters_are_exact_on_variants_and_stock() -> None:
    check = FilterCheck(PRODUCTS)
    jacket = PRODUCTS[1]
    assert check.matches(jacket, ProductFilters(color="blue", size="m"))
    assert not check.matches(jacket, ProductFilters(color="black"))  # black is sold out
    assert check.matches(jacket, ProductFilters(color="black", in_stock_only=False))
    assert not check.matches(jacket, ProductFilters(price_max=58.99))
    assert check.matches(PRODUCTS[3], ProductFilters(gender="women", material="cotton"))
    assert check.matches(PRODUCTS[0], ProductFilters(product_type="hoodie"))
    assert check.matches(PRODUCTS[0], ProductFilters(product_type="men/tops"))  # a category word
    assert not check.matches(PRODUCTS[0], ProductFilters(product_type="women"))


def test_where_clause_encodes_the_filters() -> None:
    where = FilterCheck(PRODUCTS).where(
        ProductFilters(price_max=60, color="Black", gender="women"))
    assert where == {"$and": [
        {"in_stock": True}, {"price": {"$lte": 60.0}},
        {"gender": {"$in": ["unisex", "women"]}},
        {"colors": {"$contains": "black"}},
    ]}
    assert FilterCheck(PRODUCTS).where(ProductFilters(in_stock_only=False)) is None


def test_search_applies_filters_and_explains(search: ProductSearch) -> None:
    result = search.search("waterproof jacket", ProductFilters(price_max=60, gender="women"), k=5)
    ids = [h.product.id for h in result.hits]
    assert ids[0] == "WJ01" and set(ids) <= {"WJ01", "UB01"}
    assert result.hits[0].reason == "matches 'waterproof', 'jacket'; for women; $59, under $60"
    assert not result.unsupported_filters and result.empty_because is None


def test_empty_because_names_the_single_relaxation(search: ProductSearch) -> None:
    result = search.search("jacket", ProductFilters(color="red", price_max=100), k=5)
    assert not result.hits
    assert result.empty_because is not None
    assert {r.constraint: r.count for r in result.relaxations} == {"price_max": 1, "color": 3}
    assert result.empty_because.constraint == "color"


def test_empty_because_combination_and_out_of_stock(search: ProductSearch) -> None:
    stuck = search.search("x", ProductFilters(color="red", gender="women", price_max=10))
    assert stuck.empty_because is not None and stuck.empty_because.constraint == "combination"
    sold_out = search.search("tee", ProductFilters(product_type="tees"))
    assert sold_out.empty_because is not None
    assert sold_out.empty_because.constraint == "in_stock_only"


def test_filters_on_missing_data_are_reported_not_failed() -> None:
    items = [product("B001", "Lab Beaker", price=None, gender=None, colors=(), sizes=())]
    embedder = HashEmbedder()
    search = ProductSearch(InMemoryCatalog(items), FakeStore(items, embedder), embedder)  # type: ignore[arg-type]
    result = search.search("beaker", ProductFilters(price_max=20, color="black"))
    assert result.unsupported_filters == ["price_max", "color"]
    assert [h.product.id for h in result.hits] == ["B001"]


def test_reason_for_dense_only_hit() -> None:
    reason = build_reason(PRODUCTS[1], ProductFilters(color="blue"), [], dense_hit=True)
    assert reason == "close to what you described; in blue"


def test_search_validates_k(search: ProductSearch) -> None:
    with pytest.raises(ValueError):
        search.search("jacket", ProductFilters(), k=0)
    with pytest.raises(ValueError):
        ProductFilters(price_min=50, price_max=10)


class DownStore(FakeStore):
    """A Chroma server that does not answer; ``up`` brings it back."""

    up = False

    def query_products(self, vector: np.ndarray, n: int,
                       where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        if not self.up:
            from knowledge.store import StoreUnavailable

            raise StoreUnavailable("connection refused")
        return super().query_products(vector, n, where)


def test_search_falls_back_to_keywords_while_the_vector_store_is_down() -> None:
    products = [product("P1", "Chaz Kangeroo Hoodie", category="Men/Tops/Hoodies"),
                product("P2", "Ida Running Tight", category="Women/Bottoms/Tights")]
    embedder = HashEmbedder()
    store = DownStore(products, embedder)
    search = ProductSearch(InMemoryCatalog(products), store, embedder)  # type: ignore[arg-type]
    down = search.search("kangeroo hoodie", ProductFilters(), k=3)
    assert down.keyword_only
    assert [h.product.id for h in down.hits] == ["P1"]
    store.up = True
    back = search.search("kangeroo hoodie", ProductFilters(), k=3)
    assert not back.keyword_only
    assert back.hits[0].product.id == "P1"


class CountingCatalog(InMemoryCatalog):
    """An in-memory catalog that counts how products are read from it."""

    def __init__(self, products: list[Product]) -> None:
        super().__init__(products)
        self.whole_reads = 0
        self.single_reads: list[str] = []

    def products(self) -> list[Product]:
        self.whole_reads += 1
        return super().products()

    def product(self, product_id: str) -> Product | None:
        self.single_reads.append(product_id)
        return super().product(product_id)


def test_search_checks_no_product_in_python_and_loads_only_the_hits(
        monkeypatch: pytest.MonkeyPatch) -> None:
    embedder = HashEmbedder()
    catalog = CountingCatalog(PRODUCTS)
    search = ProductSearch(catalog, FakeStore(PRODUCTS, embedder), embedder)  # type: ignore[arg-type]
    catalog.whole_reads = 0

    def scan(*_: Any) -> bool:
        raise AssertionError("a search checked the products one by one in Python")

    monkeypatch.setattr(FilterCheck, "matches", scan)
    found = search.search("jacket", ProductFilters(gender="women"), k=2)
    assert [h.product.id for h in found.hits] == ["WJ01", "UB01"]
    empty = search.search("jacket", ProductFilters(color="red", price_max=100))
    assert {r.constraint: r.count for r in empty.relaxations} == {"price_max": 1, "color": 3}
    browse = search.search("", ProductFilters(price_max=55), k=3)  # no query: catalog order
    assert [h.product.id for h in browse.hits] == ["MH01", "UB01"]
    assert catalog.whole_reads == 0
    assert catalog.single_reads == ["WJ01", "UB01", "MH01", "UB01"]  # the hits, nothing more


def test_keyword_ranking_is_full_text_over_lemmas_within_the_filters(
        search: ProductSearch) -> None:
    assert search.keyword_ranking("chaz")[0] == "MH01"
    assert search.keyword_ranking("hoodies") == ["MH01"]  # plural query, singular lemma indexed
    assert search.keyword_ranking("goretex") == ["MJ02"]  # "Gore-Tex" is also indexed joined
    assert search.keyword_ranking("jacket", ProductFilters(gender="men")) == ["MJ02"]
    assert search.keyword_ranking("the and of") == []


HOSTILE_QUERIES = ['chaz" OR "', "chaz*", "NEAR(chaz hoodie, 2)", "terms: chaz", "chaz AND NOT",
                   "'; DROP TABLE search_text; --", "chaz\\' | !hoodie", "^chaz", "(((", '"',
                   "hoodie" * 400, "chaz 🧥 hoodie", "chaz\x00hoodie", "-chaz +hoodie {x}",
                   "1.75mm chaz", "chaz men's hoodie"]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_query_syntax_in_shopper_text_is_matched_as_words(search: ProductSearch,
                                                           query: str) -> None:
    ranking = search.keyword_ranking(query)  # never a full-text syntax error
    if "chaz" in query.lower():
        assert ranking[:1] == ["MH01"]
    assert search.search(query, ProductFilters(), k=3).filters == ProductFilters()
