"""Start a whole profile from scratch on free loopback ports, for benchmarks and the fuzzer.

``embedded``: one Rasa server and one action server on SQLite and the embedded Chroma store,
with a fresh tracker and shop database in the work folder (the catalog is the developer's).
``production``: PostgreSQL, Redis and a Chroma server from ``scripts/services.sh`` in a temp
folder, the catalog and sample orders imported, two Rasa replicas and two action workers
behind nginx. Everything stops when the ``with`` block ends.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aisle.settings import load_settings
from ops.backing import LocalServices, load_data
from ops.servers import free_port, running_assistant, running_cluster


@dataclass
class RunningProfile:
    """Where shoppers talk to it, its databases and its server processes."""

    name: str
    url: str
    catalog_url: str
    state_url: str
    pids: dict[str, int]
    startup_seconds: float
    secrets: tuple[str, ...] = ()


#: The benchmarks play hundreds of shoppers, and long conversations at machine speed, from one
#: loopback address: they measure capacity, so the channels' rate limits (meant for one real
#: client) are lifted unless this environment sets them.
MEASURING_LIMITS = {"AISLE_CHANNEL_MESSAGES_PER_MINUTE": "1000000",
                    "AISLE_CHANNEL_CLIENT_MESSAGES_PER_MINUTE": "1000000"}


def _measuring_limits() -> dict[str, str]:
    return {name: os.environ.get(name, value) for name, value in MEASURING_LIMITS.items()}


@contextmanager
def running_profile(name: str, workdir: Path, token: str | None = None) -> Iterator[RunningProfile]:
    """Start profile ``name`` ("embedded" or "production") with its files in ``workdir``."""
    if name == "embedded":
        state_url = f"sqlite:///{workdir / 'shop.sqlite'}"
        with running_assistant(workdir, extra_env={"AISLE_STATE_DATABASE_URL": state_url,
                                                  **_measuring_limits()},
                               token=token) as running:
            yield RunningProfile(name, running.rasa_url, load_settings().catalog_url, state_url,
                                 running.pids, running.startup_seconds,
                                 (token,) if token else ())
        return
    if name != "production":
        raise ValueError(f"unknown profile {name!r}: 'embedded' or 'production'")
    services = LocalServices(Path(tempfile.mkdtemp(prefix="aisle-services-")), free_port(),
                             free_port(), free_port())
    try:
        env = services.start()
        load_data(env)
        env.update(_measuring_limits())
        password = (services.directory / "pg-password").read_text().strip()
        with running_cluster(workdir, env, token=token) as cluster:
            yield RunningProfile(name, cluster.proxy_url, env["AISLE_DATABASE_URL"],
                                 env["AISLE_STATE_DATABASE_URL"], cluster.pids(),
                                 cluster.startup_seconds,
                                 tuple(s for s in (token, password) if s))
    finally:
        services.stop(remove=True)
