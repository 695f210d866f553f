"""One way to open a SQL database, so server databases survive restarts of their server.

SQLite files need nothing special. For a database server (PostgreSQL in the production
profile) the pool checks each connection before use (``pool_pre_ping``) and recycles old
ones, so a PostgreSQL restart costs no failed request and no process restart; the plain
``postgresql://`` scheme is mapped to the psycopg2 driver that both venvs carry.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

#: Seconds after which a pooled server connection is replaced (below server-side idle limits).
POOL_RECYCLE = 1800


def driver_url(url: str) -> str:
    """``url`` with an explicit driver: ``postgresql://`` becomes ``postgresql+psycopg2://``."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """A SQLAlchemy engine on ``url``; server databases get pre-ping and recycling.

    Errors never show bound parameters (``hide_parameters``): SQLAlchemy would otherwise put
    them, a shopper's email among them, into the exception text that reaches the logs.
    """
    url = driver_url(url)
    kwargs.setdefault("hide_parameters", True)
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_recycle", POOL_RECYCLE)
    return create_engine(url, **kwargs)
