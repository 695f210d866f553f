"""Ingest speed: passages/s of each embedder on the same passages, then one whole ingest.

    flock /tmp/aisle-heavy.lock python -m scripts.bench_ingest [--stride 10] [--repeats 3]
        [--runtimes torch,onnx,onnx-int8] [--full onnx] [--json results/bench-ingest.json]

1. The Scientific store's passages (``knowledge.passages``, as ingest builds them), every
   ``--stride``-th one (a fixed slice with the whole store's length mix), embedded by each
   runtime ``--repeats`` times (taking turns) in chunks of ``knowledge.sync.CHUNK``; median passages/s, and
   the vectors' agreement with the first runtime's (cosine; overlap of the top-10 passages
   for 200 product names as queries).
2. ``--full`` (run first, so its peak RSS holds no other model): ``KnowledgeStore.ingest`` of the whole store into an empty temporary Chroma store
   with that runtime (products and passages, Chroma writes included): seconds, documents/s,
   peak RSS. Needs the Scientific catalog imported (``make data-scientific``).
3. ``--qa``: the ePQA passage-scoring metrics of ``knowledge.evaluate_qa`` per runtime.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from dataclasses import asdict
from pathlib import Path


def _passages(settings: object) -> tuple[list[str], list[str]]:
    """The store's passage texts, and product names to query them with."""
    from catalog.repository import SqlCatalog
    from knowledge.passages import catalog_passages

    catalog = SqlCatalog(settings.catalog_url, settings.store)  # type: ignore[attr-defined]
    products = catalog.products()
    return [p.text for p in catalog_passages(catalog, products)], [p.name for p in products]


def embed_rates(runtimes: list[str], texts: list[str], repeats: int,
                queries: list[str]) -> list[dict[str, object]]:
    """Median passages/s of each runtime over ``texts`` (chunked as ingest does), the runtimes
    taking turns in each repeat (so a change of load on the machine hits them alike), and how
    each one's vectors and top-10 passages for ``queries`` agree with the first runtime's."""
    import numpy as np

    from knowledge.embedding import load_embedder
    from knowledge.sync import CHUNK

    embedders, load_s = {}, {}
    for runtime in runtimes:
        started = time.perf_counter()
        embedders[runtime] = load_embedder(runtime=runtime)
        embedders[runtime].embed(texts[:64])  # warm-up: first-run allocations
        load_s[runtime] = time.perf_counter() - started
    rates: dict[str, list[float]] = {r: [] for r in runtimes}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(repeats):
        for runtime, embedder in embedders.items():
            started = time.perf_counter()
            vectors[runtime] = np.concatenate([embedder.embed(texts[start:start + CHUNK])
                                               for start in range(0, len(texts), CHUNK)])
            rates[runtime].append(len(texts) / (time.perf_counter() - started))
    reference = runtimes[0]
    tops = {r: np.argsort(-(e.embed(queries) @ vectors[r].T), axis=1)[:, :10]  # (queries, 10)
            for r, e in embedders.items()}
    rows = []
    for runtime in runtimes:
        overlap = np.mean([len(set(a) & set(b)) / 10
                           for a, b in zip(tops[runtime], tops[reference], strict=True)])
        cosines = (vectors[runtime] * vectors[reference]).sum(axis=1)
        rows.append({
            "runtime": runtime, "passages": len(texts), "load_s": round(load_s[runtime], 2),
            "rates": [round(r, 1) for r in rates[runtime]],
            "median_per_s": round(statistics.median(rates[runtime]), 1),
            f"top10_overlap_with_{reference}": round(float(overlap), 3),
            f"cosine_with_{reference}": {"min": round(float(cosines.min()), 4),
                                         "mean": round(float(cosines.mean()), 4)}})
    return rows


def qa_quality(runtimes: list[str], epqa: Path) -> list[dict[str, object]]:
    """The repository's ePQA passage-scoring metrics (``knowledge.evaluate_qa``) per runtime:
    zero-shot cosine and the shipped scorer (its weights were fitted on fp32 vectors)."""
    from knowledge.embedding import load_embedder
    from knowledge.evaluate_qa import evaluate
    from knowledge.qa_data import CachingEmbedder, load_epqa, texts_to_embed
    from knowledge.qa_scoring import PassageScorer

    questions = load_epqa(epqa, None)
    rows = []
    for runtime in runtimes:
        embedder = CachingEmbedder(load_embedder(runtime=runtime))
        embedder.warm(texts_to_embed(questions), progress=False)
        for name, scorer in (("cosine", PassageScorer.plain_cosine(embedder)),
                             ("shipped scorer", PassageScorer(embedder))):
            metrics = evaluate(questions, scorer, progress=False)
            rows.append({"runtime": runtime, "scorer": name,
                         **{k: round(v, 3) if isinstance(v, float) else v
                            for k, v in asdict(metrics).items()}})
    return rows


def full_ingest(runtime: str, settings: object) -> dict[str, object]:
    """One whole ingest of the store into an empty temporary Chroma store."""
    from catalog.repository import SqlCatalog
    from knowledge.embedding import load_embedder
    from knowledge.store import KnowledgeStore

    catalog = SqlCatalog(settings.catalog_url, settings.store)  # type: ignore[attr-defined]
    embedder = load_embedder(runtime=runtime)
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        store = KnowledgeStore.open(embedder, path=Path(tmp) / "chroma")
        report = store.ingest(catalog, progress=False)
        again = store.ingest(catalog, progress=False)
    return {"runtime": runtime, "products": report.products.embedded,
            "passages": report.passages.embedded, "seconds": round(report.seconds, 1),
            "docs_per_s": round(report.embedded / report.seconds, 1),
            "rerun_embedded": again.embedded, "rerun_seconds": round(again.seconds, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main(argv: list[str] | None = None) -> None:
    from aisle.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", default="scientific")
    parser.add_argument("--stride", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runtimes", default="torch,onnx,onnx-int8",
                        help="the first is the reference of the agreement columns")
    parser.add_argument("--full", default="onnx", help="runtime of the whole ingest ('' skips)")
    parser.add_argument("--qa", default="onnx,onnx-int8",
                        help="runtimes scored on ePQA dev (knowledge.evaluate_qa); '' skips")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    settings = Settings(store=args.store)
    texts, names = _passages(settings)
    chosen = texts[::args.stride]
    queries = names[::max(1, len(names) // 200)][:200]
    result: dict[str, object] = {"store": args.store, "store_passages": len(texts),
                                 "slice": f"every {args.stride}th", "embed": []}
    print(f"{len(chosen)} of {len(texts)} passages (every {args.stride}th)", flush=True)
    if args.full:  # first, so its peak RSS holds no other runtime's model
        result["full"] = full_ingest(args.full, settings)
        print(json.dumps(result["full"]), flush=True)
    for row in embed_rates(args.runtimes.split(","), chosen, args.repeats, queries):
        result["embed"].append(row)  # type: ignore[union-attr]
        print(json.dumps(row), flush=True)
    if args.qa:
        result["qa"] = qa_quality(args.qa.split(","), settings.data_dir / "epqa" / "ePQA_dev.csv")
        for row in result["qa"]:  # type: ignore[union-attr]
            print(json.dumps(row), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
