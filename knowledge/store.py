"""The knowledge store: two Chroma collections, ``products`` and ``passages``.

``products`` holds one document per parent product (name, category, description, key
attributes) with filterable metadata; ``passages`` holds the citable passages of
:mod:`knowledge.passages`. Vectors always come from our :class:`Embedder` (never Chroma's
downloading default), and each collection records the model that built it.

Filter metadata is encoded by :func:`knowledge.passages.product_metadata`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from catalog.domain import CatalogReader, Product
from knowledge.embedding import Embedder
from knowledge.passages import (
    passage_metadata,
    policy_passages,
    product_document,
    product_metadata,
    product_passages,
)
from knowledge.sync import CHUNK, CollectionReport, Doc, sync_collection

__all__ = ["CollectionReport", "sync_collection"]  # re-exported: recommender.index uses them

PRODUCTS = "products"
PASSAGES = "passages"
HNSW: dict[str, dict[str, Any]] = {
    # Products (search's dense side, asked unfiltered or under broad filters): at 100k vectors
    # Chroma's default graph (M = 16, ef_construction = 100) had recall@10 0.43-0.53 at
    # ef_search 100-200, M = 32 / 200 had 0.91 at ef_search 256, for about 1 ms more a query
    # and twice the insert time (docs/benchmarks.md, "Recommendations at scale").
    PRODUCTS: {"space": "cosine", "max_neighbors": 32, "ef_construction": 200, "ef_search": 256},
    # Passages (about 3.4 per product) are searched by vector only under where source=policy, a
    # tiny share, where the graph hardly matters (even an M = 4 graph found 0.93 of the exact 10
    # at 0.1 %): Chroma's default graph, stated here, keeps their insert at half the cost.
    PASSAGES: {"space": "cosine", "max_neighbors": 16, "ef_construction": 100, "ef_search": 100},
}


class KnowledgeStoreError(Exception):
    """Base class of the store's errors."""


class EmbeddingModelMismatch(KnowledgeStoreError):
    """A collection was built with another embedding model than the one asked for."""


class StoreUnavailable(KnowledgeStoreError):
    """The Chroma store cannot be opened or reached."""


def persistent_client(path: Path) -> Any:
    """An embedded Chroma client storing its files under ``path``; this process counts as one
    of the store's users until it exits (:mod:`aisle.store_lock`)."""
    import chromadb

    from aisle.store_lock import StoreInUse, share

    path.mkdir(parents=True, exist_ok=True)
    try:
        share(path)
    except StoreInUse as error:
        raise StoreUnavailable(str(error)) from error
    return chromadb.PersistentClient(path=str(path))


def http_client(url: str) -> Any:
    """A client of the Chroma server at ``url`` (``http://host:port``)."""
    import chromadb

    parsed = urlparse(url)
    if not parsed.hostname:
        raise StoreUnavailable(f"not a Chroma URL: {url!r} (expected http://host:port)")
    return chromadb.HttpClient(host=parsed.hostname, port=parsed.port or 8000,
                               ssl=parsed.scheme == "https")


@dataclass
class IngestReport:
    """What :meth:`KnowledgeStore.ingest` did, per collection."""

    products: CollectionReport = field(default_factory=CollectionReport)
    passages: CollectionReport = field(default_factory=CollectionReport)
    seconds: float = 0.0

    @property
    def embedded(self) -> int:
        return self.products.embedded + self.passages.embedded

    def lines(self) -> list[str]:
        rate = f", {self.embedded / self.seconds:.0f} embedded/s" if self.embedded else ""
        return [self.products.line(PRODUCTS), self.passages.line(PASSAGES),
                f"took {self.seconds:.1f}s{rate}"]


@dataclass(frozen=True)
class StoredPassage:
    """A passage read back from the store, with its vector (shape ``(dim,)``)."""

    id: str
    text: str
    source: str
    product_id: str | None
    title: str
    vector: np.ndarray


