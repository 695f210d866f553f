"""Retention and erasure across the tracker store, the event store and commerce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from commerce.erasure import erase_shopper
from insights.events import EventStore


def _tracker_delete(tracker: Engine, where: str, params: dict[str, object]) -> int:
    if not inspect(tracker).has_table("events"):
        return 0
    with tracker.begin() as connection:
        return connection.execute(text(f"DELETE FROM events WHERE {where}"), params).rowcount


def apply_retention(days: int, tracker: Engine, store: EventStore,
                    now: datetime | None = None) -> dict[str, int]:
    """Delete events and tracker rows older than ``days`` days; counts by kind."""
    if days < 1:
        raise ValueError("retention needs at least 1 day")
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    return {
        "events": store.delete_before(cutoff),
        "tracker rows": _tracker_delete(tracker, "timestamp < :cutoff",
                                        {"cutoff": cutoff.timestamp()}),
    }


def forget_sender(sender_id: str, tracker: Engine, store: EventStore,
                  commerce: Engine) -> dict[str, int]:
    """Remove one shopper's conversation, events, cart and orders' personal fields."""
    if not sender_id.strip():
        raise ValueError("forget needs a sender id")
    return {
        "tracker rows": _tracker_delete(tracker, "sender_id = :sender", {"sender": sender_id}),
        "events": store.delete_conversation(sender_id),
        **erase_shopper(commerce, sender_id),
    }
