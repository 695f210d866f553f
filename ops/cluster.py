"""Run the production topology on this machine: ``make run-production``.

Starts the local PostgreSQL, Redis and Chroma server when the production URLs are not already
set (``scripts/services.sh``), imports the catalog and sample orders, then two Rasa replicas
and two action workers behind nginx, with the shoppers' entry point on ``AISLE_RASA_PORT``.
Ctrl-C stops the servers (the backing services keep running: ``make services-stop``).
"""

from __future__ import annotations

import argparse
import os
import signal
import time

from aisle.settings import PRODUCTION_URLS, REPO_ROOT
from ops.backing import LocalServices, load_data
from ops.servers import running_cluster


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ops.cluster", description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--action-workers", type=int, default=2)
    args = parser.parse_args(argv)
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
                         token=os.environ.get("AISLE_RASA_TOKEN"), proxy_port=port) as cluster:
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
