"""One training step's computation, as a module so DistributedDataParallel can wrap it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from recommender.data import Example
from recommender.encoding import autocast, history_tensor
from recommender.loss import in_batch_softmax_loss
from recommender.model import TwoTowerRecommender


@dataclass
class ItemCache:
    """Per-item tensors kept on the training device.

    ``prefix``: ``(items, tokens, hidden)`` token states after BERT's frozen part (fixed);
    ``mask``: ``(items, tokens)``; ``vectors``: ``(items, dim)`` item embeddings, refreshed
    periodically (used, without gradient, for history items and for validation);
    ``query_vectors``: ``(items, dim)`` embeddings of each item's pseudo-request text.
    """

    prefix: torch.Tensor
    mask: torch.Tensor
    vectors: torch.Tensor
    query_vectors: torch.Tensor | None = None

    def encode(self, model: TwoTowerRecommender, index: torch.Tensor) -> torch.Tensor:
        """Item tower with gradient for ``index`` ``(n,)`` → ``(n, dim)``."""
        mask = self.mask[index]
        width = max(int(mask.sum(1).max()), 1)
        return model.text.suffix(self.prefix[index, :width], mask[:, :width])


class RetrievalObjective(nn.Module):
    """In-batch softmax loss with logQ correction for a batch of examples."""

    def __init__(self, model: TwoTowerRecommender, log_q: torch.Tensor,
                 history_grad: bool) -> None:
        super().__init__()
        self.model = model
        self.register_buffer("log_q", log_q)
        self.history_grad = history_grad
        self.cache: ItemCache | None = None

    def forward(self, examples: Sequence[Example], with_query: torch.Tensor | None = None
                ) -> torch.Tensor:
        """Loss for ``examples``; ``with_query`` ``(batch,)`` bool marks rows given a request."""
        assert self.cache is not None, "set the item cache before training"
        device = self.log_q.device
        max_history = self.model.config.max_history
        targets = torch.tensor([e.target for e in examples], device=device)
        unique, labels = torch.unique(targets, return_inverse=True)  # (unique,), (batch,)
        index, mask = history_tensor([e.history for e in examples], max_history)
        index, mask = index.to(device), mask.to(device)
        with autocast(device):
            if self.history_grad:
                needed, where = torch.unique(torch.cat([unique, index[mask]]),
                                             return_inverse=True)
                vectors = self.cache.encode(self.model, needed)
                items = vectors[where[: len(unique)]]
                history = torch.zeros(*index.shape, vectors.shape[-1], device=device,
                                      dtype=vectors.dtype)
                history[mask] = vectors[where[len(unique):]]
            else:
                items = self.cache.encode(self.model, unique)
                history = self.cache.vectors[index].to(items.dtype)
            query = query_mask = None
            if with_query is not None and self.cache.query_vectors is not None:
                query = self.cache.query_vectors[targets].to(history.dtype)
                query_mask = with_query.to(device)
            shoppers = self.model.encode_shopper(history, mask, query, query_mask)
        # An item in a shopper's history is not a negative for them (evaluation excludes it).
        exclude = (index[:, :, None] == unique[None, None, :]) & mask[:, :, None]
        return in_batch_softmax_loss(
            shoppers.float(), items.float(), labels, self.model.temperature,
            self.log_q[unique], exclude.any(1),
        )
