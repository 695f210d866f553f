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

HISTORY_PROTOCOLS = ("excluded", "kept")
"""Whether the shopper's history items are candidates: ``excluded`` (ours, what serving does)
or ``kept`` (RecBole's full sort for sequential models; the published results on this split)."""

PROTOCOL_TEXT = {
    "excluded": "leave-one-out, full ranking over all items, the shopper's history excluded",
    "kept": "leave-one-out, full ranking over all items, the shopper's history kept as "
            "candidates (RecBole full sort)",
}


def rank_examples_by_protocol(score: ScoreFn, examples: Sequence[Example],
                              protocols: Sequence[str] = HISTORY_PROTOCOLS,
                              batch_size: int = 512, progress: bool = False,
                              desc: str = "ranking") -> dict[str, torch.Tensor]:
    """0-based rank of each target over all items under each protocol (one scoring pass).

    Returns:
        ``{protocol: (examples,) long ranks}`` for each of ``protocols`` (see HISTORY_PROTOCOLS).
    """
    unknown = [p for p in protocols if p not in HISTORY_PROTOCOLS]
    if unknown or not protocols:
        raise ValueError(f"history protocols must be among {HISTORY_PROTOCOLS}, got {protocols}")
    ranks: dict[str, list[torch.Tensor]] = {p: [] for p in protocols}
    for start in tqdm(range(0, len(examples), batch_size), desc=desc, disable=not progress,
                      unit="batch"):
        chunk = examples[start:start + batch_size]
        scores = score(chunk).float()
        targets = torch.tensor([e.target for e in chunk], device=scores.device)
        histories = [e.history for e in chunk]
        for protocol in protocols:
            ranks[protocol].append(target_ranks(scores.clone(), targets, histories,
                                                exclude_history=protocol == "excluded").cpu())
    return {p: torch.cat(r) if r else torch.zeros(0, dtype=torch.long) for p, r in ranks.items()}


def rank_examples(score: ScoreFn, examples: Sequence[Example], batch_size: int = 512,
                  progress: bool = False, desc: str = "ranking",
                  history: str = "excluded") -> torch.Tensor:
    """0-based rank of each example's target over all items under one protocol → ``(examples,)``."""
    return rank_examples_by_protocol(score, examples, (history,), batch_size, progress,
                                     desc)[history]


def model_scorer(model: TwoTowerRecommender, item_vectors: torch.Tensor) -> ScoreFn:
    """Dot product of the shopper tower (over ``item_vectors``) with every item vector."""

    @torch.no_grad()
    def score(chunk: Sequence[Example]) -> torch.Tensor:
        shoppers = shopper_vectors(model, item_vectors, [e.history for e in chunk])
        return shoppers @ item_vectors.T

    return score
