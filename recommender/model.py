"""The two-tower model: a BERT text encoder shared by both towers, and the shopper tower on top.

Item tower:    item text ──BERT──► mean pool ──► L2 norm ──► item embedding ``(dim,)``
Shopper tower: the item embeddings of the shopper's recent history (oldest first) and, when the
shopper asked for something, the embedding of that request, ──► recency-weighted mean (the
zero-shot profile) + a small transformer's correction ──► L2 norm ──► shopper embedding ``(dim,)``.

Relevance is the dot product. The correction is gated by a scalar that starts at zero, so an untrained
model *is* the zero-shot baseline (recency-weighted mean of MiniLM item embeddings).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

ITEM_INPUT_FORMAT = (
    "item text = '<title>. <category path>. <brand or attributes>. <description>', "
    "BERT-tokenised, truncated to max_item_tokens"
)
SHOPPER_INPUT_FORMAT = (
    "shopper = the item embeddings of the last max_history items the shopper viewed, carted or "
    "bought (oldest first, most recent last), plus optionally one query token: the text "
    "embedding of what the shopper is asking for now (e.g. 'waterproof jacket, size M'), "
    "placed after the history"
)


@dataclass
class ModelConfig:
    """Shapes and choices of the model; saved with the weights (see ``recommender.io``)."""

    dim: int = 384
    max_item_tokens: int = 64
    max_history: int = 20
    trainable_layers: int = 6
    shopper_layers: int = 2
    shopper_heads: int = 4
    recency_decay: float = 0.7
    temperature_init: float = 0.05
    item_input_format: str = ITEM_INPUT_FORMAT
    shopper_input_format: str = SHOPPER_INPUT_FORMAT

    def to_dict(self) -> dict:
        return asdict(self)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average token states over the attention mask.

    Args:
        hidden: ``(batch, tokens, hidden)``.
        mask: ``(batch, tokens)``, 1 for real tokens.

    Returns:
        ``(batch, hidden)``.
    """
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-6)