def open_collection(client: Any, name: str, embedder: Embedder,
                    hnsw: dict[str, Any] | None = None, *, reembed: bool = False) -> Any:
    """Open (or create) collection ``name``, refusing one built with another embedding model.

    ``hnsw`` is Chroma's HNSW configuration for a new collection (``space``,
    ``ef_construction``, ``max_neighbors`` = M, ``ef_search``); default cosine with Chroma's
    other defaults. An existing collection keeps the graph it was built with.

    ``reembed`` (ingest): open a collection of another model of the same dimension anyway; the
    sync then re-embeds its records (:mod:`knowledge.sync`) and renames its model at the end.
    """
    wanted = {"embedding_model": embedder.model_name, "embedding_dim": int(embedder.dim)}
    try:
        collection = client.get_or_create_collection(
            name, embedding_function=None, metadata=wanted,
            configuration={"hnsw": dict(hnsw or {"space": "cosine"})},
        )
    except Exception as exc:  # chromadb raises many unrelated types for this
        raise StoreUnavailable(f"cannot open Chroma collection {name!r}: {exc}") from exc
    # get_or_create ignores metadata for an existing collection: check what it holds.
    found = dict(collection.metadata or {})
    got = (found.get("embedding_model"), found.get("embedding_dim"))
    if got != (wanted["embedding_model"], wanted["embedding_dim"]) and not (
            reembed and got[1] == wanted["embedding_dim"]):
        raise EmbeddingModelMismatch(
            f"Chroma collection {name!r} was built with embedding model {got[0]!r} "
            f"(dim {got[1]}), but {wanted['embedding_model']!r} (dim {wanted['embedding_dim']})"
            " was asked for. Rebuild it with the new model: delete the store folder "
            "(or the collection on the Chroma server) and run `python -m knowledge.ingest`."
        )
    _apply_ef_search(collection, hnsw)
    return collection


def _apply_ef_search(collection: Any, hnsw: dict[str, Any] | None) -> None:
    """``ef_search`` is a query-time setting: bring a collection built earlier up to it too.

    Chroma reads it when a process first loads the collection's index, so this runs on open,
    before any query (a change made after a query shows only in the next process).
    """
    wanted = (hnsw or {}).get("ef_search")
    current = ((collection.configuration_json or {}).get("hnsw") or {}).get("ef_search")
    if wanted is not None and current is not None and current != wanted:
        collection.modify(configuration={"hnsw": {"ef_search": int(wanted)}})


