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
    removed = {
        "events": store.delete_before(cutoff),
        "tracker rows": _tracker_delete(tracker, "timestamp < :cutoff",
                                        {"cutoff": cutoff.timestamp()}),
    }
    _compact(tracker, store.engine)
    return removed


def _compact(*engines: Engine) -> None:
    """VACUUM SQLite files, so deleted rows do not linger in free pages of the file."""
    for engine in {str(e.url): e for e in engines}.values():
        if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM"))


def forget_sender(sender_id: str, tracker: Engine, store: EventStore,
                  commerce: Engine) -> dict[str, int]:
    """Remove one shopper's conversation, events, cart and orders' personal fields."""
    if not sender_id.strip():
        raise ValueError("forget needs a sender id")
    removed = {
        "tracker rows": _tracker_delete(tracker, "sender_id = :sender", {"sender": sender_id}),
        "events": store.delete_conversation(sender_id),
        **erase_shopper(commerce, sender_id),
    }
    _compact(tracker, store.engine, commerce)
    return removed
