"""Batching helpers shared by training, evaluation and serving: tokenised items, histories."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import torch
from tqdm.auto import tqdm

from recommender.model import TwoTowerRecommender


@dataclass
class TokenisedTexts:
    """Texts tokenised once: ``ids`` and ``mask`` are ``(texts, max_tokens)``, right-padded."""

    ids: torch.Tensor
    mask: torch.Tensor

    def __len__(self) -> int:
        return self.ids.shape[0]

    def rows(self, index: torch.Tensor, device: torch.device | str) -> tuple[torch.Tensor, torch.Tensor]:
        """The rows at ``index``, trimmed to their longest text: ``(n, tokens)`` each."""
        mask = self.mask[index]
        width = max(int(mask.sum(1).max()), 1)
        return self.ids[index, :width].to(device), mask[:, :width].to(device)


def tokenise(tokenizer: Any, texts: Sequence[str], max_tokens: int) -> TokenisedTexts:
    """Tokenise ``texts`` (truncated to ``max_tokens``) into one padded tensor pair."""
    encoded = tokenizer(list(texts), padding="max_length", truncation=True,
                        max_length=max_tokens, return_tensors="pt")
    return TokenisedTexts(ids=encoded["input_ids"], mask=encoded["attention_mask"])


def autocast(device: torch.device | str) -> Any:
    """bfloat16 autocast on CUDA, nothing on CPU."""
    if torch.device(device).type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


@torch.no_grad()
def encode_texts(model: TwoTowerRecommender, texts: TokenisedTexts, device: torch.device | str,
                 batch_size: int = 256, progress: bool = False,
                 desc: str = "encoding items") -> torch.Tensor:
    """Item tower over every text, in length-sorted batches: → ``(texts, dim)`` float32 on device."""
    lengths = texts.mask.sum(1)
    order = torch.argsort(lengths, descending=True)
    out = torch.empty(len(texts), model.config.dim, device=device)
    starts = range(0, len(texts), batch_size)
    for start in tqdm(starts, desc=desc, disable=not progress, unit="batch"):
        index = order[start:start + batch_size]
        ids, mask = texts.rows(index, device)
        with autocast(device):
            out[index.to(device)] = model.encode_item(ids, mask).float()
    return out


def history_tensor(histories: Sequence[Sequence[int]], max_history: int
                   ) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-aligned history indices: → ``index`` ``(batch, length)`` long and ``mask`` bool.

    Only the ``max_history`` most recent items are kept; padding uses index 0 with mask False.
    """
    trimmed = [list(h)[-max_history:] for h in histories]
    length = max([len(h) for h in trimmed] + [1])
    index = torch.zeros(len(trimmed), length, dtype=torch.long)
    mask = torch.zeros(len(trimmed), length, dtype=torch.bool)
    for row, items in enumerate(trimmed):
        if items:
            index[row, length - len(items):] = torch.tensor(items)
            mask[row, length - len(items):] = True
    return index, mask


def shopper_vectors(model: TwoTowerRecommender, item_vectors: torch.Tensor,
                    histories: Sequence[Sequence[int]],
                    query_vectors: torch.Tensor | None = None) -> torch.Tensor:
    """Shopper tower for a batch of histories over precomputed item vectors → ``(batch, dim)``."""
    device = item_vectors.device
    index, mask = history_tensor(histories, model.config.max_history)
    history = item_vectors[index.to(device)]  # (batch, length, dim)
    with autocast(device):
        return model.encode_shopper(history, mask.to(device), query_vectors).float()