class KnowledgeStore:
    """Our one gateway to Chroma. Build it with :meth:`open` or :meth:`from_settings`."""

    def __init__(self, client: Any, embedder: Embedder, *, reembed: bool = False) -> None:
        """``reembed``: accept collections of another model and re-embed them on ingest
        (:func:`open_collection`); searching processes leave it off and are refused."""
        self.embedder = embedder
        self._client = client
        self._reembed = reembed
        self.products = self._collection(PRODUCTS)
        self.passages = self._collection(PASSAGES)

    @classmethod
    def open(cls, embedder: Embedder, *, path: Path | None = None,
             url: str | None = None, reembed: bool = False) -> KnowledgeStore:
        """Open the server at ``url`` when given, else the embedded store at ``path``."""
        if url:
            return cls(http_client(url), embedder, reembed=reembed)
        if path is None:
            raise StoreUnavailable("give a Chroma path or URL")
        return cls(persistent_client(Path(path)), embedder, reembed=reembed)

    @classmethod
    def from_settings(cls, settings: Any, embedder: Embedder, *,
                      reembed: bool = False) -> KnowledgeStore:
        """Open the store that ``settings`` (an :class:`aisle.settings.Settings`) names."""
        return cls.open(embedder, path=settings.chroma_path, url=settings.chroma_url,
                        reembed=reembed)

    @property
    def client(self) -> Any:
        """The Chroma client (other indexes, e.g. the recommender's, live in the same store)."""
        return self._client

    def _collection(self, name: str) -> Any:
        return open_collection(self._client, name, self.embedder, HNSW[name],
                               reembed=self._reembed)

    def ingest(self, catalog: CatalogReader, progress: bool = True, *,
               chunk: int = CHUNK) -> IngestReport:
        """Bring both collections in line with ``catalog``, embedding only what changed.

        The catalog is streamed (a product at a time, with its reviews), twice per collection
        (:mod:`knowledge.sync`): memory holds ids, not every passage. ``chunk`` documents are
        embedded and written per commit, so a killed ingest loses at most one chunk.
        """
        started = time.perf_counter()

        def product_docs() -> Iterator[Doc]:
            for product in _iter_products(catalog):
                yield product.id, product_document(product), product_metadata(product)

        def passage_docs() -> Iterator[Doc]:
            for product in _iter_products(catalog):
                for passage in product_passages(product, catalog.reviews(product.id)):
                    yield passage.id, passage.text, passage_metadata(passage)
            for section in catalog.policy_sections():
                for passage in policy_passages(section):
                    yield passage.id, passage.text, passage_metadata(passage)

        report = IngestReport(
            products=sync_collection(self.products, None, self.embedder, progress,
                                     stream=product_docs, chunk=chunk),
            passages=sync_collection(self.passages, None, self.embedder, progress,
                                     stream=passage_docs, chunk=chunk),
        )
        report.seconds = time.perf_counter() - started
        return report

    def query_products(self, vector: np.ndarray, n: int,
                       where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """``(product_id, cosine similarity)`` of the ``n`` nearest products, best first."""
        if n <= 0:
            raise ValueError("n must be positive")
        try:  # a Chroma server may be down: say so with our own error, callers may fall back
            n = min(n, self.products.count())
            if n == 0:
                return []
            result = self.products.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                         n_results=n, where=where or None, include=["distances"])
        except Exception as exc:  # chromadb and httpx raise many unrelated types
            raise StoreUnavailable(f"the Chroma store did not answer: {exc}") from exc
        return [(i, 1.0 - float(d))
                for i, d in zip(result["ids"][0], result["distances"][0], strict=True)]

    def query_passages(self, vector: np.ndarray, n: int,
                       where: dict[str, Any] | None = None) -> list[StoredPassage]:
        """The ``n`` passages nearest to ``vector`` (optionally filtered), best first."""
        if n <= 0:
            raise ValueError("n must be positive")
        try:
            n = min(n, self.passages.count())
            if n == 0:
                return []
            result = self.passages.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                         n_results=n, where=where or None,
                                         include=["documents", "metadatas", "embeddings"])
        except Exception as exc:  # chromadb and httpx raise many unrelated types
            raise StoreUnavailable(f"the Chroma store did not answer: {exc}") from exc
        return _passages(result["ids"][0], result["documents"][0], result["metadatas"][0],
                         result["embeddings"][0])

    def get_passages(self, where: dict[str, Any]) -> list[StoredPassage]:
        """Every passage matching ``where`` (e.g. ``{"product_id": "MH01"}``), in order."""
        result = self.passages.get(where=where, include=["documents", "metadatas", "embeddings"])
        found = _passages(result["ids"], result["documents"], result["metadatas"],
                          result["embeddings"])
        return found

    def product_passages(self, product_id: str) -> list[StoredPassage]:
        """All passages of one product, with their stored vectors."""
        if not product_id:
            raise ValueError("product_id must not be empty")
        return self.get_passages({"product_id": product_id})


def _iter_products(catalog: CatalogReader) -> Iterable[Product]:
    """The catalog's products, a batch at a time where the catalog can (``SqlCatalog``)."""
    stream = getattr(catalog, "iter_products", None)
    return stream() if callable(stream) else catalog.products()


def _passages(ids: Sequence[str], documents: Sequence[str], metadatas: Sequence[Any],
              embeddings: Any) -> list[StoredPassage]:
    vectors = np.asarray(embeddings if embeddings is not None else [], dtype=np.float32)
    passages = [
        StoredPassage(id=i, text=d, source=str(m.get("source", "")),
                      product_id=m.get("product_id"), title=str(m.get("title", "")),
                      vector=vectors[n])
        for n, (i, d, m) in enumerate(zip(ids, documents, metadatas, strict=True))
    ]
    return passages
