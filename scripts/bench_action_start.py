"""The action server's start at scale: seconds from start to ready, and its memory.

    python -m scripts.bench_action_start --store NAME [--state-dir DIR] [--code DIR]
                                         [--repeats 3] [--json FILE] [--phases]
    python -m scripts.bench_action_start --store NAME --state-dir DIR --fill-items ENCODED

Starts ``python -m actions.server`` (from ``--code``, a checkout of the code to measure; by
default this one) on the store's catalog in ``--state-dir``, and times it until ``/health``
answers (the server listens only once its services are built). Then asks it once for the
product finder's "what kind of item" question (``action_ask_product_finder_form_product_type``)
and once for recommendations (``action_recommend_products``, two of the catalog's first
products viewed) and times them. Reports, per start, the seconds to ready, the RSS at ready and
its peak (``VmRSS``/``VmHWM``), and each question's seconds and the RSS after it. Import the
catalog first (``python -m catalog.import_catalog --store NAME --file FILE``); run under
``flock /tmp/aisle-heavy.lock`` on a shared machine.

``--phases`` measures, in a fresh process per repeat, the start's parts one after another
instead of the whole server: the knowledge services (``knowledge.services.build_services``:
embedder, Chroma store, catalog search index and vocabulary, grounded answers, warmed up), the
finder question through its action, then ``recommender.factory.build_recommender`` and one
recommendation (``--skip-recommender`` leaves those out).

``--fill-items ENCODED`` is the recommender's ingest (``recommender.ingest.ingest_items``, the
code of this checkout) on the store, timed, with the item tower encoding only the first
ENCODED products: the others get noisy copies of those vectors (Gaussian noise of norm about
0.5, renormalised, as ``scripts.bench_recommender_scale``), so that a 100k-item index is
built in minutes rather than the tower's hours on two cores. Every record carries the hashes
of its real text and metadata and the real tower's name, so a later sync of any version of
the code finds the index complete and embeds nothing. Latency and memory only: never quote
recommendation quality on such an index.
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
_RECOMMEND = "action_recommend_products"


def _memory_mb(pid: int) -> dict[str, float]:
    """``VmRSS`` and ``VmHWM`` (peak) of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found


def _request(action: str, slots: dict[str, Any], text: str) -> bytes:
    tracker = {"sender_id": "bench", "slots": slots, "events": [],
               "latest_message": {"text": text, "intent": {}, "entities": []},
               "paused": False, "followup_action": None, "active_loop": {},
               "latest_action_name": None}
    return json.dumps({"next_action": action, "sender_id": "bench", "tracker": tracker,
                       "domain": {}, "version": "3.6.0"}).encode()


