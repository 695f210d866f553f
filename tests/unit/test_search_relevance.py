"""The relevance evaluation (scripts/evaluate_search_relevance.py) and its judged set's builder,
on hand-made cases whose figures are worked out by hand."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from catalog.domain import Product
from catalog.text import terms
from knowledge.search import ProductSearch
from scripts.build_relevance_set import category_queries, leaf_query, present_in_catalog
from scripts.evaluate_search_relevance import (
    evaluate,
    ndcg_at_k,
    phrased,
    precision_at_k,
    said_not_carried,
)
from tests.fakes import InMemoryCatalog


class NoDenseHits:
    """A vector store that finds nothing, so the ranking is the full-text engine's alone."""

    def query_products(self, vector: np.ndarray, n: int,
                       where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        return []


class ZeroEmbedder:
    model_name, dim = "zero", 4

    def embed(self, texts: Any, *, progress: bool = False) -> np.ndarray:
        return np.zeros((len(texts), self.dim), dtype=np.float32)


def item(pid: str, name: str, category: str) -> Product:
    return Product(id=pid, name=name, description=name, category=category,
                   categories=(category,), product_type=category.rsplit("/", 1)[-1])


def test_precision_and_ndcg_at_5_by_hand() -> None:
    ranked, relevant = ["a", "x", "b", "y", "z"], {"a", "b", "c"}
    assert precision_at_k(ranked, relevant) == pytest.approx(2 / 5)
    # DCG: 1/log2(2) + 1/log2(4) = 1.5; ideal: three relevant first = 1 + 1/log2(3) + 0.5
    assert ndcg_at_k(ranked, relevant) == pytest.approx(1.5 / (1.5 + 1 / math.log2(3)))
    # fewer shown than 5 count as misses for P@5; NDCG's ideal has only as many as are relevant
    assert precision_at_k(["a"], {"a"}) == pytest.approx(0.2)
    assert ndcg_at_k(["a"], {"a"}) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "a"], {"a"}) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k(["x"], set()) == 0.0
    # more relevant than 5: five relevant shown is ideal
    assert ndcg_at_k(list("abcde"), set("abcdefg")) == pytest.approx(1.0)
    assert precision_at_k(list("abcde"), set("abcdefg")) == pytest.approx(1.0)
    # only the first 5 count
    assert precision_at_k(["x"] * 5 + ["a"], {"a"}) == 0.0


def test_evaluate_scores_a_real_search_and_judges_absent_answers() -> None:
    products = [
        item("B1", "Borosilicate Glass Beaker 250 ml", "Lab/Glassware/Beakers"),
        item("B2", "Griffin Beaker Set", "Lab/Glassware/Beakers"),
        item("B3", "Plastic Beaker 1000 ml", "Lab/Glassware/Beakers"),
        item("C1", "Stainless Digital Caliper 6 inch", "Tools/Measuring/Digital Calipers"),
        item("C2", "Carbon Fibre Digital Caliper", "Tools/Measuring/Digital Calipers"),
        item("F1", "Faraday Shielding Bag for Laptop", "Electronics/Shielding/EMP Bags"),
    ]
    search = ProductSearch(InMemoryCatalog(products), NoDenseHits(), ZeroEmbedder())  # type: ignore[arg-type]
    judged = {
        "category_queries": [
            {"query": "beakers", "relevant": ["B1", "B2", "B3"]},
            {"query": "digital calipers", "relevant": ["C1", "C2"]},
        ],
        # "smartphone" is nowhere: said not carried (tagged) / nothing found (untagged);
        # "laptop" is a word of a product's name: shown as a match either way
        "absent_queries": ["smartphone", "laptop"],
    }
    report = evaluate(search, judged)
    summary = report.summary()
    by_query = {c.query: c for c in report.categories}
    assert sorted(by_query["beakers"].search) == ["B1", "B2", "B3"]
    assert by_query["beakers"].search == [h.product.id for h in search.search("beakers").hits]
    assert sorted(by_query["digital calipers"].search) == ["C1", "C2"]
    # every relevant item found first: P@5 = 3/5 and 2/5, NDCG@5 = 1
    assert summary["p5_search"] == pytest.approx((3 / 5 + 2 / 5) / 2)
    assert summary["ndcg5_search"] == pytest.approx(1.0)
    assert summary["p5_dialogue"] == pytest.approx(0.5)
    assert summary["category_said_absent"] == 0
    assert summary["category_said_absent_untagged"] == 0
    assert summary["p5_untagged"] == pytest.approx(0.5)
    answers = {a.query: (a.tagged, a.untagged) for a in report.absent}
    # untagged, "smartphone" is said not carried as tagged (dialogue.untagged_kind)
    assert answers == {"smartphone": ("flagged", "flagged"), "laptop": ("matches", "matches")}
    assert summary["honest_tagged"] == pytest.approx(0.5)
    assert summary["honest_untagged"] == pytest.approx(0.5)
    assert summary["search_empty_absent"] == pytest.approx(0.5)
    # phrased as a shopper would: "smartphone" said not carried every way, no leaf ever
    assert said_not_carried(search, "do you sell smartphone?")
    assert not said_not_carried(search, "I need some beakers for my lab")
    counts = phrased(search, judged)
    assert sum(p["leaf_said_absent"]["count"] for p in counts.values()) == 0
    assert sum(p["absent_said_absent"]["count"] for p in counts.values()) == 5  # smartphone
    assert sum(p["absent_said_absent"]["of"] for p in counts.values()) == 10


def test_leaf_queries_follow_the_documented_rule() -> None:
    assert leaf_query("Digital Calipers") == "digital calipers"
    assert leaf_query("Forceps & Hemostats") == "forceps and hemostats"
    assert leaf_query("Valves Check Valves") == "check valves"  # two levels glued by the import
    assert leaf_query("Apparel Protective Apparel & Gloves Exam Gloves") == "exam gloves"
    assert leaf_query("Spacers & Standoffs Spacers") == "standoffs spacers"
    assert leaf_query("Rubber Rubber Sheets, Rolls & Strips") == "rubber sheets rolls and strips"


def test_category_queries_keep_full_leaves_only() -> None:
    products = [item(f"B{i}", "Beaker", "Lab/Glassware/Beakers") for i in range(5)]
    products += [item(f"F{i}", "Flask", "Lab/Glassware/Flasks") for i in range(4)]
    products += [item(f"G{i}", "Glass thing", "Lab/Glassware") for i in range(6)]  # inner level
    products += [item("N1", "No category", "")]
    queries = category_queries(products, min_items=5)
    assert queries == [{"query": "beakers", "leaf": "Beakers",
                        "relevant": [f"B{i}" for i in range(5)]}]


def test_absent_queries_are_checked_against_names_and_categories() -> None:
    products = [item("F1", "Faraday Shielding Bag for Laptops", "Electronics/Shielding/EMP Bags")]
    assert present_in_catalog("laptop", products, terms) is not None
    assert present_in_catalog("emp bag", products, terms) is not None
    assert present_in_catalog("smartphone", products, terms) is None
