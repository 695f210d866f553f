"""The insight computations on hand-made events, with exact counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml

from insights.events import Event
from insights.metrics import (
    funnel,
    funnel_by_day,
    intent_mix,
    list_performance,
    low_confidence,
    normalised_need,
    unanswered_questions,
    understanding_rates,
    unmet_demand,
)
from insights.nlu_export import nlu_yaml
from insights.propensity import open_conversations, score_open_conversations, segment_sizes

DAY1 = datetime(2026, 11, 2, 10, tzinfo=UTC)


def ev(kind: str, cid: str, *ids: str, at: datetime = DAY1, **data: object) -> Event:
    return Event(kind=kind, conversation_id=cid, at=at, source="test", product_ids=ids, data=data)


def msg(cid: str, intent: str, confidence: float = 0.9, text: str = "hi", **kw: object) -> Event:
    return ev("message", cid, intent=intent, confidence=confidence, text=text, **kw)


def shop_day() -> list[Event]:
    """a: the whole way; b: carts (no order); c: views; d: searches, sees nothing; e: chats;
    f: orders a named product without searching (not counted past 'conversations')."""
    return [
        msg("a", "search_products"), ev("search", "a", "P1", results=2, top_score=0.0328,
                                        constraints={"product_type": "jacket"}),
        ev("products_shown", "a", "P1", "P2", list="search"), ev("card_click", "a", "P1"),
        ev("cart_add", "a", "P1"), ev("checkout", "a", "P1"), ev("order", "a", "P1"),
        msg("b", "ask_recommendation"), ev("search", "b", "P3", results=1, top_score=0.0164,
                                           constraints={"product_type": "Tent", "color": "Red"}),
        ev("products_shown", "b", "P3", list="search"),
        ev("products_shown", "b", "P4", "P5", list="recommended"), ev("card_click", "b", "P4"),
        ev("cart_add", "b", "P4"),
        msg("c", "search_products"), ev("search", "c", "P6", results=1, top_score=0.03),
        ev("question", "c", "P6", grounded=False, question="is it warm?"),
        msg("d", "search_products", text="laptops please"),
        ev("search", "d", results=0, top_score=None, query="laptops please", constraints={}),
        msg("e", "nlu_fallback", 0.3, text="asdf"), ev("fallback", "e"), ev("handoff", "e"),
        msg("f", "add_to_cart"), ev("cart_add", "f", "P9"), ev("order", "f", "P9"),
    ]


def test_funnel_counts_each_step_within_the_previous_one() -> None:
    steps = funnel(shop_day())
    assert [(s.name, s.conversations) for s in steps] == [
        ("conversations", 6), ("searched", 4), ("viewed a product", 3), ("added to cart", 2),
        ("ordered", 1)]
    assert steps[0].from_previous is None and steps[1].from_previous == 4 / 6
    assert steps[4].from_previous == 1 / 2 and steps[4].from_start == 1 / 6


def test_funnel_over_time_groups_conversations_by_their_first_day() -> None:
    later = [ev("message", "z", at=DAY1 + timedelta(days=1), intent="greet", confidence=1.0)]
    rows = funnel_by_day([*shop_day(), *later])
    first = {r["step"]: r["conversations"] for r in rows if r["day"] == "2026-11-02"}
    second = {r["step"]: r["conversations"] for r in rows if r["day"] == "2026-11-03"}
    assert first["conversations"] == 6 and first["ordered"] == 1
    assert second == {"conversations": 1, "searched": 0, "viewed a product": 0,
                      "added to cart": 0, "ordered": 0}


def test_unmet_demand_groups_empty_and_weak_searches_by_normalised_need() -> None:
    repeat = ev("search", "g", results=0, query="Laptops, please!", constraints={})
    needs = unmet_demand([*shop_day(), repeat])
    assert [(n.need, n.searches, n.no_results, n.weak_results) for n in needs] == [
        ("laptops please", 2, 2, 0), ("tent · color=red", 1, 0, 1)]
    assert normalised_need({"constraints": {"price_max": 50, "product_type": " Jacket "}}) == \
        "jacket · price_max=50"


def test_unanswered_questions_are_grouped_by_product() -> None:
    extra = [ev("question", "x", "P6", grounded=False, question="is it warm?"),
             ev("question", "x", "P6", grounded=False, question="does it shrink?"),
             ev("question", "x", "P1", grounded=True, question="colour?")]
    [item] = unanswered_questions([*shop_day(), *extra])
    assert (item.product_id, item.questions, item.examples) == (
        "P6", 3, ("is it warm?", "does it shrink?"))


def test_understanding_quality() -> None:
    events = shop_day()
    assert intent_mix(events)[0] == ("search_products", 3)
    rates = understanding_rates(events)
    assert (rates["messages"], rates["fallbacks"], rates["handoffs"]) == (6, 1, 1)
    assert rates["fallback_rate"] == 1 / 6 and rates["handoff_rate"] == 1 / 6
    assert [e.data["text"] for e in low_confidence(events, 0.6)] == ["asdf"]


def test_recommended_versus_searched_click_and_cart_rates() -> None:
    search, recommended = list_performance(shop_day())
    assert (search.impressions, search.clicks, search.carted) == (3, 1, 1)
    assert (recommended.impressions, recommended.clicks, recommended.carted) == (2, 1, 1)
    assert search.ctr == 1 / 3 and recommended.add_to_cart_rate == 0.5


def test_propensity_for_open_conversations_and_segments() -> None:
    conversations = open_conversations(shop_day())
    assert {c.conversation_id: c.focus for c in conversations} == {
        "b": ("P4", "P5", "P3"), "c": ("P6",)}
    seen: list[tuple] = []

    def scorer(history: tuple[str, ...], carted: tuple[str, ...], ids: list[str]) -> dict:
        seen.append((history, carted, tuple(ids)))
        return {pid: {"P4": 0.45, "P6": 0.01}.get(pid, 0.1) for pid in ids}

    rows = score_open_conversations(conversations, scorer)
    assert [(r.conversation_id, r.product_id, r.segment) for r in rows] == [
        ("b", "P4", "high"), ("c", "P6", "low")]
    assert seen[0][1] == ("P4",)
    assert segment_sizes(rows) == [("high", 1), ("medium", 0), ("low", 1)]


def test_low_confidence_messages_export_as_rasa_nlu_yaml() -> None:
    messages = [msg("a", "search_products", 0.4, text="smth  for [rain](weather)"),
                msg("b", "nlu_fallback", 0.2, text="asdf"),
                msg("c", "nlu_fallback", 0.2, text="asdf")]
    document = yaml.safe_load(nlu_yaml(messages))
    assert document["version"] == "3.1"
    assert document["nlu"] == [
        {"intent": "nlu_fallback", "examples": "- asdf\n"},
        {"intent": "search_products", "examples": "- smth for [rain] (weather)\n"}]
