"""Recommendations at scale: ``recommend()`` on a 100k-item index, and the HNSW settings behind it.

    flock /tmp/aisle-heavy.lock .venv/bin/python -m scripts.bench_recommender_scale \
        [--items 100000] [--encoded 2000] [--contexts 300] [--seed 1] [--json OUT]

Items are synthetic products of ``catalog.generate`` (latency only, never quality). Their
vectors: the first ``--encoded`` products are encoded by the shipped item tower; every other item
is one of those vectors plus Gaussian noise (norm about 0.5), renormalised, so the collection is
clustered like a catalog's (many near-duplicates) without hours of CPU encoding. Filter metadata
is each product's own.

Measured in one run, on fresh Chroma stores in a temp folder:
  * for each HNSW setting: build time, recall@10 of Chroma's query against exact search (numpy
    over all vectors) on sampled shopper-like queries, unfiltered and under a filter, and the
    bare query's p50 / p95;
  * with the shipped setting (``recommender.index.ITEM_HNSW``): ``recommend()`` p50 / p95 over
    shopper contexts (history of 1-10 items, some with a request, some with filters) beside a
    bare Chroma query of the same shopper vector in the same loop (the baseline), the top-5
    agreement with exact ranking of the same 100k items, and the process RSS.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

GRAPHS: list[tuple[dict[str, Any], list[int]]] = [
    # (a graph, built once; the ef_search values measured on it, see _with_ef_search)
    ({"space": "cosine", "max_neighbors": 16, "ef_construction": 100}, [100, 200]),  # Chroma's
    ({"space": "cosine", "max_neighbors": 32, "ef_construction": 200}, [64, 128, 256]),
]
BATCH = 5_000
REQUESTS = ["soldering iron", "safety glasses", "lab gloves nitrile", "yoga hoodie",
            "water bottle", "digital caliper"]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _ms(values: list[float]) -> tuple[float, float]:
    return round(statistics.median(values) * 1000, 2), round(_pct(values, 0.95) * 1000, 2)


def rss_mb() -> float:
    """Resident memory of this process now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def synthetic_products(count: int, seed: int, data_dir: Path) -> list[Any]:
    from catalog.generate import SourcePool, generate
    from catalog.importers.record import ProductRecord, to_product

    pool = SourcePool.load(data_dir)
    return [to_product(ProductRecord.model_validate(r))[0] for r in generate(count, seed, pool)]


def item_vectors(products: list[Any], encoded: int, embedder: Any, seed: int) -> np.ndarray:
    """``(len(products), dim)`` unit vectors: the first ``encoded`` from the item tower, the rest
    noisy copies of them (see the module docstring)."""
    from recommender.index import item_text

    base = embedder.embed([item_text(p) for p in products[:encoded]], progress=True)
    rng = np.random.default_rng(seed)
    rest = len(products) - encoded
    copies = base[rng.integers(0, encoded, size=rest)]
    copies += rng.normal(0.0, 0.5 / np.sqrt(base.shape[1]), size=copies.shape).astype(np.float32)
    copies /= np.linalg.norm(copies, axis=1, keepdims=True)
    return np.concatenate([base, copies]).astype(np.float32)


def fill(collection: Any, products: list[Any], vectors: np.ndarray) -> float:
    """Add every item (id, vector, filter metadata) in batches; seconds taken."""
    from knowledge.passages import product_metadata

    started = time.perf_counter()
    for start in range(0, len(products), BATCH):
        chunk = products[start:start + BATCH]
        collection.add(ids=[p.id for p in chunk], embeddings=vectors[start:start + len(chunk)],
                       metadatas=[product_metadata(p) for p in chunk])
    return time.perf_counter() - started


def recall_at(collection: Any, vectors: np.ndarray, ids: list[str], queries: np.ndarray,
              allowed: np.ndarray | None, where: dict[str, Any] | None, k: int = 10
              ) -> tuple[float, list[float]]:
    """Mean recall@k of Chroma's answers against exact search, and the query timings."""
    hits, timings = [], []
    for q in queries:
        scores = vectors @ q
        want = k
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
            want = min(k, int(allowed.sum()))
        exact = {ids[i] for i in np.argpartition(-scores, want - 1)[:want]}
        started = time.perf_counter()
        got = collection.query(query_embeddings=[q], n_results=k, where=where,
                               include=["distances"])["ids"][0]
        timings.append(time.perf_counter() - started)
        hits.append(len(exact & set(got)) / want)
    return float(np.mean(hits)), timings


