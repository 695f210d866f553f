"""The action server's start at scale: seconds from start to ready, and its memory.

    python -m scripts.bench_action_start --store NAME [--state-dir DIR] [--code DIR]
                                         [--repeats 3] [--json FILE] [--phases]

Starts ``python -m actions.server`` (from ``--code``, a checkout of the code to measure; by
default this one) on the store's catalog in ``--state-dir``, and times it until ``/health``
answers (the server listens only once its services are built). Then asks it once for the
product finder's "what kind of item" question (``action_ask_product_finder_form_product_type``)
and times that. Reports, per start, the seconds to ready, the RSS at ready and its peak
(``VmRSS``/``VmHWM``), and the finder question's seconds and the RSS after it. Import the
catalog first (``python -m catalog.import_catalog --store NAME --file FILE``); run under
``flock /tmp/aisle-heavy.lock`` on a shared machine.

``--phases`` measures, in a fresh process per repeat, the start's parts one after another
instead of the whole server: the knowledge services (``knowledge.services.build_services``:
embedder, Chroma store, catalog search index and vocabulary, grounded answers, warmed up), the
finder question through its action, and the recommender's catalog reads that do not embed
(``catalog.products()`` and one ``links`` read per product, timed on the first 2,000 and
scaled to N). A first start of the whole server on a freshly imported big catalog embeds every
item for the recommender, which takes far longer than the rest and is the recommender's own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]

_FINDER = "action_ask_product_finder_form_product_type"


def _memory_mb(pid: int) -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` (peak) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def _finder_request() -> bytes:
    tracker = {"sender_id": "bench", "slots": {"gender": "women"}, "events": [],
               "latest_message": {"text": "women", "intent": {}, "entities": []},
               "paused": False, "followup_action": None, "active_loop": {},
               "latest_action_name": None}
    return json.dumps({"next_action": _FINDER, "sender_id": "bench", "tracker": tracker,
                       "domain": {}, "version": "3.6.0"}).encode()


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the action server exited ({process.returncode}) before ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"not ready within {timeout:.0f} s")


def start_once(code: Path, store: str, state_dir: Path, log: Path,
               timeout: float = 1200) -> dict[str, Any]:
    """One start of the action server: ready seconds, memory, and the finder question."""
    from ops.servers import free_port, stop_process_group

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(code), "AISLE_STORE": store,
           "AISLE_STATE_DIR": str(state_dir), "AISLE_ACTION_PORT": str(port),
           "HF_HUB_OFFLINE": "1"}
    started = time.perf_counter()
    with log.open("a") as out:
        process = subprocess.Popen([sys.executable, "-m", "actions.server"], cwd=code, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/health", process, timeout)
        row: dict[str, Any] = {"ready_s": time.perf_counter() - started}
        memory = _memory_mb(process.pid)
        row.update(rss_ready_mb=memory["VmRSS"], peak_ready_mb=memory["VmHWM"])
        asked = time.perf_counter()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/webhook", _finder_request(),
                                         {"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            reply = json.loads(answer.read())
        row["finder_s"] = time.perf_counter() - asked
        row["finder_text"] = reply["responses"][0].get("text", "")
        row["rss_after_finder_mb"] = _memory_mb(process.pid)["VmRSS"]
        return row
    finally:
        stop_process_group(process)


def _phases() -> dict[str, Any]:
    """The child of ``--phases``: run in the code being measured (``PYTHONPATH``)."""
    import asyncio
    import resource

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions import finder
    from actions import services as action_services
    from aisle.settings import load_settings
    from knowledge.services import build_services

    def rss() -> float:
        return _memory_mb(os.getpid())["VmRSS"]

    row: dict[str, Any] = {"rss_before_mb": rss()}
    started = time.perf_counter()
    settings = load_settings()
    knowledge = build_services(settings)
    knowledge.answers.warm_up()
    row.update(knowledge_s=time.perf_counter() - started, rss_knowledge_mb=rss())
    action_services.set_services(knowledge)
    tracker = Tracker("bench", {"gender": "women"}, {"text": "women", "intent": {},
                      "entities": []}, [], False, None, {}, None)
    dispatcher = CollectingDispatcher()
    asked = time.perf_counter()
    asyncio.run(finder.ActionAskProductFinderFormProductType().run(dispatcher, tracker, {}))
    row.update(finder_s=time.perf_counter() - asked, rss_after_finder_mb=rss(),
               finder_text=dispatcher.messages[0].get("text", ""))
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if os.environ.get("BENCH_SKIP_RECOMMENDER"):
        return row
    catalog = knowledge.catalog
    read = time.perf_counter()
    products = catalog.products()
    row.update(recommender_products_s=time.perf_counter() - read,
               rss_after_products_mb=rss(), products=len(products))
    sample = products[:2000]
    read = time.perf_counter()
    for product in sample:
        catalog.links(product.id)  # type: ignore[attr-defined]
    row["recommender_links_s_scaled"] = ((time.perf_counter() - read) * len(products)
                                         / max(1, len(sample)))
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


def phases_once(code: Path, store: str, state_dir: Path,
                skip_recommender: bool = False) -> dict[str, Any]:
    """One ``--phases`` measurement in a fresh process running ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code), "AISLE_STORE": store,
           "AISLE_STATE_DIR": str(state_dir), "HF_HUB_OFFLINE": "1",
           "BENCH_SKIP_RECOMMENDER": "1" if skip_recommender else ""}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child"], cwd=code,
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the measured process failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_action_start",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--store", help="the store to start on (required)")
    parser.add_argument("--state-dir", type=Path, help="its state folder (required)")
    parser.add_argument("--code", type=Path, default=REPO_ROOT)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--phases", action="store_true",
                        help="time the start's parts in process instead of the whole server")
    parser.add_argument("--skip-recommender", action="store_true",
                        help="with --phases: leave out the recommender's catalog reads")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_phases()))
        return 0
    if not args.store or not args.state_dir:
        parser.error("--store and --state-dir are required")
    log = args.state_dir / "bench-action-start.log"
    rows = []
    for number in range(args.repeats):
        if args.phases:
            rows.append(phases_once(args.code.resolve(), args.store, args.state_dir.resolve(),
                                    args.skip_recommender))
        else:
            rows.append(start_once(args.code.resolve(), args.store, args.state_dir.resolve(),
                                   log))
        print(f"start {number + 1}: {json.dumps(rows[-1])}", flush=True)
    summary = {key: statistics.median(r[key] for r in rows)
               for key in rows[0] if isinstance(rows[0][key], float)}
    print(f"median: {json.dumps(summary)}")
    if args.json:
        args.json.write_text(json.dumps({"starts": rows, "median": summary}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
