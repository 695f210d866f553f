"""A SQL tracker store that redacts personal data before a conversation is written.

Configured in ``endpoints.yml`` as ``type: bot.tracker_store.RedactingSQLTrackerStore`` with
the same parameters as Rasa's ``SQL`` store (dialect, url, db, username, password...), so
SQLite in development and PostgreSQL in production both store only redacted conversations:
user texts, entities, slot values and bot texts go through :mod:`aisle.redaction` first.

Rasa loads the tracker from the store on every message, so a value the bot needs on a later
turn must survive redaction: the ``email`` slot holds a keyed hash (see
``actions.checkout.EmailSlot``), which the rules leave alone. The module runs in the Rasa venv
(Python 3.10, no torch) and imports nothing of Aisle's but the redaction rules and log filter.

Loading replays every stored event of the session, so a turn cost more the longer the
conversation. With ``cached_conversations`` > 0 (``bot/server.py`` sets it from
``AISLE_RASA_STATE_CACHE_ENTRIES``) the store keeps, per conversation, the tracker exactly as a
load would build it (the stored, redacted events replayed) together with the number of events
the database holds for the conversation and the highest event id. A load first asks the
database for those two (one indexed aggregate); when they match, it hands out a copy of the kept
tracker (:func:`bot.tracker_clone.copy_tracker`, no replay), never the kept tracker itself, so a
turn that fails after changing its copy changes nothing kept. A save appends the same redacted
events it stores to the kept tracker. Another Rasa replica writing to the conversation, a
deleted conversation, a new session, an error: the numbers no longer match or the entry is
dropped, and the tracker is loaded from the database as before.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from operator import is_
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func
from sqlalchemy.orm import sessionmaker

from aisle.logs import install_redacting_filter
from aisle.redaction import redact
from bot.tracker_clone import copy_tracker

logger = logging.getLogger(__name__)


#: Slots holding catalog product ids, set by the actions, never typed by the shopper.
PRODUCT_ID_SLOTS = frozenset({"shown_products", "seen_products", "focus_product",
                              "carted_products", "compared_products"})
#: Payload keys holding catalog ids (product cards, citations).
ID_KEYS = frozenset({"id", "product_id"})
#: A kept tracker is dropped after this long without a message (memory; it holds only what the
#: database holds, redacted).
IDLE_SECONDS = 900.0


@dataclass
class KeptTracker:
    """A conversation's tracker as loading it builds it, and what the database held then."""

    tracker: DialogueStateTracker
    stored: int  # events of the conversation in the database, all sessions
    last_id: int | None  # the highest of their ids
    session_start: float | None  # timestamp of the latest session start (the load's filter)
    used: float


@dataclass
class KeptCounts:
    reused: int = 0
    loaded: int = 0
    dropped: int = 0


def redact_event(data: dict[str, Any]) -> dict[str, Any]:
    """A serialised Rasa event with every shopper-written or slot value redacted.

    Event names, intent and action names are code-chosen and kept; ``text``, ``parse_data``
    (text, entities), a slot's ``value``, a bot's ``data`` (custom payloads, buttons) and
    ``metadata`` are redacted. Product ids (in the product slots and under ``id`` /
    ``product_id`` keys) are kept, so references like "the second one" work on later turns.
    """
    if data.get("event") == "slot" and data.get("name") in PRODUCT_ID_SLOTS:
        return data
    return redact(data, ID_KEYS)


