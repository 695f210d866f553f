"""A SQL tracker store that redacts personal data before a conversation is written.

Configured in ``endpoints.yml`` as ``type: bot.tracker_store.RedactingSQLTrackerStore`` with
the same parameters as Rasa's ``SQL`` store (dialect, url, db, username, password...), so
SQLite in development and PostgreSQL in production both store only redacted conversations:
user texts, entities, slot values and bot texts go through :mod:`aisle.redaction` first.

Rasa reloads the tracker from the store on every message, so a value the bot needs on a later
turn must survive redaction: the ``email`` slot holds a keyed hash (see
``actions.checkout.EmailSlot``), which the rules leave alone. The module runs in the Rasa venv
(Python 3.10, no torch) and imports nothing of Aisle's but the redaction rules and log filter.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from aisle.logs import install_redacting_filter
from aisle.redaction import redact

logger = logging.getLogger(__name__)


#: Slots holding catalog product ids, set by the actions, never typed by the shopper.
PRODUCT_ID_SLOTS = frozenset({"shown_products", "seen_products", "focus_product",
                              "carted_products", "compared_products"})
#: Payload keys holding catalog ids (product cards, citations).
ID_KEYS = frozenset({"id", "product_id"})


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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        install_redacting_filter()
        super().__init__(*args, **kwargs)
        # Rasa builds the engine itself; a failed statement's error would carry its bound
        # parameters (a sender id, an event's JSON) into the logs.
        self.engine.hide_parameters = True
        if self.engine.dialect.name == "sqlite":
            self.engine = _pooled(self.engine)
            self.sessionmaker = sessionmaker(bind=self.engine)
            _write_ahead_log(self.engine)

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """Rasa's ``_retrieve``, reading only the events' JSON instead of whole ORM rows.

        Rasa loads the tracker on every message; building an ORM object per stored event was
        more than half of that, and it grows with the conversation (a 1,000-event tracker:
        19 ms). The query (filters, latest session, order by id) is Rasa's own.
        """
        with self.session_scope() as session:
            query = self._event_query(session, sender_id,
                                      fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            events = [json.loads(data) for (data,) in query.with_entities(self.SQLEvent.data)]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events, redacted (Rasa's ``save`` with one step added).

        Redaction runs in the loop's default thread pool: a long message takes the redactor
        seconds (linear, but seconds), and on the event loop those seconds would stall every
        other conversation of this Rasa process.
        """
        await self.stream_events(tracker)
        loop = asyncio.get_running_loop()
        with self.session_scope() as session:
            events = list(self._additional_events(session, tracker))
            redacted = await loop.run_in_executor(
                None, lambda: [redact_event(event.as_dict()) for event in events])
            for event, data in zip(events, redacted, strict=True):
                intent = (data.get("parse_data") or {}).get("intent", {}).get("name")
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id, type_name=event.type_name,
                    timestamp=data.get("timestamp"), intent_name=intent,
                    action_name=data.get("name"), data=json.dumps(data),
                ))
            session.commit()
        logger.debug("stored the redacted tracker of one conversation")
