"""The recommender's item index: item-tower vectors in a Chroma collection beside search's.

The collection ``recommender_items`` holds one vector per product from the trained item tower,
with the same filterable metadata as the ``products`` collection (so the same ``where`` clauses
work), and records which model built it; syncing embeds only products whose text changed, so a
product is recommendable as soon as it is ingested.
"""

from __future__ import annotations

from collections.abc import Sequence
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


class ItemIndex:
    """Item vectors stored in Chroma, ranked exactly from an in-memory copy.

    Chroma is where the vectors live (synced incrementally, tagged with the model that made them,
    shared with search). For ranking, the service loads them once into a ``(items, dim)`` matrix:
    an exact dot product over a few thousand items takes well under a millisecond, faster and
    more predictable than an approximate-neighbour round trip with metadata filters.
    """

    def __init__(self, client: Any, embedder: ItemTowerEmbedder | Embedder,
                 rebuild_on_model_change: bool = True) -> None:
        self.embedder = embedder
        try:
            self.collection = open_collection(client, ITEMS, embedder)
        except EmbeddingModelMismatch:
            if not rebuild_on_model_change:
                raise
            # The collection only caches item-tower vectors of the catalog: after a model
            # change it is rebuilt (by the next sync) rather than mixed with the new vectors.
            client.delete_collection(ITEMS)
            self.collection = open_collection(client, ITEMS, embedder)
        self.ids: list[str] = []
        self.row: dict[str, int] = {}
        self.matrix = np.zeros((0, embedder.dim), dtype=np.float32)

    def sync(self, products: Sequence[Product], progress: bool = False) -> CollectionReport:
        """Bring the index in line with ``products`` (embeds only new or changed ones)."""
        docs = {p.id: (item_text(p), product_metadata(p)) for p in products}
        report = sync_collection(self.collection, docs, self.embedder, progress)
        self.reload()
        return report

    def reload(self) -> None:
        """Re-read every stored vector into the in-memory matrix."""
        stored = self.collection.get(include=["embeddings"])
        embeddings = stored["embeddings"]
        self.ids = list(stored["ids"])
        self.row = {pid: i for i, pid in enumerate(self.ids)}
        self.matrix = (np.asarray(embeddings, dtype=np.float32) if len(self.ids)
                       else np.zeros((0, self.embedder.dim), dtype=np.float32))

    def vector(self, product_id: str) -> np.ndarray | None:
        """The stored item vector ``(dim,)`` of a product, if indexed."""
        row = self.row.get(product_id)
        return None if row is None else self.matrix[row]

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Cosine of ``vector`` ``(dim,)`` with every item → ``(items,)``, in ``self.ids`` order."""
        return self.matrix @ np.asarray(vector, dtype=np.float32)