def _pooled(engine: Any) -> Any:
    """The SQLite file database with its connections kept open between sessions.

    SQLAlchemy 1.4 gives a SQLite file no pool (``NullPool``): every session, two per message
    (load, save), opened a connection and closed it, and closing the last connection of a WAL
    database checkpoints it: 3.5 ms of CPU per save. A queue pool (SQLAlchemy 2.0's default
    for files) keeps them; a connection is used by one thread at a time, handed out by the
    pool, so SQLite's same-thread check is off. An in-memory database keeps Rasa's engine.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import QueuePool

    if engine.url.database in (None, "", ":memory:"):
        return engine
    pooled = create_engine(engine.url, poolclass=QueuePool, hide_parameters=True,
                           connect_args={"check_same_thread": False})
    engine.dispose()
    return pooled


def _write_ahead_log(engine: Any) -> None:
    """SQLite in write-ahead-log mode, synced at checkpoints rather than at every commit.

    Each turn commits once; with the default rollback journal that commit waits for two
    fsyncs, a third of the tracker store's time per turn. In WAL mode with ``synchronous =
    NORMAL`` a commit survives a crash of the process (not a power cut before the next
    checkpoint), and readers (the agent console, the insights sync) no longer block it.
    """
    from sqlalchemy import event

    def _on_connect(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", _on_connect)
    engine.dispose()  # connections opened while Rasa created the tables get the setting too
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Rasa's :class:`SQLTrackerStore`, storing redacted events (and redacting Rasa's logs)."""

    #: Conversations whose tracker is kept between messages when the constructor is not told
    #: (``bot/server.py`` sets it; 0: every message loads the tracker from the database).
    cached_conversations: int = 0

    def __init__(self, *args: Any, cached_conversations: int | None = None,
                 **kwargs: Any) -> None:
        install_redacting_filter()
        super().__init__(*args, **kwargs)
        self.kept_entries = (type(self).cached_conversations if cached_conversations is None
                             else cached_conversations)
        self.kept: OrderedDict[str, KeptTracker] = OrderedDict()
        self.kept_counts = KeptCounts()
        # Rasa builds the engine itself; a failed statement's error would carry its bound
        # parameters (a sender id, an event's JSON) into the logs.
        self.engine.hide_parameters = True
        if self.engine.dialect.name == "sqlite":
            self.engine = _pooled(self.engine)
            self.sessionmaker = sessionmaker(bind=self.engine)
            _write_ahead_log(self.engine)

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's ``_retrieve``, reading only the events' JSON instead of whole ORM rows, or a
        copy of the kept tracker when the database holds exactly the events it was built from.

        Rasa loads the tracker on every message; building an ORM object per stored event was
        more than half of that, and it grows with the conversation (a 1,000-event tracker:
        19 ms). The query (filters, latest session, order by id) is Rasa's own.
        """
        keep = self.kept_entries > 0 and not fetch_events_from_all_sessions
        kept = self.kept.pop(sender_id, None) if keep else None
        with self.session_scope() as session:
            if keep:
                stored, last_id = session.query(func.count(self.SQLEvent.id),
                                                func.max(self.SQLEvent.id)).filter(
                    self.SQLEvent.sender_id == sender_id).one()
                if (kept is not None and (kept.stored, kept.last_id) == (stored, last_id)
                        and time.monotonic() - kept.used < IDLE_SECONDS):
                    kept.used = time.monotonic()
                    self._keep(sender_id, kept)
                    self.kept_counts.reused += 1
                    return copy_tracker(kept.tracker)
                if kept is not None:
                    self.kept_counts.dropped += 1
            query = self._event_query(session, sender_id,
                                      fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if keep:
            starts = [e.get("timestamp") for e in events
                      if e.get("event") == SessionStarted.type_name]
            self.kept_counts.loaded += 1
            self._keep(sender_id, KeptTracker(copy_tracker(tracker), stored, last_id,
                                              max(starts) if starts else None, time.monotonic()))
        return tracker

    def _keep(self, sender_id: str, kept: KeptTracker) -> None:
        """Keep ``kept`` as the most recently used entry, dropping the least recently used
        beyond :attr:`kept_entries` and those idle for :data:`IDLE_SECONDS`."""
        self.kept[sender_id] = kept
        self.kept.move_to_end(sender_id)
        while self.kept and (len(self.kept) > self.kept_entries or
                             kept.used - next(iter(self.kept.values())).used >= IDLE_SECONDS):
            self.kept.popitem(last=False)

    def _extend_kept(self, tracker: DialogueStateTracker, stored_before: int,
                     rows: list[tuple[Any, str]]) -> None:
        """Append the events just stored (``rows``: their ids and JSON) to the kept tracker of
        ``tracker``'s conversation, when loading the conversation now would give exactly that;
        else the entry is dropped and the next message loads it."""
        kept = self.kept.pop(tracker.sender_id, None)
        if kept is None:
            return
        known = kept.tracker.events
        stored_events = [json.loads(data) for _id, data in rows]
        if (stored_before != len(known) or len(tracker.events) < len(known)
                or not all(map(is_, known, tracker.events))
                or any(e.get("event") == SessionStarted.type_name
                       or (kept.session_start is not None
                           and not (e.get("timestamp") or 0) >= kept.session_start)
                       for e in stored_events)):
            self.kept_counts.dropped += 1
            return
        extended = copy_tracker(kept.tracker)
        for event in deserialise_events(stored_events):
            extended.update(event)
        ids = [row_id for row_id, _data in rows]
        if None in ids:
            self.kept_counts.dropped += 1
            return
        self._keep(tracker.sender_id, KeptTracker(
            extended, kept.stored + len(rows), max(ids, default=kept.last_id),
            kept.session_start, time.monotonic()))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events, redacted (Rasa's ``save`` with one step added), and
        append them, as stored, to the conversation's kept tracker.

        Redaction runs in the loop's default thread pool: a long message takes the redactor
        seconds (linear, but seconds), and on the event loop those seconds would stall every
        other conversation of this Rasa process.
        """
        await self.stream_events(tracker)
        loop = asyncio.get_running_loop()
        try:
            with self.session_scope() as session:
                stored_before = self._event_query(
                    session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
                events = list(itertools.islice(tracker.events, stored_before, None))
                redacted = await loop.run_in_executor(
                    None, lambda: [redact_event(event.as_dict()) for event in events])
                rows = []
                for event, data in zip(events, redacted, strict=True):
                    intent = (data.get("parse_data") or {}).get("intent", {}).get("name")
                    row = self.SQLEvent(
                        sender_id=tracker.sender_id, type_name=event.type_name,
                        timestamp=data.get("timestamp"), intent_name=intent,
                        action_name=data.get("name"), data=json.dumps(data))
                    session.add(row)
                    rows.append(row)
                session.flush()  # the rows' ids, without a query per row after the commit
                stored = [(row.id, row.data) for row in rows]
                session.commit()
        except BaseException:
            self._drop(tracker.sender_id)
            raise
        try:
            self._extend_kept(tracker, stored_before, stored)
        except Exception as error:  # stored all the same: the next message loads it
            self._drop(tracker.sender_id)
            logger.warning("dropped a kept tracker after an error: %s", type(error).__name__)
        logger.debug("stored the redacted tracker of one conversation")

    def _drop(self, sender_id: str) -> None:
        if self.kept.pop(sender_id, None) is not None:
            self.kept_counts.dropped += 1
