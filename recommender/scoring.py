"""Full-ranking scoring of leave-one-out examples, for the model and for the baselines."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from tqdm.auto import tqdm

from recommender.data import Example
from recommender.encoding import shopper_vectors
from recommender.metrics import target_ranks
from recommender.model import TwoTowerRecommender

ScoreFn = Callable[[Sequence[Example]], torch.Tensor]
"""Scores every item for a batch of examples: → ``(batch, items)``."""


def rank_examples(score: ScoreFn, examples: Sequence[Example], batch_size: int = 512,
                  progress: bool = False, desc: str = "ranking") -> torch.Tensor:
    """0-based rank of each example's target over all items, history excluded → ``(examples,)``."""
    ranks = []
    for start in tqdm(range(0, len(examples), batch_size), desc=desc, disable=not progress,
                      unit="batch"):
        chunk = examples[start:start + batch_size]
        scores = score(chunk).float()
        targets = torch.tensor([e.target for e in chunk], device=scores.device)
        ranks.append(target_ranks(scores, targets, [e.history for e in chunk]).cpu())
    return torch.cat(ranks) if ranks else torch.zeros(0, dtype=torch.long)


def model_scorer(model: TwoTowerRecommender, item_vectors: torch.Tensor) -> ScoreFn:
    """Dot product of the shopper tower (over ``item_vectors``) with every item vector."""

    @torch.no_grad()
    def score(chunk: Sequence[Example]) -> torch.Tensor:
        shoppers = shopper_vectors(model, item_vectors, [e.history for e in chunk])
        return shoppers @ item_vectors.T

    return score
