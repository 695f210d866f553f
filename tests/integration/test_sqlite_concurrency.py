"""Two real processes writing one SQLite file through ``aisle.db.make_engine`` lose nothing.

The web app (events, console audit) and the action server (carts, orders, contacts) write the
same shop database in the embedded profile. Each worker here does what they do: ORM
read-modify-write transactions (a cart line's quantity goes up by one) and plain inserts, 1,000
of each per process, started with ``spawn`` so nothing is shared but the file.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Integer, String, func, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from aisle.db import make_engine

WRITES = 1_000


class _Base(DeclarativeBase):
    pass


class _Counter(_Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class _Line(_Base):
    __tablename__ = "lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    writer: Mapped[str] = mapped_column(String(32))
    n: Mapped[int] = mapped_column(Integer)


def _write(url: str, writer: str, start: multiprocessing.synchronize.Event,
           errors: multiprocessing.Queue) -> None:
    engine = make_engine(url)
    start.wait()
    failures = 0
    for n in range(WRITES):
        try:
            with Session(engine) as session, session.begin():
                counter = session.get(_Counter, "shared")
                assert counter is not None
                counter.value = counter.value + 1  # read-modify-write, as the ORM does
                session.add(_Line(writer=writer, n=n))
        except Exception as error:  # noqa: BLE001 - counted and reported by the test
            failures += 1
            if failures <= 3:
                errors.put(f"{writer}: {type(error).__name__}: {str(error)[:120]}")
    errors.put(f"{writer}: {failures} failed")
    engine.dispose()


def test_two_processes_lose_no_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    engine = make_engine(url)
    _Base.metadata.create_all(engine)
    with Session(engine) as session, session.begin():
        session.add(_Counter(name="shared", value=0))
    context = multiprocessing.get_context("spawn")
    start, errors = context.Event(), context.Queue()
    workers = [context.Process(target=_write, args=(url, name, start, errors))
               for name in ("web", "actions")]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=300)
    reports = [errors.get(timeout=5) for _ in range(errors.qsize() or 2)]
    with Session(engine) as session:
        lines = session.scalar(select(func.count()).select_from(_Line))
        counter = session.get(_Counter, "shared")
    assert [w.exitcode for w in workers] == [0, 0], reports
    assert lines == 2 * WRITES, reports
    assert counter is not None and counter.value == 2 * WRITES, reports
    assert sorted(reports) == ["actions: 0 failed", "web: 0 failed"]


def test_every_sqlite_engine_uses_wal_and_waits_when_busy(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'state.sqlite'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 10_000
    # The mode is the file's: another client (Rasa's own engine, sqlite3) finds it too.
    with sqlite3.connect(tmp_path / "state.sqlite") as plain:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_in_memory_databases_still_work() -> None:
    engine = make_engine("sqlite:///:memory:")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert connection.execute(text("SELECT x FROM t")).scalar() == 1


def test_a_long_read_of_rasa_s_tracker_file_does_not_hold_up_rasa_s_writes(tmp_path: Path) -> None:
    path = tmp_path / "tracker.sqlite"
    with sqlite3.connect(path) as rasa:
        rasa.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)")
        rasa.execute("INSERT INTO events (data) VALUES ('hello')")
    reader = make_engine(f"sqlite:///{path}", read_only=True)
    with reader.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 1
        # The read transaction is still open; Rasa (its own client, short timeout) writes.
        rasa = sqlite3.connect(path, timeout=0.5)
        rasa.execute("INSERT INTO events (data) VALUES ('hi again')")
        rasa.commit()
        # The reader keeps its snapshot until its transaction ends...
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 1
        rasa.execute("BEGIN IMMEDIATE")  # ...and reads while Rasa holds the write lock.
        assert connection.execute(text("SELECT data FROM events WHERE id = 1")).scalar() == "hello"
        rasa.rollback()
        rasa.close()
    with reader.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar() == 2


def test_the_insights_report_reads_events_while_the_action_server_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    import aisle.db
    from insights.events import Event, EventStore

    monkeypatch.setattr(aisle.db, "BUSY_TIMEOUT_MS", 200)  # fail fast instead of waiting 15 s
    monkeypatch.setattr(aisle.db, "LOCK_RETRIES", 0)
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    store = EventStore(url)  # the report's, opened before the action server's transaction
    store.record(Event(kind="message", conversation_id="s1", at=datetime.now(UTC),
                       source="web", data={"text": "hello"}))
    writer = sqlite3.connect(tmp_path / "shop.sqlite", timeout=0.2)
    writer.execute("BEGIN IMMEDIATE")  # the action server in the middle of a transaction
    try:
        assert [e.conversation_id for e in store.events()] == ["s1"]
    finally:
        writer.rollback()
        writer.close()
