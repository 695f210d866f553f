"""One way to open a SQL database, so server databases survive restarts of their server and
SQLite files survive two processes writing them.

For a database server (PostgreSQL in the production profile) the pool checks each connection
before use (``pool_pre_ping``) and recycles old ones, so a PostgreSQL restart costs no failed
request and no process restart; the plain ``postgresql://`` scheme is mapped to the psycopg2
driver that both venvs carry.

In the embedded profile the web app and the action server write the same SQLite file. Every
SQLite engine made here therefore

* puts the file in WAL mode (readers never block the writer, nor the writer them; the mode is
  the file's, so Rasa's own engine on the tracker file uses it too) with ``synchronous=NORMAL``;
* waits up to :data:`BUSY_TIMEOUT_MS` for another process's lock instead of failing at once;
* starts every transaction with ``BEGIN IMMEDIATE``. Python's sqlite3 driver otherwise runs a
  transaction's first reads outside any transaction and begins only at the first write, so a
  read-modify-write (the ORM's ``row.quantity += 1``) from two processes loses one of the two
  updates; and a deferred transaction that read and then writes gets "database is locked" at
  once, without waiting, when another process wrote in between. Taking the write lock up front
  makes each transaction serial with the other process's, and the lock is the only thing a
  transaction waits for: when even the busy timeout runs out, taking it is retried
  (:data:`LOCK_RETRIES` times, backing off) before the error reaches the caller.

  Readers that never write (``read_only=True``: the web app and insights reading Rasa's
  tracker file) begin a plain deferred transaction instead: in WAL it reads a consistent
  snapshot without taking the write lock, so a long read never holds up Rasa's writes.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError

logger = logging.getLogger(__name__)

#: Seconds after which a pooled server connection is replaced (below server-side idle limits).
POOL_RECYCLE = 1800
#: How long a SQLite statement waits for another process's lock before "database is locked".
BUSY_TIMEOUT_MS = 15_000
#: How many more times ``BEGIN IMMEDIATE`` is tried after the busy timeout ran out.
LOCK_RETRIES = 3


def driver_url(url: str) -> str:
    """``url`` with an explicit driver: ``postgresql://`` becomes ``postgresql+psycopg2://``."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, read_only: bool = False, **kwargs: Any) -> Engine:
    """A SQLAlchemy engine on ``url``; server databases get pre-ping and recycling, SQLite
    files WAL, a busy timeout and write-locking transactions unless ``read_only`` (see the
    module's docstring).

    Errors never show bound parameters (``hide_parameters``): SQLAlchemy would otherwise put
    them, a shopper's email among them, into the exception text that reaches the logs.
    """
    url = driver_url(url)
    kwargs.setdefault("hide_parameters", True)
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_recycle", POOL_RECYCLE)
        return create_engine(url, **kwargs)
    engine = create_engine(url, **kwargs)
    _serialise_sqlite(engine, in_memory=make_url(url).database in (None, "", ":memory:"),
                      begin="BEGIN" if read_only else "BEGIN IMMEDIATE")
    return engine


def is_locked(error: BaseException) -> bool:
    """True for SQLite's "database is locked" / "database table is locked"."""
    original = getattr(error, "orig", error)
    return isinstance(original, sqlite3.OperationalError) and "locked" in str(original)


def _serialise_sqlite(engine: Engine, in_memory: bool, begin: str) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # The driver's own BEGIN (deferred, at the first write) is switched off: ``_on_begin``
        # emits ours. The busy timeout is set first so that switching to WAL waits too.
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not in_memory:
            dbapi_connection.execute("PRAGMA journal_mode = WAL")
            dbapi_connection.execute("PRAGMA synchronous = NORMAL")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # VACUUM and other statements that must run outside a transaction
        _begin(connection, begin)


def _begin(connection: Connection, statement: str) -> None:
    for attempt in range(LOCK_RETRIES + 1):
        try:
            connection.exec_driver_sql(statement)
            return
        except OperationalError as error:
            if not is_locked(error) or attempt == LOCK_RETRIES:
                raise
            logger.warning("SQLite file still locked after %d ms; retrying (%d of %d)",
                           BUSY_TIMEOUT_MS, attempt + 1, LOCK_RETRIES)
            time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