def shopper_queries(vectors: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Shopper-like query vectors: the mean of 1-10 random items, normalised."""
    out = []
    for _ in range(count):
        rows = rng.integers(0, len(vectors), size=int(rng.integers(1, 11)))
        v = vectors[rows].mean(axis=0)
        out.append(v / np.linalg.norm(v))
    return np.stack(out).astype(np.float32)


def bench_settings(products: list[Any], vectors: np.ndarray, embedder: Any, tmp: Path,
                   queries: int, seed: int) -> tuple[list[dict[str, Any]], Any]:
    """Rows per (graph, ef_search); and the Chroma client whose ``recommender_items`` collection
    was built with the shipped graph (reused by :func:`bench_recommend`), or None."""
    import chromadb

    from knowledge.store import open_collection, persistent_client
    from recommender.index import ITEM_HNSW, ITEMS, ItemIndex

    ids = [p.id for p in products]
    women = np.array([(p.gender or "") in ("women", "unisex") for p in products])
    sample = shopper_queries(vectors, queries, np.random.default_rng(seed))
    # A selective filter too: the product type whose share is nearest 0.5 %.
    types = Counter(p.product_type for p in products)
    rare_type = min(types, key=lambda t: abs(types[t] / len(products) - 0.005))
    rare = np.array([p.product_type == rare_type for p in products])
    rows, built = [], None
    for n, (graph, efs) in enumerate(GRAPHS):
        if all(ITEM_HNSW[key] == value for key, value in graph.items()):
            path, name = tmp / "shipped", ITEMS
            client = persistent_client(path)
            collection = ItemIndex(client, embedder, exact_max=len(products) - 1).collection
        else:
            path, name = tmp / f"graph-{n}", f"items-{n}"
            client = chromadb.PersistentClient(path=str(path))
            collection = open_collection(client, name, embedder, hnsw=graph)
        seconds = fill(collection, products, vectors)
        for ef in efs:
            collection = _with_ef_search(collection, path, name, ef)
            recall, timings = recall_at(collection, vectors, ids, sample, None, None)
            f_recall, f_timings = recall_at(collection, vectors, ids, sample[:100], women,
                                            {"gender": {"$in": ["women", "unisex"]}})
            r_recall, r_timings = recall_at(collection, vectors, ids, sample[:100], rare,
                                            {"product_type": rare_type})
            pool_timings = []
            for q in sample[:100]:
                started = time.perf_counter()
                collection.query(query_embeddings=[q], n_results=100, include=["distances"])
                pool_timings.append(time.perf_counter() - started)
            rows.append({"hnsw": {**graph, "ef_search": ef}, "build_s": round(seconds, 1),
                         "recall@10": round(recall, 4), "query10_ms": _ms(timings),
                         "query100_ms": _ms(pool_timings),
                         "recall@10 women/unisex filter": round(f_recall, 4),
                         "women_filter_query10_ms": _ms(f_timings),
                         "share_women": round(float(women.mean()), 3),
                         f"recall@10 filter type={rare_type!r}": round(r_recall, 4),
                         "rare_filter_query10_ms": _ms(r_timings),
                         "share_rare": round(float(rare.mean()), 4)})
            print(json.dumps(rows[-1]), flush=True)
        if name == ITEMS:  # the shipped graph: kept for bench_recommend
            built = _with_ef_search(collection, path, name, ITEM_HNSW["ef_search"])
        del collection, client
        gc.collect()
    return rows, built


def _with_ef_search(collection: Any, path: Path, name: str, ef: int) -> Any:
    """The collection reopened with ``ef_search`` = ``ef``: Chroma applies a changed ef_search
    only when a process loads the index, so the client's shared system is dropped first."""
    import chromadb
    from chromadb.api.client import SharedSystemClient

    collection.modify(configuration={"hnsw": {"ef_search": ef}})
    SharedSystemClient.clear_system_cache()
    reopened = chromadb.PersistentClient(path=str(path)).get_collection(name)
    assert reopened.configuration_json["hnsw"]["ef_search"] == ef
    return reopened


def contexts_for(products: list[Any], count: int, seed: int) -> list[tuple[Any, Any]]:
    from catalog.filters import ProductFilters
    from recommender.service import ShopperContext

    rng = random.Random(seed)
    out = []
    for n in range(count):
        history = tuple(rng.choice(products).id for _ in range(rng.randint(1, 10)))
        query = REQUESTS[n % len(REQUESTS)] if n % 3 == 0 else ""
        filters = (ProductFilters(gender="women") if n % 4 == 1 else
                   ProductFilters(price_max=50.0, in_stock_only=True) if n % 4 == 2 else None)
        out.append((ShopperContext(history=history, query=query), filters))
    return out


def bench_recommend(products: list[Any], holder: list[np.ndarray], embedder: Any, tmp: Path,
                    contexts: int, seed: int, built: Any = None) -> dict[str, Any]:
    """``holder`` holds the vectors and is emptied, so that RSS is measured without them;
    ``built`` is the items collection :func:`bench_settings` filled, if any."""
    from knowledge.store import persistent_client
    from recommender.index import ItemIndex
    from recommender.service import POOL, Recommender

    vectors = holder.pop()
    client = persistent_client(tmp / "shipped")
    if built is None:
        fill(ItemIndex(client, embedder).collection, products, vectors)
    index = ItemIndex(client, embedder, exact_max=len(products) - 1)
    cases = contexts_for(products, contexts, seed)
    by_id = {p.id: p for p in products}
    del vectors
    gc.collect()
    rss_before = rss_mb()
    started = time.perf_counter()
    index.reload()
    recommender = Recommender(index, by_id, {})
    ready_s = time.perf_counter() - started
    rss_ann = rss_mb()
    assert not index.exact
    for context, filters in cases[:20]:  # warm-up (and the request encodings, cached after)
        recommender.recommend(context, 5, filters)
    baseline, timings, answers = [], [], []
    for context, filters in cases:
        shopper = recommender.shopper_vector(context)
        started = time.perf_counter()
        index.collection.query(query_embeddings=[shopper], n_results=POOL,
                               include=["distances"])
        baseline.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = recommender.recommend(context, 5, filters)
        timings.append(time.perf_counter() - started)
        answers.append([r.product.id for r in found])
    filtered = [t for t, (_, f) in zip(timings, cases, strict=True) if f is not None]
    # The same 100k items ranked exactly from memory (today's code path) for agreement and cost.
    exact_index = ItemIndex(client, embedder, exact_max=len(products))
    started = time.perf_counter()
    exact_index.reload()
    exact = Recommender(exact_index, by_id, {})
    exact_ready_s = time.perf_counter() - started
    rss_exact = rss_mb()
    for context, filters in cases[:20]:
        exact.recommend(context, 5, filters)
    exact_timings, agreement = [], []
    for (context, filters), got in zip(cases, answers, strict=True):
        started = time.perf_counter()
        want = [r.product.id for r in exact.recommend(context, 5, filters)]
        exact_timings.append(time.perf_counter() - started)
        agreement.append(len(set(want) & set(got)) / max(1, len(want)))
    # The ANN against exact search for the shopper tower's own vectors (not shopper-like means).
    recall: dict[str, list[float]] = {"10": [], "100": [], "10 within 0.01": []}
    for context, _ in cases:
        shopper = exact.shopper_vector(context)
        scores = exact_index.matrix @ shopper
        order = np.argsort(-scores)[:100]
        got = index.nearest(shopper, 100)
        got_ids = [pid for pid, _ in got]
        for k in (10, 100):
            truth = {exact_index.ids[i] for i in order[:k]}
            recall[str(k)].append(len(truth & set(got_ids[:k])) / k)
        # near ties count: a returned item as close as the exact 10th, less 0.01
        floor = float(scores[order[9]]) - 0.01
        recall["10 within 0.01"].append(sum(1 for _, c in got[:10] if c >= floor) / 10)
    return {
        "shopper_vector_recall": {k: round(float(np.mean(v)), 4) for k, v in recall.items()},
        "items": len(products), "contexts": len(cases),
        "baseline_bare_query_pool_ms": _ms(baseline),
        "recommend_ms": _ms(timings), "recommend_filtered_ms": _ms(filtered),
        "recommend_p50_vs_baseline": round(statistics.median(timings)
                                           / statistics.median(baseline), 2),
        "exact_recommend_ms": _ms(exact_timings),
        "top5_agreement_with_exact": round(float(np.mean(agreement)), 4),
        "ann_ready_s": round(ready_s, 1), "exact_ready_s": round(exact_ready_s, 1),
        "rss_mb_before_recommender": round(rss_before), "rss_mb_ann": round(rss_ann),
        "rss_mb_with_exact_too": round(rss_exact),
    }


def markdown(results: dict[str, Any]) -> list[str]:
    """The tables of docs/benchmarks.md's "Recommendations at scale" from a run's results."""
    lines = ["| HNSW graph (M, ef_construction) | ef_search | build s | recall@10 | query 10 p50 / p95 ms "
             "| query 100 p50 / p95 ms | recall@10, broad filter | p50 / p95 ms "
             "| recall@10, 0.5 % filter | p50 / p95 ms |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in results.get("settings", []):
        h = row["hnsw"]
        broad = next(v for k, v in row.items() if k.startswith("recall@10 women"))
        rare = next(v for k, v in row.items() if k.startswith("recall@10 filter type"))
        lines.append(
            f"| {h['max_neighbors']}, {h['ef_construction']} | {h['ef_search']} | {row['build_s']} "
            f"| {row['recall@10']:.3f} | {row['query10_ms'][0]} / {row['query10_ms'][1]} "
            f"| {row['query100_ms'][0]} / {row['query100_ms'][1]} | {broad:.3f} "
            f"| {row['women_filter_query10_ms'][0]} / {row['women_filter_query10_ms'][1]} "
            f"| {rare:.3f} | {row['rare_filter_query10_ms'][0]} / {row['rare_filter_query10_ms'][1]} |")
    r = results["recommend"]
    base = r["baseline_bare_query_pool_ms"][0]
    lines += ["", "| operation (in process, 5 results) | p50 ms | p95 ms | p50 vs baseline |",
              "|---|---:|---:|---:|",
              f"| baseline: bare Chroma query, same shopper vector, 100 neighbours "
              f"| {base} | {r['baseline_bare_query_pool_ms'][1]} | 1.00× |"]
    for label, key in (("`recommend()` above exact_max (ANN), all contexts", "recommend_ms"),
                       ("`recommend()` above exact_max, contexts with filters",
                        "recommend_filtered_ms"),
                       ("`recommend()` exact from memory (the code below exact_max)",
                        "exact_recommend_ms")):
        p50, p95 = r[key]
        lines.append(f"| {label} | {p50} | {p95} | {p50 / base:.2f}× |")
    return lines


def main(argv: list[str] | None = None) -> int:
    import torch

    from aisle.settings import load_settings
    from recommender.factory import weights_fingerprint
    from recommender.index import ItemTowerEmbedder
    from recommender.io import load_model

    parser = argparse.ArgumentParser(prog="python -m scripts.bench_recommender_scale",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--encoded", type=int, default=2_000)
    parser.add_argument("--contexts", type=int, default=300)
    parser.add_argument("--queries", type=int, default=200, help="recall sample size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-settings", action="store_true", help="shipped setting only")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="torch intra-op threads (0: torch's default). On 2 shared cores the "
                             "shopper tower took 177 ms a call with 2 threads, 24 ms with 1")
    args = parser.parse_args(argv)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    settings = load_settings()
    folder = settings.recommender_model
    embedder = ItemTowerEmbedder(load_model(folder), weights_fingerprint(folder))
    started = time.perf_counter()
    products = synthetic_products(args.items, args.seed, settings.data_dir)
    print(f"{len(products):,} synthetic products in {time.perf_counter() - started:.0f} s",
          flush=True)
    started = time.perf_counter()
    vectors = item_vectors(products, min(args.encoded, len(products)), embedder, args.seed)
    print(f"vectors in {time.perf_counter() - started:.0f} s", flush=True)
    results: dict[str, Any] = {"items": len(products), "encoded": args.encoded,
                               "load_average_at_start": os.getloadavg(),
                               "torch_threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as tmp:
        client = None
        if not args.skip_settings:
            results["settings"], client = bench_settings(products, vectors, embedder, Path(tmp),
                                                         args.queries, args.seed)
        holder = [vectors]
        del vectors
        results["recommend"] = bench_recommend(products, holder, embedder, Path(tmp),
                                               args.contexts, args.seed, client)
    results["load_average_at_end"] = os.getloadavg()  # 1, 5, 15 min: was the machine quiet?
    print(json.dumps(results["recommend"], indent=1))
    print("\n".join(markdown(results)))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
