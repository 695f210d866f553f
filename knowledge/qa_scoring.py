"""Scoring of candidate passages for a shopper's question.

The assistant picks supporting sentences with :class:`PassageScorer`, and
``knowledge.evaluate_qa`` measures exactly this scoring on ePQA.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.embedding import Embedder


@dataclass(frozen=True)
class Candidate:
    """A passage that may answer a question.

    ``source`` is one of ``description``, ``review``, ``policy``, ``attribute`` (Aisle's own
    sources) or an ePQA source name.
    """

    text: str
    source: str


class PassageScorer:
    """Scores candidates for a question; higher is better, ``threshold`` marks "grounded"."""

    threshold: float = 0.35

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    def score(
        self,
        question: str,
        candidates: Sequence[Candidate],
        candidate_vectors: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return one score per candidate, shape ``(len(candidates),)``.

        ``candidate_vectors`` (shape ``(len(candidates), dim)``, unit norm) may be passed when
        the caller already has the embeddings (e.g. from Chroma), to avoid re-encoding.
        """
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        if candidate_vectors is None:
            candidate_vectors = self._embedder.embed([c.text for c in candidates])
        query = self._embedder.embed([question])[0]
        return candidate_vectors @ query
