"""Purchase propensity of open conversations, and segments of shoppers by it.

An open conversation has not ordered. Its products in focus are the ones it last saw, asked
about or carted; the recommender's ``propensity`` scores them for the conversation's history
(see ``recommender/service.py``). The scorer is passed in, so tests use a fake and the report
builds the real recommender only when asked to.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from insights.events import Event

#: ``scorer(history, carted, product_ids) -> {product_id: propensity}``.
Scorer = Callable[[tuple[str, ...], tuple[str, ...], list[str]], dict[str, float]]
#: Lower bounds of the segments, highest first.
SEGMENTS: tuple[tuple[str, float], ...] = (("high", 0.4), ("medium", 0.2), ("low", 0.0))
FOCUS = 5


@dataclass(frozen=True)
class OpenConversation:
    """What an open conversation looked at, in order, and what is in its cart."""

    conversation_id: str
    history: tuple[str, ...]
    carted: tuple[str, ...]
    focus: tuple[str, ...]


@dataclass(frozen=True)
class ConversationPropensity:
    """The best propensity among a conversation's products in focus, and its segment."""

    conversation_id: str
    product_id: str
    propensity: float
    segment: str


def open_conversations(events: Sequence[Event], focus: int = FOCUS) -> list[OpenConversation]:
    """Conversations without an order that looked at some product, with their focus."""
    history: dict[str, list[str]] = {}
    carted: dict[str, list[str]] = {}
    latest: dict[str, list[str]] = {}
    ordered: set[str] = set()
    for event in events:
        cid = event.conversation_id
        if event.kind == "order":
            ordered.add(cid)
        elif event.kind in {"products_shown", "card_click", "question", "cart_add"}:
            history.setdefault(cid, []).extend(event.product_ids)
            latest[cid] = [*event.product_ids, *latest.get(cid, [])]
            if event.kind == "cart_add":
                carted.setdefault(cid, []).extend(event.product_ids)
        elif event.kind == "cart_remove":
            for pid in event.product_ids:
                if pid in carted.get(cid, []):
                    carted[cid].remove(pid)
    return [OpenConversation(cid, tuple(dict.fromkeys(ids)), tuple(dict.fromkeys(carted.get(cid, []))),
                             tuple(dict.fromkeys(latest[cid]))[:focus])
            for cid, ids in history.items() if cid not in ordered]


def segment(propensity: float) -> str:
    """The segment a propensity falls in (:data:`SEGMENTS`)."""
    return next(name for name, floor in SEGMENTS if propensity >= floor)


def score_open_conversations(conversations: Sequence[OpenConversation],
                             scorer: Scorer) -> list[ConversationPropensity]:
    """Each open conversation's most likely product, best first."""
    rows: list[ConversationPropensity] = []
    for conversation in conversations:
        scores = scorer(conversation.history, conversation.carted, list(conversation.focus))
        if not scores:
            continue
        product_id, best = max(scores.items(), key=lambda item: (item[1], item[0]))
        rows.append(ConversationPropensity(conversation.conversation_id, product_id, float(best),
                                           segment(float(best))))
    return sorted(rows, key=lambda row: (-row.propensity, row.conversation_id))


def segment_sizes(rows: Sequence[ConversationPropensity]) -> list[tuple[str, int]]:
    """How many open conversations fall in each segment (every segment listed)."""
    return [(name, sum(1 for row in rows if row.segment == name)) for name, _ in SEGMENTS]


def recommender_scorer(settings: object) -> Scorer:
    """The real recommender's propensity (loads the catalog, Chroma and the model: seconds)."""
    from knowledge.services import build_services
    from recommender.factory import build_recommender
    from recommender.service import ShopperContext

    services = build_services(settings)
    recommender = build_recommender(settings, services.catalog, services.store.client)

    def score(history: tuple[str, ...], carted: tuple[str, ...], ids: list[str]) -> dict[str, float]:
        return recommender.propensity(ShopperContext(history=history, carted=carted), ids)

    return score
