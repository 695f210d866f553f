"""Baselines measured in the same harness: popularity and item-to-item co-occurrence (item-kNN).

The third baseline, zero-shot MiniLM, is the untrained two-tower model itself (its shopper tower
starts as the recency-weighted mean of history item embeddings); see ``recommender.evaluate``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from recommender.data import Example, InteractionDataset
from recommender.scoring import ScoreFn


def popularity_scorer(dataset: InteractionDataset) -> ScoreFn:
    """Every shopper gets the items ranked by how often they occur in the train split."""
    counts = torch.tensor(dataset.item_counts("train"), dtype=torch.float32)

    def score(chunk: Sequence[Example]) -> torch.Tensor:
        return counts[None, :].expand(len(chunk), -1).clone()

    return score


def training_sequences(dataset: InteractionDataset) -> list[list[int]]:
    """Each train user's full sequence: their longest train history plus its target."""
    longest: dict[str, Example] = {}
    for example in dataset.splits["train"]:
        kept = longest.get(example.user)
        if kept is None or len(example.history) >= len(kept.history):
            longest[example.user] = example
    return [[*e.history, e.target] for e in longest.values()]


def cooccurrence_similarity(sequences: Sequence[Sequence[int]], num_items: int,
                            window: int | None = None) -> np.ndarray:
    """Cosine-normalised co-occurrence ``(items, items)`` of items in the same sequence.

    Args:
        sequences: item indices per shopper.
        num_items: catalog size.
        window: count only pairs at most this far apart in the sequence (None: whole sequence).
    """
    co = np.zeros((num_items, num_items), dtype=np.float32)
    for seq in sequences:
        items = list(dict.fromkeys(seq))
        for i, a in enumerate(items):
            partners = items[i + 1:] if window is None else items[i + 1:i + 1 + window]
            for b in partners:
                co[a, b] += 1.0
                co[b, a] += 1.0
    counts = np.zeros(num_items, dtype=np.float32)
    for seq in sequences:
        for item in set(seq):
            counts[item] += 1.0
    norm = np.sqrt(np.maximum(counts, 1.0))
    return co / norm[:, None] / norm[None, :]


def item_knn_scorer(dataset: InteractionDataset, recency_decay: float = 0.7) -> ScoreFn:
    """Sum of co-occurrence similarities to the history items, recent items weighted more."""
    similarity = torch.from_numpy(
        cooccurrence_similarity(training_sequences(dataset), dataset.num_items)
    )
    counts = torch.tensor(dataset.item_counts("train"), dtype=torch.float32)
    tie_break = 1e-6 * counts / counts.max().clamp(min=1.0)

    def score(chunk: Sequence[Example]) -> torch.Tensor:
        out = torch.zeros(len(chunk), dataset.num_items)
        for row, example in enumerate(chunk):
            history = list(example.history)
            weights = torch.tensor(
                [recency_decay ** (len(history) - 1 - i) for i in range(len(history))]
            )
            if history:
                out[row] = weights @ similarity[history]
        return out + tie_break

    return score
