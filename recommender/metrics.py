"""Ranking and calibration metrics for leave-one-out evaluation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import torch

CUTOFFS = (10, 20)


def target_ranks(scores: torch.Tensor, targets: torch.Tensor,
                 histories: Sequence[Sequence[int]], exclude_history: bool = True) -> torch.Tensor:
    """0-based rank of each target among all items.

    Two protocols: with ``exclude_history`` (ours) the shopper's history items other than the
    target are no candidates; without it (RecBole's full sort for sequential models, the one the
    published results on the UniSRec splits use) every item is a candidate, history included.

    Args:
        scores: ``(batch, items)`` higher is better (modified in place when excluding).
        targets: ``(batch,)`` item index of each shopper's next item.
        histories: the items each shopper already interacted with.
        exclude_history: drop the history items from the candidates.

    Returns:
        ``(batch,)`` long ranks; ties count against the target (pessimistic).
    """
    rows = [row for row, items in enumerate(histories) for _ in items]
    cols = [item for items in histories for item in items]
    target_scores = scores.gather(1, targets[:, None])  # (batch, 1)
    if rows and exclude_history:
        scores[torch.tensor(rows), torch.tensor(cols)] = float("-inf")
    better = (scores > target_scores).sum(1)
    ties = (scores == target_scores).sum(1) - 1
    return better + ties.clamp(min=0)


def ranking_metrics(ranks: torch.Tensor | np.ndarray) -> dict[str, float]:
    """Recall@K, NDCG@K (K in CUTOFFS) and MRR from 0-based target ranks."""
    r = np.asarray(ranks.cpu() if isinstance(ranks, torch.Tensor) else ranks, dtype=np.float64)
    out: dict[str, float] = {}
    for k in CUTOFFS:
        hit = r < k
        out[f"recall@{k}"] = float(hit.mean())
        out[f"ndcg@{k}"] = float(np.where(hit, 1.0 / np.log2(r + 2.0), 0.0).mean())
    out["mrr"] = float((1.0 / (r + 1.0)).mean())
    out["users"] = int(r.size)
    return out


def roc_auc(labels: np.ndarray, probs: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney), ties averaged."""
    labels = np.asarray(labels).astype(bool)
    probs = np.asarray(probs, dtype=np.float64)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    if positives == 0 or negatives == 0:
        return math.nan
    order = np.argsort(probs, kind="mergesort")
    ranks = np.empty_like(probs)
    sorted_probs = probs[order]
    i = 0
    while i < len(sorted_probs):
        j = i
        while j + 1 < len(sorted_probs) and sorted_probs[j + 1] == sorted_probs[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def expected_calibration_error(labels: np.ndarray, probs: np.ndarray, bins: int = 15) -> float:
    """ECE with equal-width probability bins: Σ_bins (n_b / n) · |mean(label) − mean(prob)|."""
    labels = np.asarray(labels, dtype=np.float64)
    probs = np.asarray(probs, dtype=np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(probs, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            total += in_bin.mean() * abs(labels[in_bin].mean() - probs[in_bin].mean())
    return float(total)


def graded_metrics(ranked: Sequence[str], gains: Mapping[str, int],
                   cutoffs: Sequence[int] = (5, 10)) -> dict[str, float]:
    """Recall@K and NDCG@K of one ranked list against judged graded gains (several relevant).

    Recall@K = |top-K ∩ relevant| / min(K, |relevant|) (capped: a perfect top K scores 1);
    NDCG@K = DCG@K / ideal DCG@K with DCG@K = Σ_{i<K} (2^gain_i − 1) / log2(i + 2).
    ``relevant`` is the items with a gain above 0; with none, every metric is 0.
    """
    relevant = {item for item, gain in gains.items() if gain > 0}
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)
    out: dict[str, float] = {}
    for k in cutoffs:
        top = list(ranked[:k])
        hits = sum(1 for item in top if item in relevant)
        dcg = sum((2.0 ** gains.get(item, 0) - 1.0) / math.log2(i + 2) for i, item in enumerate(top))
        idcg = sum((2.0 ** g - 1.0) / math.log2(i + 2) for i, g in enumerate(ideal[:k]))
        out[f"recall@{k}"] = hits / min(k, len(relevant)) if relevant else 0.0
        out[f"ndcg@{k}"] = dcg / idcg if idcg else 0.0
    return out
