"""The knowledge store, search and answers with a real Chroma on tmp_path and the real MiniLM."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from catalog.domain import PolicySection, Product, Review, Variant
from catalog.filters import ProductFilters
from dialogue.cards import answer_payload
from knowledge.answers import AnswerService
from knowledge.qa_scoring import PassageScorer
from knowledge.search import ProductSearch
from knowledge.store import EmbeddingModelMismatch, KnowledgeStore
from tests.fakes import InMemoryCatalog

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytestmark = pytest.mark.integration


def _product(pid: str, name: str, description: str, *, gender: str | None, price: float | None,
             colors: tuple[str, ...], sizes: tuple[str, ...] = ("S", "M", "L"),
             category: str = "Women/Tops/Jackets", **extra: object) -> Product:
    variants = tuple(
        Variant(sku=f"{pid}-{s}-{c}", product_id=pid, size=s, color=c, qty=5, in_stock=True)
        for c in colors for s in sizes
    )
    return Product(id=pid, name=name, description=description, category=category,
                   categories=(category,), product_type=category.rsplit("/", 1)[-1],
                   gender=gender, price=price, colors=colors, sizes=sizes, variants=variants,
                   **extra)  # type: ignore[arg-type]


PRODUCTS = [
    _product("MH01", "Chaz Kangeroo Hoodie",
             "Ideal for cold-weather training or work outdoors, the Chaz Hoodie promises superior "
             "warmth with every wear. Thick material blocks out the wind.",
             gender="men", price=52.0, colors=("Black", "Gray"),
             category="Men/Tops/Hoodies & Sweatshirts", materials=("Fleece",)),
    _product("WJ01", "Stellar Storm Jacket",
             "This jacket is fully waterproof, with taped seams and a storm hood. "
             "Pack it in its own pocket when the sun comes out.",
             gender="women", price=59.0, colors=("Blue", "Black")),
    _product("MJ02", "Summit Alpine Shell",
             "A mountaineering shell built from three-layer Gore-Tex Pro fabric. "
             "Pit zips dump heat on long climbs.",
             gender="men", price=249.0, colors=("Red",)),
    _product("WT01", "Breeze Cotton Tee",
             "A soft, breathable T-shirt in organic cotton for everyday wear.",
             gender="women", price=22.0, colors=("White", "Pink"),
             category="Women/Tops/Tees", materials=("Organic Cotton",)),
    _product("UB01", "Voyage Yoga Bag",
             "A roomy gym bag with a separate compartment for your yoga mat.",
             gender="unisex", price=32.0, colors=("Black",), sizes=(), category="Gear/Bags"),
    _product("MP01", "Cronus Yoga Pant",
             "Stretchy pants with a drawstring waist, made for yoga and pilates sessions.",
             gender="men", price=48.0, colors=("Black", "Blue"), category="Men/Bottoms/Pants"),
    _product("WS01", "Aurora Running Short",
             "Lightweight shorts with a built-in liner for long runs on hot days.",
             gender="women", price=29.0, colors=("Purple",), category="Women/Bottoms/Shorts"),
    _product("MT02", "Atlas Wool Sweater",
             "A chunky knit sweater of merino wool that keeps you cozy by the fireplace.",
             gender="men", price=75.0, colors=("Green",), category="Men/Tops/Sweaters"),
    _product("WH01", "Nadia Trail Sneaker",
             "Trail sneakers with a grippy outsole for rocky paths.",
             gender="women", price=89.0, colors=("Gray",), sizes=("7", "8", "9"),
             category="Women/Shoes/Sneakers", in_stock=False),
    _product("UW01", "Tempo Sports Watch",
             "A digital sports watch with a heart rate monitor and lap timer.",
             gender="unisex", price=120.0, colors=("Black",), sizes=(), category="Gear/Watches"),
]
POLICIES = [
    PolicySection("customer-service", "Customer Service", "Returns",
                  "You can return any item within 30 days of delivery for a full refund. "
                  "Items must be unworn and in their original packaging. "
                  "Gift returns are refunded as store credit."),
    PolicySection("customer-service", "Customer Service", "Delivery",
                  "Standard delivery takes 3 to 5 business days. "
                  "Orders over $100 ship for free."),
]


def sample_catalog(products: list[Product]) -> InMemoryCatalog:
    """The hand-written products with one review and the store's policy page."""
    review = Review("MH01", 5, "Warm", "Kept me warm on winter runs. Fits well.")
    return InMemoryCatalog(products, [review], POLICIES)


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    from knowledge.embedding import load_embedder

    return load_embedder()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, embedder):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("chroma")
    catalog = sample_catalog(PRODUCTS)
    store = KnowledgeStore.open(embedder, path=path)
    report = store.ingest(catalog, progress=False)
    return path, catalog, store, report


@pytest.fixture(scope="module")
def search(built, embedder) -> ProductSearch:  # type: ignore[no-untyped-def]
    _, catalog, store, _ = built
    return ProductSearch(catalog, store, embedder)


def test_first_ingest_adds_everything(built) -> None:  # type: ignore[no-untyped-def]
    _, _, store, report = built
    assert report.products.added == len(PRODUCTS) == store.products.count()
    assert report.passages.added == store.passages.count() > len(PRODUCTS)


def test_filters_hold_for_every_hit(search: ProductSearch) -> None:
    filters = ProductFilters(price_max=60, color="black", size="M", gender="women")
    result = search.search("jacket for the rain", filters, k=10)
    assert result.hits
    for hit in result.hits:
        p = hit.product
        assert p.price is not None and p.price <= 60
        assert p.gender in ("women", "unisex")
        assert any(v.color == "Black" and v.size == "M" for v in p.variants)
    assert "under $60" in result.hits[0].reason


