"""``python -m insights sync``: read new rows of the tracker store into the event store.

The tracker store is read by row id from where the last sync stopped (a cursor kept beside
the events), in batches; the dedup keys make a repeated or overlapping sync harmless.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from insights.events import EventStore
from insights.tracker_events import TrackerConverter, TrackerRow

CURSOR = "tracker"
BATCH = 2000
_ROWS = text("SELECT id, sender_id, type_name, timestamp, action_name, data FROM events "
             "WHERE id > :after ORDER BY id LIMIT :limit")


@dataclass(frozen=True)
class SyncReport:
    """What one sync read and stored, and how long it took."""

    rows: int
    events: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float(self.rows)


def sync_tracker(tracker: Engine, store: EventStore, batch: int = BATCH) -> SyncReport:
    """Convert tracker rows after the stored cursor into events; advance the cursor."""
    started = time.perf_counter()
    if not inspect(tracker).has_table("events"):
        return SyncReport(0, 0, time.perf_counter() - started)
    converter = TrackerConverter()
    after, rows_read, added = store.cursor(CURSOR), 0, 0
    while True:
        with tracker.connect() as connection:
            rows = [TrackerRow(*row) for row in connection.execute(
                _ROWS, {"after": after, "limit": batch})]
        if not rows:
            break
        added += store.record_many(list(converter.convert(rows)))
        after = rows[-1].id
        rows_read += len(rows)
        store.set_cursor(CURSOR, after)
    return SyncReport(rows_read, added, time.perf_counter() - started)
