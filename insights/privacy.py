"""Retention and erasure across the tracker store, the event store and commerce.

A shopper is forgotten by conversation (sender id) or by email. By email, their conversations
are those the commerce tables tie to the address (orders, checkout contacts) and those whose
tracker rows hold the address itself or the keyed hash the redacting tracker store writes
instead of it (``email_tokens``); every one of them is erased, then the commerce rows of the
address (:mod:`commerce.erasure`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from commerce.erasure import conversations_of, erase_shopper, expire_before, normalise_email
from insights.events import EventStore


def _tracker_delete(tracker: Engine, where: str, params: dict[str, object]) -> int:
    if not inspect(tracker).has_table("events"):
        return 0
    with tracker.begin() as connection:
        return connection.execute(text(f"DELETE FROM events WHERE {where}"), params).rowcount


def apply_retention(days: int, tracker: Engine, store: EventStore,
                    now: datetime | None = None, commerce: Engine | None = None,
                    order_days: int | None = None,
                    audit_days: int | None = None) -> dict[str, int]:
    """Delete events, tracker rows and (given ``commerce``) carts, checkout contacts and other
    conversation rows older than ``days`` days; with ``order_days``, anonymise orders placed
    longer ago than that (orders are the shop's books: their own, longer period); with
    ``audit_days``, delete older lines of the agent console's audit log (agents' addresses and
    the conversations they took over). Counts by kind."""
    if days < 1:
        raise ValueError("retention needs at least 1 day")
    if audit_days is not None and audit_days < 1:
        raise ValueError("the audit log needs at least 1 day of retention")
    if order_days is not None and order_days < days:
        raise ValueError("orders cannot be kept for less time than conversations "
                         f"(--order-days {order_days} < --days {days})")
    moment = now or datetime.now(UTC)
    cutoff = moment - timedelta(days=days)
    removed = {
        "events": store.delete_before(cutoff),
        "tracker rows": _tracker_delete(tracker, "timestamp < :cutoff",
                                        {"cutoff": cutoff.timestamp()}),
    }
    if commerce is not None:
        orders_cutoff = moment - timedelta(days=order_days) if order_days is not None else None
        audit_cutoff = moment - timedelta(days=audit_days) if audit_days is not None else None
        removed.update(expire_before(commerce, cutoff, orders_cutoff, audit_cutoff))
    _compact(tracker, store.engine, *([commerce] if commerce is not None else []))
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
    return forget(tracker, store, commerce, sender_ids=[sender_id])


def forget(tracker: Engine, store: EventStore, commerce: Engine,
           sender_ids: Collection[str] = (), email: str | None = None,
           email_tokens: Collection[str] = ()) -> dict[str, int]:
    """Erase the conversations ``sender_ids`` and, given ``email``, every conversation and
    order of that address (``email_tokens``: the keyed hashes conversations hold for it)."""
    senders = {s for s in sender_ids if s.strip()}
    address = normalise_email(email) if email is not None else None
    if not senders and address is None:
        raise ValueError("forget needs a sender id or an email")
    if address is not None:
        senders |= conversations_of(commerce, address)
        senders |= _tracker_senders_mentioning(tracker, [address, *email_tokens])
    removed = {**({"conversations": len(senders)} if address is not None else {}),
               "tracker rows": 0, "events": 0}
    for sender in sorted(senders):
        removed["tracker rows"] += _tracker_delete(tracker, "sender_id = :sender",
                                                   {"sender": sender})
        removed["events"] += store.delete_conversation(sender)
    removed.update(erase_shopper(commerce, senders, address, email_tokens))
    _compact(tracker, store.engine, commerce)
    return removed


def _tracker_senders_mentioning(tracker: Engine, values: Collection[str]) -> set[str]:
    """Conversations whose tracker rows hold one of ``values`` as a whole word (an address
    inside a longer one, ``bob@x.com`` in ``jimbob@x.com``, is someone else's)."""
    if not inspect(tracker).has_table("events"):
        return set()
    found: set[str] = set()
    with tracker.connect() as connection:
        for value in values:
            escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            word = re.compile(rf"(?<![\w.+-]){re.escape(value.lower())}(?![\w-]|\.\w)")
            rows = connection.execute(text(
                "SELECT DISTINCT sender_id, data FROM events "
                "WHERE lower(data) LIKE :pattern ESCAPE '\\'"), {"pattern": f"%{escaped}%"})
            found.update(sender for sender, data in rows if word.search((data or "").lower()))
    return found
