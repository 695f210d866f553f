"""Judged Luma sessions: the seeded builder honours the written rule, and the graded metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from aisle.settings import Settings
from catalog.domain import Product, ProductLink
from recommender.judged_sessions import (
    JudgedSessionsError,
    build_sessions,
    judge,
    load_sessions,
    save_sessions,
)
from recommender.metrics import graded_metrics

FROZEN = Path(__file__).resolve().parents[1] / "relevance" / "luma_sessions" / "sessions.json"


def _product(pid: str, category: str, gender: str | None) -> Product:
    return Product(id=pid, name=pid, description="", category=category, gender=gender)


PRODUCTS = [
    _product("A1", "Men/Tops/Tees", "men"), _product("A2", "Men/Tops/Tees", "men"),
    _product("A3", "Men/Tops/Tees", "men"), _product("B1", "Men/Tops/Tees", "women"),
    _product("C1", "Men/Bottoms/Shorts", "men"), _product("C2", "Men/Bottoms/Shorts", "men"),
    _product("G1", "Gear/Bags", None), _product("G2", "Gear/Bags", None),
]
BY_ID = {p.id: p for p in PRODUCTS}
LINKS = {
    "A1": [ProductLink("A1", "C1", "crosssell"), ProductLink("A1", "A2", "upsell")],
    "C1": [ProductLink("C1", "G1", "related")],
    "G1": [ProductLink("G1", "A3", "crosssell")],
    "B1": [ProductLink("B1", "G2", "related"), ProductLink("B1", "NOT-IN-CATALOG", "related")],
}


def test_judge_grades_links_two_and_the_same_shelf_one() -> None:
    # same leaf category and gender as the last viewed: 1; linked from it: 2 (beats 1); B1 is
    # the women's shelf, so not an alternative to a men's tee
    assert judge(["A1"], BY_ID, LINKS) == {"A2": 2, "A3": 1, "C1": 2}


def test_judge_takes_links_from_every_viewed_item_and_excludes_what_was_viewed() -> None:
    # last viewed C1: its shelf (C2) is 1; A1's links (C1 viewed, A2) and C1's (G1) are 2
    assert judge(["A1", "C1"], BY_ID, LINKS) == {"A2": 2, "C2": 1, "G1": 2}
    assert judge(["B1"], BY_ID, LINKS) == {"G2": 2}  # a link outside the catalog is ignored


def test_build_sessions_is_deterministic_and_follows_the_rule() -> None:
    first = build_sessions(PRODUCTS, LINKS, count=4, seed=7)
    assert first == build_sessions(PRODUCTS, LINKS, count=4, seed=7)
    assert len(first) == 4
    seeds = [s.viewed[0] for s in first]
    assert len(set(seeds)) == 4 and set(seeds) <= {"A1", "B1", "C1", "G1"}  # linked seeds only
    for session in first:
        viewed = session.viewed
        assert 1 <= len(viewed) <= 3 and len(set(viewed)) == len(viewed)
        for before, after in zip(viewed, viewed[1:], strict=False):
            same_shelf = (BY_ID[before].category == BY_ID[after].category
                          and BY_ID[before].gender == BY_ID[after].gender)
            linked = after in {link.linked_id for link in LINKS.get(before, [])}
            assert same_shelf or linked, (before, after)
        assert dict(session.gains) == judge(viewed, BY_ID, LINKS)


def test_build_sessions_refuses_more_sessions_than_linked_products() -> None:
    with pytest.raises(ValueError, match="only 4 products have a link"):
        build_sessions(PRODUCTS, LINKS, count=5)


def test_saved_sessions_load_back_and_bad_files_say_why(tmp_path: Path) -> None:
    sessions = build_sessions(PRODUCTS, LINKS, count=3, seed=1)
    path = tmp_path / "sessions.json"
    save_sessions(path, sessions, {"seed": 1})
    assert load_sessions(path, BY_ID) == sessions
    with pytest.raises(JudgedSessionsError, match="products not in the catalog"):
        load_sessions(path, {pid: p for pid, p in BY_ID.items() if pid != sessions[0].viewed[0]})
    (tmp_path / "bad.json").write_text('{"sessions": [{"viewed": ["A1"]}]}', encoding="utf-8")
    with pytest.raises(JudgedSessionsError, match="not a judged-sessions file"):
        load_sessions(tmp_path / "bad.json")


def test_graded_metrics_by_hand() -> None:
    gains = {"a": 2, "c": 1, "z": 2}
    found = graded_metrics(["a", "b", "c", "d", "e", "f"], gains, cutoffs=(1, 5))
    # top 5 holds a and c of the 3 relevant: 2 / min(5, 3)
    assert found["recall@5"] == pytest.approx(2 / 3)
    dcg = 3 / math.log2(2) + 1 / math.log2(4)
    ideal = 3 / math.log2(2) + 3 / math.log2(3) + 1 / math.log2(4)
    assert found["ndcg@5"] == pytest.approx(dcg / ideal)
    assert found["recall@1"] == 1.0 and found["ndcg@1"] == 1.0
    perfect = graded_metrics(["z", "a", "c"], gains, cutoffs=(5,))
    assert perfect == {"recall@5": 1.0, "ndcg@5": pytest.approx(1.0)}
    assert graded_metrics(["b"], {}, cutoffs=(5,)) == {"recall@5": 0.0, "ndcg@5": 0.0}


@pytest.mark.skipif(not (Settings().data_dir / "luma").is_dir(), reason="no Luma data")
def test_the_frozen_luma_sessions_are_what_the_rule_builds() -> None:
    from catalog.importers.luma import parse_luma

    catalog = parse_luma(Settings().data_dir / "luma")
    links: dict[str, list[ProductLink]] = {}
    for link in catalog.links:
        links.setdefault(link.product_id, []).append(link)
    built = build_sessions(catalog.products, links)
    frozen = load_sessions(FROZEN, {p.id: p for p in catalog.products})
    assert len(frozen) >= 40
    assert frozen == built
    assert json.loads(FROZEN.read_text(encoding="utf-8"))["seed"] == 18


def test_paired_comparison_and_popularity_ranker() -> None:
    from recommender.judged_sessions import JudgedSession
    from scripts.evaluate_luma_sessions import paired, popularity_ranker, score

    sessions = [JudgedSession(("A1",), {"A2": 2, "C1": 1}), JudgedSession(("C1",), {"C2": 1}),
                JudgedSession(("G1",), {"G2": 2})]
    rankers = {"shipped recommender": lambda s: sorted(s.gains, key=lambda p: -s.gains[p]),
               "zero-shot MiniLM": lambda s: ["B1"]}
    report = score(rankers, sessions)
    assert report["means"]["shipped recommender"]["ndcg@5"] == pytest.approx(1.0)
    [verdict] = report["paired_ndcg@5"]
    assert (verdict["wins"], verdict["ties"], verdict["losses"]) == (3, 0, 0)
    assert verdict["beats"] and verdict["interval95"][0] > 0
    same = paired([0.5, 0.2, 0.1], [0.5, 0.2, 0.1])
    assert (same["ties"], same["beats"], same["interval95"]) == (3, False, [0.0, 0.0])
    reviewed = {pid: p for pid, p in BY_ID.items()}
    reviewed["C2"] = Product(id="C2", name="C2", description="", category="x", review_count=5)
    reviewed["G2"] = Product(id="G2", name="G2", description="", category="x", review_count=5)
    ranked = popularity_ranker(reviewed)(JudgedSession(("C2",), {}))
    assert ranked[:3] == ["G2", "A1", "A2"]  # most reviews first, ties by id, viewed left out
