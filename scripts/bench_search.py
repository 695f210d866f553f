"""Product search latency, start-up and memory, for the before/after of "search without scanning".

    python -m scripts.bench_search --store luma|scientific [--repeats 20]
    python -m scripts.bench_search --scale 50000 [--repeats 5]

Uses only the public API that the code before and after the change share (``SqlCatalog``,
``ProductSearch``, ``write_catalog``), so the same file measures both: run it once with
``PYTHONPATH`` on a checkout of the old code and once on the new.

* ``--store``: the real catalog in ``state/`` with its Chroma store and the real MiniLM. Query
  vectors are computed once before timing (a cache in front of the embedder), so the figures
  are the search's own work: filters, keyword ranking, the Chroma query, loading the hits.
* ``--scale N``: a synthetic catalog of N products (the Luma and Scientific products copied
  under new ids, clearly not a catalog anyone sells; for latency only, never for relevance),
  written to a temp SQLite file through the load step. The dense side is switched off (a
  vector store with no products), so the figures are filters plus keyword ranking alone.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aisle.settings import load_settings
from catalog.filters import ProductFilters

#: (query, filters) per store; "low" selectivity keeps most products, "high" a handful.
QUERIES: dict[str, dict[str, list[tuple[str, ProductFilters]]]] = {
    "luma": {
        "low": [("jacket", ProductFilters()), ("something warm for hiking", ProductFilters()),
                ("a gym bag", ProductFilters()), ("yoga pants", ProductFilters()),
                ("", ProductFilters())],
        "high": [("jacket", ProductFilters(gender="women", price_max=80, color="blue",
                                           size="M")),
                 ("hoodie", ProductFilters(gender="men", color="black", price_max=60)),
                 ("tee", ProductFilters(gender="women", eco_friendly=True, size="S")),
                 ("pants", ProductFilters(price_min=40, price_max=60, product_type="pants")),
                 ("jacket", ProductFilters(color="purple", gender="men"))],  # empty: relaxations
    },
    "scientific": {
        "low": [("nitrile gloves", ProductFilters()), ("neodymium magnets", ProductFilters()),
                ("3d printer filament", ProductFilters()), ("safety glasses", ProductFilters()),
                ("", ProductFilters())],
        "high": [("gloves", ProductFilters(product_type="gloves")),
                 ("filament", ProductFilters(product_type="filament", color="black")),
                 ("magnet", ProductFilters(product_type="magnets", price_max=10)),
                 ("beaker", ProductFilters(product_type="beakers")),
                 ("smartphone", ProductFilters(product_type="smartphones"))],  # absent
    },
}


class CachedEmbedder:
    """The real embedder with a cache, so timed searches do not include encoding the query."""

    def __init__(self, embedder: Any) -> None:
        self._embedder = embedder
        self.model_name, self.dim = embedder.model_name, embedder.dim
        self._cache: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        missing = [t for t in texts if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self._embedder.embed(missing), strict=True):
                self._cache[text] = vector
        return np.stack([self._cache[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


class NoVectors:
    """A vector store with no products: the dense side finds nothing (``--scale`` runs)."""

    def query_products(self, vector: np.ndarray, n: int,
                       where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        return []


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def measure(search: Any, queries: dict[str, list[tuple[str, ProductFilters]]],
            repeats: int) -> dict[str, tuple[float, float]]:
    """p50/p95 in ms per selectivity, after one untimed warm-up pass."""
    for cases in queries.values():
        for query, filters in cases:
            search.search(query, filters, k=5)
    out = {}
    for name, cases in queries.items():
        times = []
        for _ in range(repeats):
            for query, filters in cases:
                started = time.perf_counter()
                search.search(query, filters, k=5)
                times.append((time.perf_counter() - started) * 1000)
        out[name] = (statistics.median(times), percentile(times, 95))
    return out


def synthetic_catalog(n: int, url: str) -> None:
    """Write ``n`` products copied from the Luma and Scientific catalogs under new ids."""
    from sqlalchemy import create_engine

    from catalog.importers.base import ParsedCatalog
    from catalog.importers.load import parse_store, write_catalog

    settings = load_settings()
    sources = [*parse_store("luma", settings.data_dir).products,
               *parse_store("scientific", settings.data_dir).products]
    products = []
    for i in range(n):
        p = sources[i % len(sources)]
        copy = f"{p.id}-S{i // len(sources)}"
        variants = tuple(dataclasses.replace(v, sku=f"{v.sku}-S{i}", product_id=copy)
                         for v in p.variants)
        products.append(dataclasses.replace(p, id=copy, variants=variants))
    write_catalog(ParsedCatalog(store="synthetic", products=products), create_engine(url))


def compare_keyword(store: str) -> None:
    """Agreement of the full-text engine with the in-memory BM25 it replaced, over queries made
    of each product's name and of each category word (top-1 and overlap of the top 10)."""
    from catalog.search_index import Criteria, in_memory_index
    from knowledge.keyword import BM25Index
    from knowledge.passages import product_document

    settings = load_settings()
    from catalog.importers.load import parse_store

    products = parse_store(store, settings.data_dir).products
    old = BM25Index([p.id for p in products],
                    [f"{p.name}\n{product_document(p)}" for p in products])
    new = in_memory_index(products)
    words = sorted({w for p in products for w in p.category.split("/") if w})
    queries = [p.name for p in products] + words
    top1 = overlap = 0
    for query in queries:
        before = [pid for pid, _ in old.search(query, k=10)]
        after = [pid for pid, _ in new.keyword(query, Criteria(), 10)]
        top1 += before[:1] == after[:1]
        overlap += len(set(before) & set(after)) / max(1, len(set(before) | set(after)))
    print(f"{store}: {len(queries)} queries; same first hit {top1 / len(queries):.1%}, "
          f"top-10 Jaccard overlap {overlap / len(queries):.2f}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_search")
    parser.add_argument("--store", choices=sorted(QUERIES), default="luma")
    parser.add_argument("--scale", type=int, default=0, help="synthetic catalog of N products")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--compare-keyword", action="store_true",
                        help="only compare full-text ranking with the old in-memory BM25")
    args = parser.parse_args(argv)
    if args.compare_keyword:
        compare_keyword(args.store)
        return
    from catalog.repository import SqlCatalog
    from knowledge.embedding import load_embedder
    from knowledge.search import ProductSearch

    settings = load_settings().model_copy(update={"store": args.store})
    before = rss_mb()
    embedder = CachedEmbedder(load_embedder(settings.embedding_model))
    store: Any
    if args.scale:
        folder = Path(tempfile.mkdtemp(prefix="bench-search-"))
        url = f"sqlite:///{folder / 'catalog.sqlite'}"
        started = time.perf_counter()
        synthetic_catalog(args.scale, url)
        print(f"write {args.scale} synthetic products: {time.perf_counter() - started:.1f} s, "
              f"file {os.path.getsize(folder / 'catalog.sqlite') / 2**20:.0f} MiB")
        catalog, store = SqlCatalog(url, "synthetic"), NoVectors()
        queries = {**QUERIES["luma"],
                   **{f"sci-{k}": v for k, v in QUERIES["scientific"].items()}}
    else:
        from knowledge.store import KnowledgeStore

        catalog = SqlCatalog(settings.catalog_url, args.store)
        store = KnowledgeStore.from_settings(settings, embedder)
        queries = QUERIES[args.store]
    loaded = rss_mb()
    started = time.perf_counter()
    search = ProductSearch(catalog, store, embedder)
    ready = time.perf_counter() - started
    print(f"ProductSearch ready in {ready:.2f} s; RSS {rss_mb():.0f} MB "
          f"(+{rss_mb() - loaded:.0f} MB for search; {before:.0f} MB at start)")
    for name, (p50, p95) in measure(search, queries, args.repeats).items():
        print(f"search, {name} selectivity: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"RSS after searching {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