def test_women_accepts_unisex_and_out_of_stock_is_hidden(search: ProductSearch) -> None:
    ids = {h.product.id for h in search.search("bag", ProductFilters(gender="women"), k=10).hits}
    assert "UB01" in ids and "MH01" not in ids and "WH01" not in ids


def test_rare_exact_name_and_brand_word_come_first(search: ProductSearch) -> None:
    assert search.search("Chaz", ProductFilters(), k=3).hits[0].product.id == "MH01"
    top = search.search("gore-tex", ProductFilters(), k=3).hits[0]
    assert top.product.id == "MJ02" and "gore-tex" in top.reason


def test_paraphrase_without_shared_words_is_found_by_dense(search: ProductSearch) -> None:
    query = "something to keep me dry during a downpour"
    assert "WJ01" not in search.keyword_ranking(query)
    ids = [h.product.id for h in search.search(query, ProductFilters(), k=3).hits]
    assert "WJ01" in ids


def test_empty_result_names_the_constraint(search: ProductSearch) -> None:
    result = search.search("hoodie", ProductFilters(color="Purple", gender="men"), k=5)
    assert not result.hits
    assert result.empty_because is not None
    assert result.empty_because.constraint in {"color", "gender"}
    assert result.empty_because.count > 0


def test_model_mismatch_guard(built) -> None:  # type: ignore[no-untyped-def]
    path = built[0]

    class OtherModel:
        model_name = "other-model"
        dim = 384

    with pytest.raises(EmbeddingModelMismatch, match="all-MiniLM-L6-v2"):
        KnowledgeStore.open(OtherModel(), path=path)  # type: ignore[arg-type]


def test_ingest_is_incremental(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    store = KnowledgeStore.open(embedder, path=tmp_path / "chroma")
    products = PRODUCTS[:4]
    store.ingest(sample_catalog(products), progress=False)
    again = store.ingest(sample_catalog(products), progress=False)
    assert again.embedded == 0 and again.products.unchanged == 4
    changed = [replace(products[0], description=products[0].description + " Now with pockets."),
               *products[1:3]]
    report = store.ingest(sample_catalog(changed), progress=False)
    assert report.products.updated == 1 and report.products.deleted == 1
    assert report.passages.added == 1  # only the new sentence of MH01 is embedded
    assert report.embedded == 2
    assert store.products.count() == 3
    assert not store.product_passages(products[3].id)
    repriced = [replace(changed[0], price=10.0), *changed[1:]]
    assert store.ingest(sample_catalog(repriced), progress=False).embedded == 0


def test_unchanged_catalog_loads_no_model(tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    from knowledge.embedding import LazyEmbedder, lazy_embedder

    KnowledgeStore.open(embedder, path=tmp_path / "chroma").ingest(sample_catalog(PRODUCTS[:3]),
                                                                    progress=False)
    lazy = lazy_embedder()
    assert (lazy.model_name, lazy.dim) == (embedder.model_name, embedder.dim)

    def must_not_load() -> LazyEmbedder:
        raise AssertionError("an unchanged catalog loaded the embedding model")

    unused = LazyEmbedder(embedder.model_name, embedder.dim, must_not_load)
    report = KnowledgeStore.open(unused, path=tmp_path / "chroma").ingest(
        sample_catalog(PRODUCTS[:3]), progress=False)
    assert report.embedded == 0 and report.products.unchanged == 3
    # A changed product does load it, once, and the vectors are the real model's.
    lazy_store = KnowledgeStore.open(lazy, path=tmp_path / "chroma")
    changed = [replace(PRODUCTS[0], description=PRODUCTS[0].description + " Now with pockets.")]
    assert lazy_store.ingest(sample_catalog(changed), progress=False).embedded > 0
    assert lazy.loaded() is embedder


def _scorer(embedder) -> PassageScorer:  # type: ignore[no-untyped-def]
    try:
        return PassageScorer(embedder)
    except FileNotFoundError:  # fitted weights not built in this checkout: zero-shot scorer
        return PassageScorer.plain_cosine(embedder)  # type: ignore[attr-defined]


def test_grounded_answer_quotes_the_description(built, embedder) -> None:  # type: ignore[no-untyped-def]
    store = built[2]
    answers = AnswerService(store, _scorer(embedder), embedder)
    answer = answers.answer_product_question("WJ01", "is it waterproof?")
    assert answer.grounded and answer.citations
    assert answer.citations[0].quote in PRODUCTS[1].description
    assert answer.citations[0].product_id == "WJ01"
    unknown = answers.answer_product_question("WJ01", "who won the football world cup in 1998?")
    assert not unknown.grounded and not unknown.citations
    policy = answers.answer_policy_question("how many days do I have to return an item?")
    assert policy.grounded and "30 days" in policy.citations[0].quote
    assert answer_payload(policy)["citations"][0]["source"] == "policy"


def test_bad_store_settings_raise_named_errors(embedder) -> None:  # type: ignore[no-untyped-def]
    from knowledge.store import KnowledgeStoreError, StoreUnavailable

    with pytest.raises(StoreUnavailable, match="host:port"):
        KnowledgeStore.open(embedder, url="not a url")
    with pytest.raises(KnowledgeStoreError):
        KnowledgeStore.open(embedder)
