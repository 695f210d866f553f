"""Run the production topology on this machine: ``make run-production``.

Starts the local PostgreSQL, Redis and Chroma server when the production URLs are not already
set (``scripts/services.sh``), imports the catalog and sample orders, then two Rasa replicas
and two action workers behind nginx, with the shoppers' entry point on ``AISLE_RASA_PORT``
(the shopper channels and health only: Rasa's HTTP API stays on the replicas' own loopback
ports, behind ``AISLE_RASA_TOKEN``). ``AISLE_RASA_TOKEN`` and ``AISLE_PII_SECRET`` must be
set: a key made up per run would change the email hashes kept in conversations. Ctrl-C stops the servers (the backing
services keep running: ``make services-stop``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from collections.abc import Mapping

from aisle.settings import PRODUCTION_URLS, REPO_ROOT
from ops.backing import LocalServices, load_data
from ops.servers import running_cluster

#: The shortest API token accepted (as ``bot/server.py`` checks in the production profile).
MIN_TOKEN_CHARS = 16


class TokenMissing(SystemExit):
    """A secret the production profile needs is unset or too short: exit 2 before starting
    anything."""


def rasa_token(environ: Mapping[str, str]) -> str:
    """``AISLE_RASA_TOKEN`` from ``environ``; :class:`TokenMissing` when absent or short
    (or when ``AISLE_PII_SECRET`` is unset)."""
    token = environ.get("AISLE_RASA_TOKEN", "")
    if len(token) < MIN_TOKEN_CHARS:
        print("the production profile needs AISLE_RASA_TOKEN (at least "
              f"{MIN_TOKEN_CHARS} characters), the key of Rasa's HTTP API, which reads and "
              "changes every conversation; e.g.\n"
              "  export AISLE_RASA_TOKEN=\"$(python3 -c 'import secrets; "
              "print(secrets.token_urlsafe(32))')\"", file=sys.stderr)
        raise TokenMissing(2)
    if not environ.get("AISLE_PII_SECRET"):
        print("the production profile needs AISLE_PII_SECRET, the key of the email hashes "
              "every server shares; e.g.\n  export AISLE_PII_SECRET=\"$(python3 -c "
              "'import secrets; print(secrets.token_hex(32))')\"", file=sys.stderr)
        raise TokenMissing(2)
    return token


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ops.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--action-workers", type=int, default=2)
    args = parser.parse_args(argv)
    token = rasa_token(os.environ)
    names = [f"AISLE_{name.upper()}" for name in PRODUCTION_URLS]
    if all(os.environ.get(name) for name in names):
        service_env = {name: os.environ[name] for name in names}
    else:
        service_env = LocalServices(REPO_ROOT / "state" / "services").start()
    load_data(service_env)
    workdir = REPO_ROOT / "state" / "cluster"
    workdir.mkdir(parents=True, exist_ok=True)
    port = int(os.environ.get("AISLE_RASA_PORT", "5005"))
    print("starting the Rasa replicas and action workers (a minute or two)...", flush=True)
    with running_cluster(workdir, service_env, args.replicas, args.action_workers,
                         token=token, proxy_port=port) as cluster:
        print(f"Aisle (production profile): {cluster.proxy_url} -> {cluster.replica_urls}; "
              f"actions via {cluster.action_gateway_url}; logs in {workdir}. Ctrl-C stops.",
              flush=True)
        try:
            while all(p.pid for p in cluster.processes.values()):
                time.sleep(2)
            print("a server exited; stopping (see the logs)")
        except KeyboardInterrupt:
            print("stopping Aisle...")
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up


if __name__ == "__main__":
    main()
