"""Recording what the commerce service sees (cart changes, checkouts, orders) as events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from insights.events import Event, EventStore

logger = logging.getLogger(__name__)

#: Sender ids of traffic sent by the replayer (``python -m insights replay``).
REPLAY_PREFIX = "replay-"


def is_replayed(sender_id: str) -> bool:
    """True for a conversation the traffic replayer started."""
    return sender_id.startswith(REPLAY_PREFIX)


def commerce_recorder(url: str) -> Callable[[str, str, tuple[str, ...], dict], None]:
    """A ``commerce.service.EventHook`` storing each call as an :class:`Event`.

    The event store is opened on the first event. Recording never fails the shopper's action:
    a database error is logged and the event is lost.
    """
    store: list[EventStore] = []

    def record(kind: str, sender_id: str, product_ids: tuple[str, ...], data: dict) -> None:
        try:
            if not store:
                store.append(EventStore(url))
            number = data.get("number")
            store[0].record(Event(
                kind=kind, conversation_id=sender_id, at=datetime.now(UTC), source="commerce",
                product_ids=product_ids, data=data, replayed=is_replayed(sender_id),
                dedup_key=f"commerce:order:{number}" if kind == "order" and number else None,
            ))
        except Exception:  # noqa: BLE001 - insights must never break a purchase
            logger.exception("could not record a %s event", kind)

    return record
