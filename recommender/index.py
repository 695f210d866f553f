"""The recommender's item index: item-tower vectors in a Chroma collection beside search's.

Up to ``exact_max`` items they are also held in memory and ranked exactly; above it only
Chroma's HNSW index is asked (:class:`ItemIndex`).

The collection ``recommender_items`` holds one vector per product from the trained item tower,
with the same filterable metadata as the ``products`` collection (so the same ``where`` clauses
work), and records which model built it; syncing embeds only products whose text changed, so a
product is recommendable as soon as it is ingested. The ingest (``recommender.ingest``) records
the catalog version it synced (``catalog_version`` in the collection's metadata), so that a
server can tell at start, without reading the catalog, whether the index is current.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from catalog.domain import Product
from knowledge.embedding import Embedder
from knowledge.passages import product_metadata
from knowledge.store import (
    CollectionReport,
    EmbeddingModelMismatch,
    open_collection,
    sync_collection,
)
from recommender.encoding import autocast, encode_texts, tokenise
from recommender.io import LoadedModel

ITEMS = "recommender_items"
VERSION_KEY = "catalog_version"


def item_tower_name(fingerprint: str) -> str:
    """The model name an index records for the item tower whose weights hash to ``fingerprint``."""
    return f"aisle-two-tower:{fingerprint[:16]}"


def item_text(product: Product) -> str:
    """The item tower's input for a catalog product, in the training format.

    ``<title>. <category path>. <brand or key attributes>. <description>`` — the layout of the
    Amazon ``NAME.text`` files the model was trained on (see ``ModelConfig.item_input_format``).
    """
    category = " ".join(product.category.replace("/", " ").split())
    detail = product.brand or ", ".join(
        [*product.materials[:2], *product.activities[:2], *(([product.gender]) if product.gender
                                                             else [])])
    description = " ".join(product.description.split())
    return ". ".join(part for part in (product.name, category, detail, description) if part)


class ItemTowerEmbedder:
    """The trained towers behind the small ``Embedder`` interface the store understands."""

    def __init__(self, loaded: LoadedModel, fingerprint: str) -> None:
        self.loaded = loaded
        self.model_name = item_tower_name(fingerprint)
        self.dim = loaded.model.config.dim
        self._query = lru_cache(maxsize=512)(self._encode_query)

    @property
    def device(self) -> torch.device:
        return next(self.loaded.model.parameters()).device

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Item tower: ``len(texts)`` texts → ``(len(texts), dim)`` float32 unit vectors."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tokens = tokenise(self.loaded.tokenizer, texts, self.loaded.model.config.max_item_tokens)
        return encode_texts(self.loaded.model, tokens, self.device, progress=progress).cpu().numpy()

    def embed_query(self, text: str) -> np.ndarray:
        """What the shopper asks for now, through the shared text encoder → ``(dim,)``."""
        return self._query(" ".join(text.split()).lower())

    @torch.no_grad()
    def _encode_query(self, text: str) -> np.ndarray:
        encoded = self.loaded.tokenizer([text], truncation=True, return_tensors="pt",
                                        max_length=self.loaded.model.config.max_item_tokens)
        with autocast(self.device):
            vector = self.loaded.model.encode_text(encoded["input_ids"].to(self.device),
                                                   encoded["attention_mask"].to(self.device))
        return vector[0].float().cpu().numpy()


EXACT_MAX = 20_000
"""Default size up to which the index ranks exactly from memory (``AISLE_RECOMMENDER_EXACT_MAX``)."""

ITEM_HNSW: dict[str, Any] = {
    # Why these values: docs/benchmarks.md, "Recommendations at scale" (recall@10 against exact
    # search at 100k vectors for two graphs at several ef_search, scripts/bench_recommender_scale).
    "space": "cosine",  # the towers emit unit vectors; the service reads 1 - distance as cosine
    "max_neighbors": 32,  # M: 16 (Chroma's default) lost recall on clustered catalog vectors
    "ef_construction": 200,
    "ef_search": 256,  # >= the candidate pool the service asks for (POOL in recommender.service)
}


class ItemIndex:
    """Item vectors stored in Chroma; ranked exactly from memory up to ``exact_max`` items.

    Chroma is where the vectors live (synced incrementally, tagged with the model that made them,
    shared with search). Up to ``exact_max`` items the service loads them once into an
    ``(items, dim)`` matrix: an exact dot product over a few thousand items takes well under a
    millisecond, faster and more predictable than an approximate-neighbour round trip. Above it
    (:attr:`exact` is False) nothing proportional to the catalog is held: candidates come from
    Chroma's HNSW index (:meth:`nearest`, with the filters' ``where``), and the few vectors a
    request needs besides (history, links) are read by id (:meth:`vectors`).
    """

    def __init__(self, client: Any, embedder: ItemTowerEmbedder | Embedder,
                 rebuild_on_model_change: bool = True, exact_max: int = EXACT_MAX) -> None:
        if exact_max < 0:
            raise ValueError("exact_max must be >= 0")
        self.embedder = embedder
        self.exact_max = exact_max
        try:
            self.collection = open_collection(client, ITEMS, embedder, hnsw=ITEM_HNSW)
        except EmbeddingModelMismatch:
            if not rebuild_on_model_change:
                raise
            # The collection only caches item-tower vectors of the catalog: after a model
            # change it is rebuilt (by the next sync) rather than mixed with the new vectors.
            client.delete_collection(ITEMS)
            self.collection = open_collection(client, ITEMS, embedder, hnsw=ITEM_HNSW)
        self.ids: list[str] = []
        self.row: dict[str, int] = {}
        self.matrix = np.zeros((0, embedder.dim), dtype=np.float32)
        self.exact = True
        self._count = 0

    def sync(self, products: Sequence[Product] | Callable[[], Iterable[Product]],
             progress: bool = False, *, version: str | None = None) -> CollectionReport:
        """Bring the index in line with ``products`` (embeds only new or changed ones).

        ``products``: the catalog's products, or a function returning a fresh iterable of them
        each time it is called (twice: streamed, memory flat in N). ``version``: the catalog
        version they are (``SqlCatalog.fingerprint()``), recorded once the sync is complete.
        """
        def stream() -> Iterable[tuple[str, str, dict[str, Any]]]:
            for p in (products() if callable(products) else products):
                yield p.id, item_text(p), product_metadata(p)

        report = sync_collection(self.collection, None, self.embedder, progress, stream=stream)
        if version is not None:
            self._record_version(version)
        self.reload()
        return report

    @property
    def catalog_version(self) -> str | None:
        """The catalog version the last complete sync recorded (``None``: never recorded)."""
        found = (self.collection.metadata or {}).get(VERSION_KEY)
        return str(found) if found is not None else None

    def _record_version(self, version: str) -> None:
        metadata = dict(self.collection.metadata or {})
        if metadata.get(VERSION_KEY) != version:
            metadata[VERSION_KEY] = version
            self.collection.modify(metadata=metadata)

    def reload(self) -> None:
        """Re-read the stored vectors into memory, or, above ``exact_max`` items, only count them."""
        self._count = self.collection.count()
        self.exact = self._count <= self.exact_max
        if not self.exact:
            self.ids, self.row = [], {}
            self.matrix = np.zeros((0, self.embedder.dim), dtype=np.float32)
            return
        stored = self.collection.get(include=["embeddings"])
        embeddings = stored["embeddings"]
        self.ids = list(stored["ids"])
        self.row = {pid: i for i, pid in enumerate(self.ids)}
        self.matrix = (np.asarray(embeddings, dtype=np.float32) if len(self.ids)
                       else np.zeros((0, self.embedder.dim), dtype=np.float32))

    def vector(self, product_id: str) -> np.ndarray | None:
        """The stored item vector ``(dim,)`` of a product, if indexed."""
        if self.exact:
            row = self.row.get(product_id)
            return None if row is None else self.matrix[row]
        return self.vectors([product_id]).get(product_id)

    def vectors(self, product_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors ``(dim,)`` of those of ``product_ids`` that are indexed."""
        wanted = list(dict.fromkeys(product_ids))
        if self.exact:
            return {pid: self.matrix[self.row[pid]] for pid in wanted if pid in self.row}
        if not wanted:
            return {}
        stored = self.collection.get(ids=wanted, include=["embeddings"])
        return {pid: np.asarray(v, dtype=np.float32)
                for pid, v in zip(stored["ids"], stored["embeddings"], strict=True)}

    def __len__(self) -> int:
        return len(self.ids) if self.exact else self._count

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of ``vector`` ``(dim,)`` with every item → ``(items,)``, in ``self.ids`` order.

        Exact mode only: above ``exact_max`` items use :meth:`nearest`.
        """
        if not self.exact:
            raise RuntimeError("the item index is above exact_max: rank with nearest()")
        return self.matrix @ np.asarray(vector, dtype=np.float32)

    def nearest(self, vector: np.ndarray, n: int,
                where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """``(id, cosine)`` of the ``n`` items nearest to ``vector`` ``(dim,)`` among those
        matching ``where``, best first, from Chroma's HNSW index (approximate). Vectors are not
        returned: decoding a hundred of them costs more than the search (ask :meth:`vectors`)."""
        if n <= 0:
            raise ValueError("n must be positive")
        n = min(n, self._count)
        if n == 0:
            return []
        found = self.collection.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                      n_results=n, where=where or None,
                                      include=["distances"])
        return [(pid, 1.0 - float(d))
                for pid, d in zip(found["ids"][0], found["distances"][0], strict=True)]
