"""One event model for every meaningful step of a conversation, and its SQL store.

Every source (the Rasa tracker store, the commerce and knowledge services, the web widget's
clicks) records :class:`Event` rows through :class:`EventStore`. An event that carries a
``dedup_key`` is stored once however often it is recorded, so re-reading a source never
double-counts. Times are UTC; the table is indexed for time-range queries. ``data`` is
redacted (:mod:`aisle.redaction`) before it is stored, whoever records the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from aisle.db import make_engine
from aisle.redaction import redact

EVENT_KINDS = frozenset({
    "conversation_started", "message", "search", "products_shown", "card_click", "button_click",
    "question", "cart_add", "cart_remove", "checkout", "order", "handoff", "fallback",
})


class InsightsBase(DeclarativeBase):
    """Declarative base of the insights tables."""


class EventRow(InsightsBase):
    __tablename__ = "insight_events"
    __table_args__ = (
        Index("ix_insight_events_at", "at"),
        Index("ix_insight_events_kind_at", "kind", "at"),
        Index("ix_insight_events_conversation", "conversation_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str] = mapped_column(String(255))
    source: Mapped[str] = mapped_column(String(32))
    product_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    replayed: Mapped[bool] = mapped_column(Boolean, default=False)
    dedup_key: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)


class SyncCursorRow(InsightsBase):
    """How far a source has been read (e.g. the tracker store's last event id)."""

    __tablename__ = "insight_sync_cursors"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class Event:
    """One step of one conversation.

    ``kind`` is one of :data:`EVENT_KINDS`; ``source`` says who saw it happen ("tracker",
    "commerce", "knowledge", "web"); ``data`` holds the kind's details (intent and
    confidence of a message, constraints and result count of a search, positions of products
    shown...); ``replayed`` marks traffic from the replayer so it can be told from real shoppers.
    """

    kind: str
    conversation_id: str
    at: datetime
    source: str
    product_ids: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)
    replayed: bool = False
    dedup_key: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}; expected one of {sorted(EVENT_KINDS)}")
        if not self.conversation_id:
            raise ValueError("an event needs a conversation id")


def _naive_utc(moment: datetime) -> datetime:
    """Store UTC without tzinfo (SQLite keeps no zone); aware inputs are converted."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


class EventStore:
    """Events in the shop's SQL database (SQLite by default, PostgreSQL in production)."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        InsightsBase.metadata.create_all(self.engine)
        # Reports read many events: on a SQLite file they read a snapshot without the write
        # lock (aisle.db), so the web app's and the action server's writes are not held up.
        file = self.engine.dialect.name == "sqlite" and self.engine.url.database not in (
            None, "", ":memory:")
        self._reader = make_engine(url, read_only=True) if file and engine is None else self.engine

    def record(self, event: Event) -> None:
        """Store one event (a repeat of a stored ``dedup_key`` is ignored)."""
        self.record_many([event])

    def record_many(self, events: Iterable[Event]) -> int:
        """Store events in one transaction; returns how many were new."""
        rows = [_row_values(event) for event in events]
        if not rows:
            return 0
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        statement = insert(EventRow).on_conflict_do_nothing(index_elements=["dedup_key"])
        added = 0
        with self.engine.begin() as connection:
            for row in rows:
                added += connection.execute(statement, row).rowcount
        return added

    def events(self, start: datetime | None = None, end: datetime | None = None,
               kinds: Sequence[str] | None = None,
               conversation_id: str | None = None) -> list[Event]:
        """Events in ``[start, end)`` in time order, optionally of some kinds or one conversation."""
        query = select(EventRow).order_by(EventRow.at, EventRow.id)
        if start is not None:
            query = query.where(EventRow.at >= _naive_utc(start))
        if end is not None:
            query = query.where(EventRow.at < _naive_utc(end))
        if kinds:
            query = query.where(EventRow.kind.in_(list(kinds)))
        if conversation_id is not None:
            query = query.where(EventRow.conversation_id == conversation_id)
        with Session(self._reader) as session:
            return [_event(row) for row in session.scalars(query)]

    def delete_before(self, moment: datetime) -> int:
        """Delete events older than ``moment`` (retention); returns how many."""
        with self.engine.begin() as connection:
            return connection.execute(
                delete(EventRow).where(EventRow.at < _naive_utc(moment))).rowcount

    def delete_conversation(self, conversation_id: str) -> int:
        """Delete every event of one conversation (erasure); returns how many."""
        with self.engine.begin() as connection:
            return connection.execute(
                delete(EventRow).where(EventRow.conversation_id == conversation_id)).rowcount

    def cursor(self, source: str) -> int:
        """The position reached in ``source`` by the last sync (0 before the first)."""
        with Session(self.engine) as session:
            row = session.get(SyncCursorRow, source)
            return row.position if row is not None else 0

    def set_cursor(self, source: str, position: int) -> None:
        with Session(self.engine) as session, session.begin():
            row = session.get(SyncCursorRow, source)
            if row is None:
                session.add(SyncCursorRow(source=source, position=position))
            else:
                row.position = position


def _row_values(event: Event) -> dict[str, Any]:
    return {
        "at": _naive_utc(event.at), "kind": event.kind, "conversation_id": event.conversation_id,
        "source": event.source, "product_ids": list(event.product_ids), "data": redact(event.data),
        "replayed": event.replayed, "dedup_key": event.dedup_key,
    }


def _event(row: EventRow) -> Event:
    return Event(kind=row.kind, conversation_id=row.conversation_id,
                 at=row.at.replace(tzinfo=UTC), source=row.source,
                 product_ids=tuple(row.product_ids or ()), data=dict(row.data or {}),
                 replayed=row.replayed, dedup_key=row.dedup_key)
