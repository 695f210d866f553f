"""The Recommender service with the shipped model and a real Chroma on tmp_path."""

from __future__ import annotations

import os

import pytest

from aisle.settings import Settings
from catalog.domain import Product, ProductLink, Variant
from catalog.filters import ProductFilters
from knowledge.store import persistent_client
from recommender.factory import weights_fingerprint
from recommender.index import ItemIndex, ItemTowerEmbedder
from recommender.io import load_model
from recommender.service import Recommender, ShopperContext

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytestmark = pytest.mark.integration


def _product(pid: str, name: str, description: str, category: str, *, gender: str | None = None,
             price: float = 40.0, reviews: int = 0, rating: float | None = None) -> Product:
    sizes = ("S", "M", "L") if gender else ()
    variants = tuple(Variant(sku=f"{pid}-{s}", product_id=pid, size=s, color="Black", qty=3,
                             in_stock=True) for s in sizes)
    return Product(id=pid, name=name, description=description, category=category,
                   categories=(category,), product_type=category.rsplit("/", 1)[-1],
                   gender=gender, price=price, colors=("Black",) if gender else (),
                   sizes=sizes, variants=variants, review_count=reviews, rating=rating)


PRODUCTS = [
    _product("H1", "Chaz Kangeroo Hoodie", "A warm fleece hoodie with a kangaroo pocket.",
             "Men/Tops/Hoodies & Sweatshirts", gender="men", price=52, reviews=3, rating=4.0),
    _product("H2", "Teton Pullover Hoodie", "A pullover fleece hoodie for cold mornings.",
             "Men/Tops/Hoodies & Sweatshirts", gender="men", price=70, reviews=1, rating=5.0),
    _product("Y1", "Sprite Yoga Strap", "A cotton yoga strap to deepen your stretches.",
             "Gear/Fitness Equipment", price=14, reviews=9, rating=4.5),
    _product("Y2", "Selene Yoga Hoodie", "A soft hoodie for yoga class and relaxing after.",
             "Women/Tops/Hoodies & Sweatshirts", gender="women", price=42, reviews=2),
    _product("B1", "Affirm Water Bottle", "A leak-proof water bottle for the gym.",
             "Gear/Fitness Equipment", price=7, reviews=12, rating=4.2),
    _product("R1", "Atomic Running Tee", "A light running tee that wicks sweat on long runs.",
             "Men/Tops/Tees", gender="men", price=29, reviews=4),
]
LINKS = {"H1": [ProductLink(product_id="H1", linked_id="B1", kind="crosssell")]}


@pytest.fixture(scope="module")
def embedder() -> ItemTowerEmbedder:
    folder = Settings().recommender_model
    return ItemTowerEmbedder(load_model(folder), weights_fingerprint(folder))


@pytest.fixture()
def recommender(tmp_path, embedder) -> Recommender:  # type: ignore[no-untyped-def]
    index = ItemIndex(persistent_client(tmp_path / "chroma"), embedder)
    index.sync(PRODUCTS)
    return Recommender(index, {p.id: p for p in PRODUCTS}, LINKS)


def test_cold_start_without_request_ranks_by_popularity(recommender: Recommender) -> None:
    found = recommender.recommend(ShopperContext(), k=3)
    assert [r.product.id for r in found] == ["B1", "Y1", "R1"]
    assert found[0].reason == "popular: rated 4.2/5 by 12 shoppers"


def test_first_message_is_served_from_the_request(recommender: Recommender) -> None:
    found = recommender.recommend(ShopperContext(query="something for yoga"), k=2)
    assert {r.product.id for r in found} == {"Y1", "Y2"}
    assert all(r.reason.startswith("matches 'yoga'") for r in found)


def test_history_personalises_and_is_never_recommended_again(recommender: Recommender) -> None:
    found = recommender.recommend(ShopperContext(history=("H1",)), k=3)
    ids = [r.product.id for r in found]
    assert "H1" not in ids
    assert "H2" in ids
    h2 = next(r for r in found if r.product.id == "H2")
    assert h2.reason == "similar to the Chaz Kangeroo Hoodie you looked at"


def test_merchandiser_cross_sell_link_ranks_and_explains(recommender: Recommender) -> None:
    plain = Recommender(recommender.index, recommender.products, {})
    without = [r.product.id for r in plain.recommend(ShopperContext(history=("H1",)), k=5)]
    found = recommender.recommend(ShopperContext(history=("H1",)), k=5)
    bottle = next(r for r in found if r.product.id == "B1")
    assert bottle.reason == "often bought with the Chaz Kangeroo Hoodie you looked at"
    assert [r.product.id for r in found].index("B1") < (without.index("B1") if "B1" in without
                                                       else 99)


