"""The insights, computed from events by small pure functions (no storage, no rendering).

Each function takes the events of a period (time order) and returns plain rows a report or a
test can read.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from insights.events import Event

#: Funnel steps and the event kinds that count as reaching them.
FUNNEL_STEPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("conversations", frozenset({"conversation_started", "message"})),
    ("searched", frozenset({"search"})),
    ("viewed a product", frozenset({"products_shown", "card_click", "question"})),
    ("added to cart", frozenset({"cart_add"})),
    ("ordered", frozenset({"order"})),
)
#: Search scores are Reciprocal Rank Fusion of keyword and meaning rankings (k=60): 2/61 when
#: both rank a product first, at most 1/61 when only one finds it. A top score under 0.02
#: means no product was near the top of both: a weak result.
WEAK_SCORE = 0.02


@dataclass(frozen=True)
class FunnelStep:
    """Conversations that reached a step (and every step before it)."""

    name: str
    conversations: int
    from_previous: float | None
    from_start: float | None


@dataclass(frozen=True)
class Need:
    """A normalised need shoppers searched for without (good) results."""

    need: str
    searches: int
    no_results: int
    weak_results: int


@dataclass(frozen=True)
class UnansweredProduct:
    """A product whose questions were answered "don't know"."""

    product_id: str
    questions: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ListPerformance:
    """Impressions, clicks and adds to cart of the products one list (search/recommended) showed."""

    list: str
    impressions: int
    clicks: int
    carted: int

    @property
    def ctr(self) -> float | None:
        return self.clicks / self.impressions if self.impressions else None

    @property
    def add_to_cart_rate(self) -> float | None:
        return self.carted / self.impressions if self.impressions else None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def reached_steps(events: Sequence[Event]) -> dict[str, set[str]]:
    """Conversation ids that reached each funnel step, each step within the one before."""
    kinds_by_conversation: dict[str, set[str]] = defaultdict(set)
    for event in events:
        kinds_by_conversation[event.conversation_id].add(event.kind)
    reached: dict[str, set[str]] = {}
    previous: set[str] | None = None
    for name, kinds in FUNNEL_STEPS:
        now = {cid for cid, seen in kinds_by_conversation.items() if seen & kinds}
        reached[name] = now if previous is None else now & previous
        previous = reached[name]
    return reached


def funnel(events: Sequence[Event]) -> list[FunnelStep]:
    """Conversations → searched → viewed a product → added to cart → ordered, with conversion.

    A conversation counts at a step only if it also reached the steps before it.
    """
    reached = reached_steps(events)
    counts = [len(reached[name]) for name, _ in FUNNEL_STEPS]
    return [FunnelStep(name, count, None if i == 0 else _ratio(count, counts[i - 1]),
                       _ratio(count, counts[0]))
            for i, ((name, _), count) in enumerate(zip(FUNNEL_STEPS, counts, strict=True))]


def funnel_by_day(events: Sequence[Event]) -> list[dict[str, object]]:
    """The funnel per day a conversation started: ``{"day", "step", "conversations", "rate"}``."""
    first_day: dict[str, str] = {}
    for event in events:
        first_day.setdefault(event.conversation_id, event.at.date().isoformat())
    by_day: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_day[first_day[event.conversation_id]].append(event)
    rows: list[dict[str, object]] = []
    for day in sorted(by_day):
        for step in funnel(by_day[day]):
            rows.append({"day": day, "step": step.name, "conversations": step.conversations,
                         "rate": step.from_start})
    return rows


def normalised_need(search: dict[str, object]) -> str:
    """``"jacket · color=red · price_max=50"``: product type (else the query words) + constraints."""
    constraints = dict(search.get("constraints") or {})  # type: ignore[call-overload]
    kind = constraints.pop("product_type", None)
    if kind:
        head = str(kind).strip().lower()
    else:
        words = re.findall(r"[a-z0-9]+", str(search.get("query") or "").lower())
        head = " ".join(words) or "(anything)"
    rest = [f"{name}={str(value).strip().lower()}" for name, value in sorted(constraints.items())]
    return " · ".join([head, *rest])


def unmet_demand(events: Sequence[Event], weak_score: float = WEAK_SCORE) -> list[Need]:
    """Searches with no results or a weak top score, grouped by need, most asked first."""
    totals: Counter[str] = Counter()
    empty: Counter[str] = Counter()
    weak: Counter[str] = Counter()
    for event in events:
        if event.kind != "search":
            continue
        results = int(event.data.get("results") or 0)
        score = event.data.get("top_score")
        need = normalised_need(event.data)
        if results == 0:
            empty[need] += 1
        elif score is not None and float(score) < weak_score:
            weak[need] += 1
        else:
            continue
        totals[need] += 1
    return [Need(need, count, empty[need], weak[need])
            for need, count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))]


def unanswered_questions(events: Sequence[Event], examples: int = 3) -> list[UnansweredProduct]:
    """Product questions answered "don't know", grouped by product, most asked first."""
    asked: dict[str, list[str]] = defaultdict(list)
    for event in events:
        if event.kind == "question" and not event.data.get("grounded") and event.product_ids:
            asked[event.product_ids[0]].append(str(event.data.get("question") or ""))
    ranked = sorted(asked.items(), key=lambda item: (-len(item[1]), item[0]))
    return [UnansweredProduct(pid, len(texts), tuple(dict.fromkeys(texts))[:examples])
            for pid, texts in ranked]


def intent_mix(events: Sequence[Event]) -> list[tuple[str, int]]:
    """How often each intent was recognised, most frequent first."""
    counts = Counter(str(e.data.get("intent")) for e in events if e.kind == "message")
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def understanding_rates(events: Sequence[Event]) -> dict[str, float | None | int]:
    """Messages, fallback rate (per message) and handoff rate (per conversation)."""
    messages = sum(1 for e in events if e.kind == "message")
    fallbacks = sum(1 for e in events if e.kind == "fallback")
    conversations = {e.conversation_id for e in events if e.kind in FUNNEL_STEPS[0][1]}
    handed_off = {e.conversation_id for e in events if e.kind == "handoff"}
    return {"messages": messages, "fallbacks": fallbacks, "fallback_rate": _ratio(fallbacks, messages),
            "conversations": len(conversations), "handoffs": len(handed_off),
            "handoff_rate": _ratio(len(handed_off & conversations), len(conversations))}


def low_confidence(events: Sequence[Event], threshold: float) -> list[Event]:
    """Messages the NLU understood with less than ``threshold`` confidence (or as fallback)."""
    return [e for e in events if e.kind == "message" and (
        float(e.data.get("confidence") or 0.0) < threshold or e.data.get("intent") == "nlu_fallback")]


def list_performance(events: Sequence[Event]) -> list[ListPerformance]:
    """Click-through and add-to-cart rates of recommended versus searched products.

    A click or an add to cart is credited to the list that last showed that product in the
    same conversation; a product never shown is credited to neither.
    """
    shown_by: dict[tuple[str, str], str] = {}
    impressions: Counter[str] = Counter()
    clicks: Counter[str] = Counter()
    carted: Counter[str] = Counter()
    for event in events:
        if event.kind == "products_shown":
            origin = str(event.data.get("list") or "search")
            impressions[origin] += len(event.product_ids)
            for pid in event.product_ids:
                shown_by[(event.conversation_id, pid)] = origin
        elif event.kind in {"card_click", "cart_add"}:
            for pid in event.product_ids[:1]:
                origin = shown_by.get((event.conversation_id, pid))
                if origin is not None:
                    (clicks if event.kind == "card_click" else carted)[origin] += 1
    return [ListPerformance(name, impressions[name], clicks[name], carted[name])
            for name in ("search", "recommended")]
