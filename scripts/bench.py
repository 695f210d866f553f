"""Benchmarks (``make bench``): measured in one run on this machine, written to docs/benchmarks.md.

What it measures:
  * catalog import and Chroma ingest, from scratch into temp dirs, and their no-change reruns;
  * start-up time and memory (RSS) of the action server and the Rasa server;
  * turn latency over REST: >= 200 search turns next to >= 200 turns that run no custom action
    (``hello`` → ``utter_greet``) as the baseline, medians and ratios from the same run;
  * retrieval latency alone (``ProductSearch.search`` and grounded answers, in process);
  * passage scoring quality on ePQA (P@1, Hit@1, nDCG@5);
  * the recommender: test-split quality against the baselines, int8 quantisation, and
    ``recommend()`` latency on the Scientific catalog (``scripts/bench_recommender.py``);
  * a long conversation: turns 51-60 against turns 1-10 (``scripts/long_conversation.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from aisle.settings import REPO_ROOT, Settings, load_settings
from ops.servers import running_assistant
from scripts.benchmark_doc import publish

SEARCH_TURNS = [
    "I need a women's jacket under $80", "men's hoodies under $60 in black",
    "show me yoga pants for women", "running shorts for men", "a gym bag",
    "eco friendly tees for women", "something warm for hiking", "tank tops in size M",
    "women's bras in blue", "a watch for running", "fleece jackets", "cheap sweatshirts",
    "pants between $40 and $60", "a waterproof jacket", "men's tees in white",
]
QUESTIONS = [("MH01", "is it machine washable?"), ("WJ09", "is it waterproof?"),
             ("24-MB01", "how big is it?"), ("MS01", "does it run small?")]
POLICY_QUESTIONS = ["what's your return policy?", "how long does shipping take?",
                    "do you ship to Hawaii?", "can I return a gift?"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_import_and_ingest(settings: Settings, workdir: Path) -> list[str]:
    from catalog.importers.load import import_catalog
    from catalog.repository import SqlCatalog
    from knowledge.embedding import load_embedder
    from knowledge.store import KnowledgeStore

    url = f"sqlite:///{workdir / 'catalog.sqlite'}"
    first = timed(lambda: import_catalog("luma", settings.data_dir, url))
    rerun = timed(lambda: import_catalog("luma", settings.data_dir, url))
    catalog = SqlCatalog(url)
    embedder = load_embedder(settings.embedding_model)
    store = KnowledgeStore.open(embedder, path=workdir / "chroma")
    reports: list[object] = []
    ingest = timed(lambda: reports.append(store.ingest(catalog, progress=False)))
    reingest = timed(lambda: reports.append(store.ingest(catalog, progress=False)))
    return [
        "| step | seconds | notes |", "|---|---:|---|",
        f"| catalog import (Luma, empty SQLite) | {first:.1f} | all CSVs parsed, one transaction |",
        f"| catalog import rerun (unchanged) | {rerun:.1f} | fingerprint matches, nothing written |",
        f"| Chroma ingest from scratch | {ingest:.1f} | {'; '.join(reports[0].lines())} |",
        f"| Chroma ingest rerun | {reingest:.1f} | {'; '.join(reports[1].lines())} |",
    ]


def bench_retrieval(settings: Settings, repeats: int) -> list[str]:
    from catalog.filters import ProductFilters
    from knowledge.services import build_services

    services = build_services(settings)
    services.search.search("warm up", ProductFilters(), 5)  # as the action server does at start
    services.answers.warm_up()
    search_times = [timed(lambda q=q: services.search.search(q, ProductFilters(), 5))
                    for _ in range(repeats) for q in SEARCH_TURNS]
    answer_times = [timed(lambda p=p, q=q: services.answers.answer_product_question(p, q))
                    for _ in range(max(1, repeats // 2)) for p, q in QUESTIONS]
    policy_times = [timed(lambda q=q: services.answers.answer_policy_question(q))
                    for _ in range(max(1, repeats // 2)) for q in POLICY_QUESTIONS]
    rows = ["| operation (in process) | n | p50 ms | p95 ms |", "|---|---:|---:|---:|"]
    for name, values in (("product search", search_times), ("product question", answer_times),
                         ("policy question", policy_times)):
        rows.append(f"| {name} | {len(values)} | {statistics.median(values) * 1000:.1f} | "
                    f"{percentile(values, 95) * 1000:.1f} |")
    return rows


def bench_turns(turns: int, workdir: Path) -> list[str]:
    with running_assistant(workdir) as assistant, httpx.Client(timeout=120) as client:
        startup = assistant.startup_seconds
        assistant.say("warmup", "hello", client)
        assistant.say("warmup", SEARCH_TURNS[0], client)
        greet, search = [], []
        for i in range(turns):
            sender = f"bench-{uuid.uuid4().hex[:8]}"
            greet.append(timed(lambda s=sender: assistant.say(s, "hello", client)))
            query = SEARCH_TURNS[i % len(SEARCH_TURNS)]
            search.append(timed(lambda s=sender, q=query: assistant.say(s, q, client)))
        memory = {name: rss_mb(pid) for name, pid in assistant.pids.items()}
    g50, s50 = statistics.median(greet), statistics.median(search)
    return [
        "| turn over REST | n | p50 ms | p95 ms | p50 vs baseline |", "|---|---:|---:|---:|---:|",
        f"| baseline: `hello` → utter_greet (no custom action) | {len(greet)} | {g50 * 1000:.0f} | "
        f"{percentile(greet, 95) * 1000:.0f} | 1.00× |",
        f"| search turn (action_search_products) | {len(search)} | {s50 * 1000:.0f} | "
        f"{percentile(search, 95) * 1000:.0f} | {s50 / g50:.2f}× |",
        "",
        "| process | start-up s (both servers, until healthy) | RSS after the run, MB |",
        "|---|---:|---:|",
        f"| action server (Python 3.11: MiniLM, Chroma, catalog) | {startup:.0f} | {memory['actions']:.0f} |",
        f"| Rasa server (Python 3.10: NLU + dialogue) | {startup:.0f} | {memory['rasa']:.0f} |",
    ]


def bench_qa(settings: Settings) -> list[str]:
    from knowledge.evaluate_qa import run

    epqa = settings.data_dir / "epqa" / "ePQA_dev.csv"
    started = time.perf_counter()
    results = run(epqa)
    elapsed = time.perf_counter() - started
    rows = ["| scorer | P@1 | Hit@1 | nDCG@5 |", "|---|---:|---:|---:|"]
    names = {"baseline_cosine": "zero-shot MiniLM cosine (baseline)",
             "fitted_out_of_fold": "Aisle scorer, 5-fold cross-validated by ASIN (honest figure)",
             "shipped_in_sample": "shipped weights on ePQA dev (in-sample check only)"}
    for key, metrics in results.items():
        rows.append(f"| {names.get(key, key)} | {metrics.p_at_1:.3f} | {metrics.hit_at_1:.3f} | "
                    f"{metrics.ndcg_at_5:.3f} |")
    rows.append(f"\nCommand: `python -m knowledge.evaluate_qa --epqa {os.path.relpath(epqa, REPO_ROOT)}` "
                f"({elapsed:.0f} s here, embeddings included).")
    return rows


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                            capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, commit {commit}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--skip-qa", action="store_true")
    parser.add_argument("--skip-recommender", action="store_true")
    parser.add_argument("--skip-long-conversation", action="store_true")
    args = parser.parse_args(argv)
    settings = load_settings()
    sections: list[tuple[str, list[str]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        sections.append(("Import and ingest", bench_import_and_ingest(settings, Path(tmp))))
    sections.append(("Retrieval latency alone", bench_retrieval(settings, args.repeats)))
    with tempfile.TemporaryDirectory() as tmp:
        sections.append(("Turns over REST, start-up and memory", bench_turns(args.turns, Path(tmp))))
    if not args.skip_qa:
        sections.append(("Grounded answers: passage scoring on ePQA", bench_qa(settings)))
    if not args.skip_recommender:
        from scripts.bench_recommender import sections as recommender_sections

        sections.extend(recommender_sections(settings))
    lines = ["# Benchmarks", "",
             f"Measured by `make bench` on {time.strftime('%Y-%m-%d')}: {machine()}. "
             "Medians and ratios come from one run; the machines are noisy, so compare ratios.", ""]
    for title, rows in sections:
        lines += [f"## {title}", "", *rows, ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    kept = kept_sections(args.out.read_text()) if args.out.exists() else []
    args.out.write_text("\n".join(lines + kept))
    print("\n".join(lines))
    if not args.skip_long_conversation:
        from scripts.long_conversation import measure

        text, _ = measure()
        publish(text, "long-conversation", args.out)


def kept_sections(text: str) -> list[str]:
    """Sections other commands measured (the NLU cross-validation, the load and fuzz runs),
    marked ``<!-- name:start -->`` … ``<!-- name:end -->``: kept as they are, since this run
    does not repeat them."""
    return [block.group(0) + "\n" for block in
            re.finditer(r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", text, re.S)]


if __name__ == "__main__":
    main()