def test_filters_hold_and_constraints_are_named(recommender: Recommender) -> None:
    found = recommender.recommend(ShopperContext(history=("H1",)), k=5,
                                  filters=ProductFilters(gender="men", size="M"))
    assert found and all(r.product.gender == "men" for r in found)
    assert all(r.reason.endswith("in your size M") for r in found)


def test_a_product_is_recommendable_right_after_ingest(recommender: Recommender) -> None:
    mat = _product("Y3", "Zephyr Cork Yoga Mat", "A grippy cork yoga mat for hot yoga.",
                   "Gear/Fitness Equipment", price=60)
    before = recommender.recommend(ShopperContext(query="yoga mat"), k=3)
    assert "Y3" not in [r.product.id for r in before]
    report = recommender.index.sync([*PRODUCTS, mat])
    assert report.added == 1 and report.unchanged == len(PRODUCTS)
    recommender.refresh({p.id: p for p in [*PRODUCTS, mat]}, LINKS)
    after = recommender.recommend(ShopperContext(query="yoga mat"), k=3)
    assert after[0].product.id == "Y3"


def test_similar_goes_with_and_explain(recommender: Recommender) -> None:
    assert recommender.similar("H1", k=1)[0].product.id == "H2"
    assert recommender.goes_with("H1", k=1)[0].product.id == "B1"
    reason = recommender.explain(PRODUCTS[1], ShopperContext(history=("H1",)))
    assert reason == "similar to the Chaz Kangeroo Hoodie you looked at"
    with pytest.raises(KeyError):
        recommender.similar("nope")


def test_propensity_prefers_what_the_tower_ranks_first(recommender: Recommender) -> None:
    context = ShopperContext(history=("H1",))
    scores = recommender.propensity(context, ["H2", "Y1"])
    assert 0.0 < scores["Y1"] < scores["H2"] < 1.0
    assert recommender.propensity(ShopperContext(), ["H2"]) == {"H2": 0.0}


def test_index_never_mixes_vectors_of_two_models(tmp_path, embedder) -> None:  # type: ignore[no-untyped-def]
    from knowledge.store import EmbeddingModelMismatch

    client = persistent_client(tmp_path / "chroma")
    ItemIndex(client, embedder).sync(PRODUCTS[:1])
    other = replace_name(embedder, "aisle-two-tower:other")
    with pytest.raises(EmbeddingModelMismatch):
        ItemIndex(client, other, rebuild_on_model_change=False)
    # By default a new model rebuilds the index instead of mixing vectors.
    rebuilt = ItemIndex(client, other)
    assert len(rebuilt) == 0
    assert rebuilt.sync(PRODUCTS[:1]).added == 1


def replace_name(embedder: ItemTowerEmbedder, name: str) -> ItemTowerEmbedder:
    clone = ItemTowerEmbedder.__new__(ItemTowerEmbedder)
    clone.__dict__.update(embedder.__dict__)
    clone.model_name = name
    return clone





def test_a_gate_that_favours_repeats_brings_a_viewed_item_back_but_never_a_carted_one(
        recommender: Recommender) -> None:
    from recommender.calibration import RepeatGate

    gated = Recommender(recommender.index, recommender.products, LINKS,
                        repeat_gate=RepeatGate(offset=5.0))
    found = gated.recommend(ShopperContext(history=("H1", "Y1")), k=3)
    assert [r.product.id for r in found][:2] == ["Y1", "H1"]  # the most recent first
    assert found[0].reason == "you looked at this earlier"
    carted = gated.recommend(ShopperContext(history=("H1", "Y1"), carted=("Y1",)), k=3)
    assert "Y1" not in [r.product.id for r in carted]
    assert carted[0].product.id == "H1"
    # "like this one" never answers with the product itself
    assert "H1" not in [r.product.id for r in gated.similar("H1", k=5)]
    assert "H1" not in [r.product.id for r in gated.goes_with("H1", k=5)]


def test_the_shipped_gate_is_used_only_on_the_store_it_was_fitted_on(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from recommender.factory import store_repeat_gate

    loaded = load_model(Settings().recommender_model)
    gate = loaded.repeat_gate
    assert gate is not None, "the shipped model folder records its repeat/new gate"
    assert loaded.meta["repeat_gate"]["fitted_on"].startswith("Scientific valid")
    scientific = tmp_path / "scientific"
    scientific.mkdir()
    (scientific / "Scientific.train.inter").write_text("user_id:token\n")
    assert store_repeat_gate(loaded, scientific) == gate
    assert store_repeat_gate(loaded, tmp_path / "luma") is None  # no interaction log