def _first_ids(state_dir: Path, store: str, n: int = 2) -> list[str]:
    """The first ``n`` product ids of the store's catalog (the recommendation's history)."""
    import sqlite3

    path = state_dir / f"catalog-{store}.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return [row[0] for row in connection.execute(
            "SELECT id FROM products WHERE store = ? ORDER BY position LIMIT ?", (store, n))]


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
        history = _first_ids(state_dir, store)
        for name, action, slots, text in (
                ("finder", _FINDER, {"gender": "women"}, "women"),
                ("recommend", _RECOMMEND, {"viewed_products": history}, "a warm jacket")):
            asked = time.perf_counter()
            request = urllib.request.Request(f"http://127.0.0.1:{port}/webhook",
                                             _request(action, slots, text),
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                reply = json.loads(answer.read())
            row[f"{name}_s"] = time.perf_counter() - asked
            responses = reply.get("responses") or [{}]
            row[f"{name}_text"] = responses[0].get("text", "")
            row[f"{name}_products"] = len(next(
                (r["custom"].get("products", []) for r in responses
                 if isinstance(r.get("custom"), dict)), []))
            row[f"rss_after_{name}_mb"] = _memory_mb(process.pid)["VmRSS"]
        row["peak_mb"] = _memory_mb(process.pid)["VmHWM"]
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
    from recommender.factory import build_recommender
    from recommender.service import ShopperContext

    read = time.perf_counter()
    recommender = build_recommender(settings, knowledge.catalog, knowledge.store.client)
    row.update(recommender_s=time.perf_counter() - read, rss_after_recommender_mb=rss(),
               recommender_exact=bool(recommender.index.exact),
               recommender_items=len(recommender.index))
    history = tuple(_first_ids(settings.state_dir, settings.store))
    asked = time.perf_counter()
    found = recommender.recommend(ShopperContext(history=history, query="a warm jacket"), 5)
    row.update(recommend_s=time.perf_counter() - asked, recommended=len(found),
               rss_after_recommend_mb=rss())
    for name, context in (("cold_start", ShopperContext()),
                          ("second_recommend", ShopperContext(history=history[1:]))):
        asked = time.perf_counter()  # the first cold start reads the popularity order once
        recommender.recommend(context, 5)
        row[f"{name}_s"] = time.perf_counter() - asked
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return row


class ReusingTower:
    """The item tower for the first ``encoded`` texts, noisy copies of their vectors after.

    Carries the real tower's ``model_name`` and ``dim`` (see ``--fill-items``)."""

    def __init__(self, tower: Any, encoded: int, seed: int = 1) -> None:
        import numpy as np

        self.tower = tower
        self.model_name = tower.model_name
        self.dim = tower.dim
        self.encoded = encoded
        self.vectors = np.zeros((0, tower.dim), dtype=np.float32)
        self.rng = np.random.default_rng(seed)
        self.tower_s = 0.0

    def embed(self, texts: list[str], *, progress: bool = False) -> Any:
        import numpy as np

        fresh = max(0, min(len(texts), self.encoded - len(self.vectors)))
        if fresh:
            started = time.perf_counter()
            self.vectors = np.concatenate([self.vectors, self.tower.embed(list(texts[:fresh]))])
            self.tower_s += time.perf_counter() - started
        base = self.vectors[len(self.vectors) - fresh:] if fresh else self.vectors[:0]
        rest = len(texts) - fresh
        if rest:
            picked = self.vectors[self.rng.integers(0, len(self.vectors), rest)]
            noisy = picked + self.rng.normal(0, 0.5 / np.sqrt(self.dim), picked.shape)
            noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
            base = np.concatenate([base, noisy.astype(np.float32)])
        return base


def fill_items(encoded: int) -> dict[str, Any]:
    """``--fill-items``: the recommender's ingest on the store (``AISLE_*`` from the env)."""
    import resource

    from aisle.settings import load_settings
    from recommender.factory import weights_fingerprint
    from recommender.index import ItemTowerEmbedder
    from recommender.ingest import ingest_items
    from recommender.io import load_model

    settings = load_settings()
    folder = settings.recommender_model
    embedder = ReusingTower(ItemTowerEmbedder(load_model(folder), weights_fingerprint(folder)),
                            encoded)
    started = time.perf_counter()
    report = ingest_items(settings, embedder=embedder, progress=True)
    return {"ingest_s": time.perf_counter() - started, "tower_s": embedder.tower_s,
            "encoded_by_tower": len(embedder.vectors), "added": report.added,
            "updated": report.updated, "unchanged": report.unchanged,
            "embedded": report.embedded,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


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
    parser.add_argument("--fill-items", type=int, default=None, metavar="ENCODED",
                        help="run the recommender's ingest, the tower encoding only ENCODED "
                             "products (see above), and report its time")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_phases()))
        return 0
    if not args.store or not args.state_dir:
        parser.error("--store and --state-dir are required")
    if args.fill_items is not None:
        if args.fill_items < 1:
            parser.error("--fill-items must be at least 1")
        os.environ.update(AISLE_STORE=args.store, AISLE_STATE_DIR=str(args.state_dir.resolve()))
        found = fill_items(args.fill_items)
        print(f"fill: {json.dumps(found)}")
        if args.json:
            args.json.write_text(json.dumps(found, indent=1))
        return 0
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