class TextEncoder(nn.Module):
    """BERT with mean pooling and L2 normalisation, split into a frozen prefix and a trained suffix.

    The frozen prefix (embeddings and the lower layers) can be run once per item and cached;
    the suffix (the top ``trainable_layers`` layers) is what training updates.
    """

    def __init__(self, bert: nn.Module, trainable_layers: int) -> None:
        super().__init__()
        self.bert = bert
        layers = self.layers
        if not 0 <= trainable_layers <= len(layers):
            raise ValueError(f"trainable_layers must be in 0..{len(layers)}")
        self.num_frozen = len(layers) - trainable_layers
        for param in self.bert.embeddings.parameters():
            param.requires_grad_(False)
        for index, layer in enumerate(layers):
            for param in layer.parameters():
                param.requires_grad_(index >= self.num_frozen)

    @property
    def layers(self) -> nn.ModuleList:
        return self.bert.encoder.layer

    @staticmethod
    def _additive_mask(mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """``(batch, tokens)`` 0/1 mask → ``(batch, 1, 1, tokens)`` additive attention mask."""
        return (1.0 - mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min

    def _run_layers(self, hidden: torch.Tensor, mask: torch.Tensor, start: int, stop: int
                    ) -> torch.Tensor:
        additive = self._additive_mask(mask, hidden.dtype)
        for layer in self.layers[start:stop]:
            out = layer(hidden, attention_mask=additive)
            hidden = out[0] if isinstance(out, tuple) else out
        return hidden

    def prefix(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Token states after the frozen layers: ``(batch, tokens)`` ids → ``(batch, tokens, hidden)``."""
        with torch.no_grad():
            hidden = self.bert.embeddings(
                input_ids=input_ids, token_type_ids=torch.zeros_like(input_ids)
            )
            return self._run_layers(hidden, mask, 0, self.num_frozen)

    def suffix(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Trained layers, pooling and normalisation: ``(batch, tokens, hidden)`` → ``(batch, dim)``."""
        hidden = self._run_layers(hidden, mask, self.num_frozen, len(self.layers))
        return F.normalize(mean_pool(hidden, mask).float(), dim=-1)

    def forward(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``(batch, tokens)`` ids and mask → ``(batch, dim)`` unit vectors."""
        return self.suffix(self.prefix(input_ids, mask), mask)


class ShopperTower(nn.Module):
    """Turns history item embeddings (and an optional query embedding) into a shopper embedding."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.max_history = config.max_history
        self.recency_decay = config.recency_decay
        dim = config.dim
        self.position = nn.Embedding(config.max_history + 1, dim)  # 0 = most recent / the query
        self.kind = nn.Embedding(2, dim)  # 0 = history item, 1 = query
        nn.init.normal_(self.position.weight, std=0.02)
        nn.init.normal_(self.kind.weight, std=0.02)
        layer = nn.TransformerEncoderLayer(
            d_model=dim, nhead=config.shopper_heads, dim_feedforward=2 * dim, dropout=0.1,
            batch_first=True, norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, num_layers=config.shopper_layers, enable_nested_tensor=False
        )
        self.norm = nn.LayerNorm(dim)
        self.out = nn.Linear(dim, dim)
        # ReZero-style gate: the correction starts at exactly zero and grows as training finds it
        # useful, so an untrained tower is the zero-shot profile and early steps cannot swamp it.
        self.gate = nn.Parameter(torch.zeros(()))

    def profile(self, history: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Recency-weighted mean of the history: ``(batch, length, dim)`` → ``(batch, dim)``.

        ``history`` is right-aligned (most recent item last); ``mask`` is ``(batch, length)``.
        """
        length = history.shape[1]
        age = torch.arange(length - 1, -1, -1, device=history.device, dtype=history.dtype)
        weights = (self.recency_decay ** age)[None, :] * mask.to(history.dtype)
        return (history * weights.unsqueeze(-1)).sum(1) / weights.sum(1, keepdim=True).clamp(
            min=1e-6
        )

    def forward(self, history: torch.Tensor, mask: torch.Tensor,
                query: torch.Tensor | None = None, query_mask: torch.Tensor | None = None
                ) -> torch.Tensor:
        """Shopper embeddings.

        Args:
            history: ``(batch, length, dim)`` item embeddings, right-aligned, most recent last.
            mask: ``(batch, length)`` bool, True where a history item is present.
            query: ``(batch, dim)`` request embeddings, or None.
            query_mask: ``(batch,)`` bool, True where the shopper made a request.

        Returns:
            ``(batch, dim)`` unit vectors.
        """
        batch, length, _ = history.shape
        age = torch.arange(length - 1, -1, -1, device=history.device)
        tokens = history + self.position(age)[None] + self.kind.weight[0]
        present = mask.bool()
        base = self.profile(history, present)
        if query is not None:
            q_mask = (query_mask if query_mask is not None
                      else torch.ones(batch, dtype=torch.bool, device=history.device))
            query_token = query + self.position.weight[0] + self.kind.weight[1]
            tokens = torch.cat([tokens, query_token[:, None, :]], dim=1)
            present = torch.cat([present, q_mask.bool()[:, None]], dim=1)
            has_history = mask.bool().any(1, keepdim=True)
            asked = q_mask[:, None].to(base.dtype) * query
            # With no history the profile is the query itself; otherwise the query nudges it.
            base = torch.where(has_history, base + asked, asked)
        empty = ~present.any(1)
        present = present.clone()
        present[empty, -1] = True  # keep attention defined for shoppers with nothing yet
        hidden = self.encoder(tokens, src_key_padding_mask=~present)
        weights = present.to(hidden.dtype).unsqueeze(-1)
        pooled = self.norm((hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0))
        return F.normalize(base + self.gate * self.out(pooled), dim=-1)


class TwoTowerRecommender(nn.Module):
    """The two towers and the learned softmax temperature."""

    def __init__(self, bert: nn.Module, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.text = TextEncoder(bert, config.trainable_layers)
        self.shopper = ShopperTower(config)
        self.log_temperature = nn.Parameter(torch.tensor(float(config.temperature_init)).log())

    @property
    def temperature(self) -> torch.Tensor:
        """Softmax temperature, kept within [0.01, 1]."""
        return self.log_temperature.exp().clamp(0.01, 1.0)

    def encode_item(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Item tower: ``(items, tokens)`` → ``(items, dim)``."""
        return self.text(input_ids, mask)

    def encode_text(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Query texts share the item tower's encoder: ``(batch, tokens)`` → ``(batch, dim)``."""
        return self.text(input_ids, mask)

    def encode_shopper(self, history: torch.Tensor, mask: torch.Tensor,
                       query: torch.Tensor | None = None,
                       query_mask: torch.Tensor | None = None) -> torch.Tensor:
        """Shopper tower over history item embeddings; see :meth:`ShopperTower.forward`."""
        return self.shopper(history, mask, query, query_mask)


class PropensityHead(nn.Module):
    """Calibrated P(next interaction is this item | shopper, item shown among the top candidates).

    A logistic model over features of the (shopper, item) pair: the two-tower cosine, the item's
    rank among the shopper's candidates, the item's log-popularity and the history length.
    """

    NUM_FEATURES = 4

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(self.NUM_FEATURES, 1)

    @staticmethod
    def features(cosine: torch.Tensor, rank: torch.Tensor, log_popularity: torch.Tensor,
                 history_length: torch.Tensor) -> torch.Tensor:
        """Stack ``(n,)`` tensors into ``(n, 4)`` features (rank is 0-based)."""
        return torch.stack(
            [cosine, torch.log1p(rank.float()), log_popularity, torch.log1p(history_length.float())],
            dim=-1,
        ).float()

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """``(n, 4)`` features → ``(n,)`` probabilities."""
        return torch.sigmoid(self.linear(features).squeeze(-1))
