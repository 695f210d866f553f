"""Retrieval loss: softmax over in-batch negatives with the log-popularity (logQ) correction.

In-batch negatives are sampled in proportion to how often items are targets, so popular items
are over-represented as negatives; subtracting ``log q(item)`` from each logit corrects the
sampling bias (Yi et al., "Sampling-bias-corrected neural modeling for large corpus item
recommendations", RecSys 2019).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def in_batch_softmax_loss(shoppers: torch.Tensor, items: torch.Tensor, labels: torch.Tensor,
                          temperature: torch.Tensor, log_q: torch.Tensor | None = None,
                          exclude: torch.Tensor | None = None) -> torch.Tensor:
    """Mean cross-entropy of each shopper's target among the batch's items.

    Args:
        shoppers: ``(batch, dim)`` shopper embeddings.
        items: ``(unique, dim)`` embeddings of the batch's distinct target items.
        labels: ``(batch,)`` index into ``items`` of each shopper's target.
        temperature: scalar; logits are ``cosine / temperature``.
        log_q: ``(unique,)`` log sampling probability of each item, or None for no correction.
        exclude: ``(batch, unique)`` bool, True where an item must not count as a negative for
            that shopper (an item already in their history). A row's own label is never excluded.

    Returns:
        Scalar loss.
    """
    logits = shoppers @ items.T / temperature  # (batch, unique)
    if log_q is not None:
        logits = logits - log_q[None, :]
    if exclude is not None:
        keep_label = F.one_hot(labels, num_classes=items.shape[0]).bool()
        logits = logits.masked_fill(exclude & ~keep_label, float("-inf"))
    return F.cross_entropy(logits.float(), labels)


def log_sampling_probability(counts: torch.Tensor) -> torch.Tensor:
    """``log q`` per item from target counts ``(items,)``; unseen items get half a count."""
    counts = counts.float().clamp(min=0.5)
    return torch.log(counts / counts.sum())
