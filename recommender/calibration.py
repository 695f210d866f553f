"""The repeat/new gate: how an item already in the shopper's history is scored against new ones.

The two towers score a history item by its similarity to the shopper, and a shopper is similar
to what they just looked at: left alone, their own items crowd the top of the list although the
next item is one of them only about 0.6 % of the time on Amazon Scientific (train and valid). The
gate re-scores each history item ``h`` on the model's own scale:

    score'(h) = scale · score(h) + offset + last · [h is the most recent item]
                + recency / (1 + k) + repeats · log(count(h))

where ``k`` is how many items the shopper saw after ``h`` and ``count(h)`` how often ``h`` occurs
in the history; new items keep ``score``. The five weights are fitted on the VALID split only
(``fit_repeat_gate``: softmax cross-entropy of the next item over all items, the model's
temperature fixed), then kept only if they beat "history items last" (``NEVER``) on valid
NDCG@10 by more than one standard error (``choose_repeat_gate``). Evaluation
(``recommender.evaluate``) and serving (``recommender.service``) apply the same gate, read from the
model folder's ``config.json`` (``repeat_gate``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import torch

from recommender.data import Example
from recommender.scoring import ScoreFn

NEVER = -1e4
"""The offset of a gate that ranks every history item below every new item."""


@dataclass(frozen=True)
class RepeatGate:
    """The weights of the history-item re-scoring (see the module docstring)."""

    scale: float = 1.0
    offset: float = 0.0
    last: float = 0.0
    recency: float = 0.0
    repeats: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: Mapping[str, float]) -> RepeatGate:
        known = set(cls.__dataclass_fields__)
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"repeat gate: unknown weights {sorted(unknown)}")
        gate = cls(**{k: float(v) for k, v in values.items()})
        if not all(math.isfinite(v) for v in gate.to_dict().values()):
            raise ValueError("repeat gate: weights must be finite")
        return gate

    def adjusted(self, score: float, since: int, count: int) -> float:
        """The gated score of one history item: ``since`` items came after it, seen ``count``×."""
        return (self.scale * score + self.offset + self.last * (since == 0)
                + self.recency / (1 + since) + self.repeats * math.log(max(count, 1)))


def history_features(history: Sequence[int] | Sequence[str]) -> dict:
    """Each distinct history item → ``(since, count)``: items seen after its last view, views."""
    found: dict = {}
    for position, item in enumerate(history):
        since = len(history) - 1 - position
        count = found[item][1] + 1 if item in found else 1
        found[item] = (since, count)
    return found


def _feature_tensors(histories: Sequence[Sequence[int]]
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Rows, item columns and features ``(pairs, 3)`` (is-last, 1/(1+since), log count)."""
    rows, cols, feats = [], [], []
    for row, history in enumerate(histories):
        for item, (since, count) in history_features(history).items():
            rows.append(row)
            cols.append(item)
            feats.append((float(since == 0), 1.0 / (1 + since), math.log(count)))
    return (torch.tensor(rows, dtype=torch.long), torch.tensor(cols, dtype=torch.long),
            torch.tensor(feats, dtype=torch.float32).reshape(-1, 3))


def apply_gate(scores: torch.Tensor, histories: Sequence[Sequence[int]],
               gate: RepeatGate) -> torch.Tensor:
    """Re-score the history items of each row of ``scores`` ``(batch, items)`` (in place)."""
    rows, cols, feats = _feature_tensors(histories)
    if len(rows):
        rows, cols = rows.to(scores.device), cols.to(scores.device)
        weights = torch.tensor([gate.last, gate.recency, gate.repeats], device=scores.device)
        old = scores[rows, cols]
        scores[rows, cols] = (gate.scale * old + gate.offset
                              + feats.to(scores.device) @ weights).to(scores.dtype)
    return scores


def gated_scorer(score: ScoreFn, gate: RepeatGate | None) -> ScoreFn:
    """``score`` with the gate applied to each shopper's history items (``None``: unchanged)."""
    if gate is None:
        return score

    def gated(chunk: Sequence[Example]) -> torch.Tensor:
        return apply_gate(score(chunk).float(), [e.history for e in chunk], gate)

    return gated


def fit_repeat_gate(scores: torch.Tensor, examples: Sequence[Example], temperature: float,
                    steps: int = 200) -> RepeatGate:
    """Fit the gate's weights on one split's model scores (the VALID split: never test).

    Args:
        scores: ``(examples, items)`` the model's raw scores of every item for each example.
        examples: the examples (their histories and next items).
        temperature: the model's softmax temperature (logits = score / temperature).

    Returns:
        The gate that minimises the cross-entropy of each example's next item over all items.
    """
    rows, cols, feats = _feature_tensors([e.history for e in examples])
    targets = torch.tensor([e.target for e in examples], dtype=torch.long)
    base = scores.float() / temperature  # (examples, items)
    old = base[rows, cols]
    params = torch.zeros(5)
    params[0] = 1.0
    params.requires_grad_(True)
    optimiser = torch.optim.LBFGS([params], lr=0.5, max_iter=steps,
                                  line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        logits = base.index_put((rows, cols), params[0] * old + (
            params[1] + feats @ params[2:]) / temperature)
        loss = torch.nn.functional.cross_entropy(logits, targets)
        loss.backward()
        return loss

    optimiser.step(closure)
    scale, offset, last, recency, repeats = params.detach().tolist()
    return RepeatGate(scale=scale, offset=offset, last=last, recency=recency, repeats=repeats)


def _ndcg10_each(scores: torch.Tensor, examples: Sequence[Example],
                 gate: RepeatGate) -> torch.Tensor:
    """Each example's NDCG@10 (history kept) under ``gate`` → ``(examples,)``."""
    from recommender.metrics import target_ranks

    gated = apply_gate(scores.float().clone(), [e.history for e in examples], gate)
    targets = torch.tensor([e.target for e in examples], dtype=torch.long)
    ranks = target_ranks(gated, targets, [e.history for e in examples],
                         exclude_history=False).double()
    return torch.where(ranks < 10, 1.0 / torch.log2(ranks + 2.0), torch.zeros_like(ranks))


def choose_repeat_gate(scores: torch.Tensor, examples: Sequence[Example], temperature: float
                       ) -> tuple[RepeatGate, dict[str, float | str]]:
    """The fitted gate, or "history items last" unless the fitted gate beats it by more than one
    standard error of the paired difference in NDCG@10 (history kept): the simpler rule wins a
    tie, and it never shows a shopper what they saw unless nothing new passes their filters.
    The split is VALID. Returns the gate and each candidate's NDCG@10 (and the margin)."""
    candidates = {"fitted": fit_repeat_gate(scores, examples, temperature),
                  "history_last": RepeatGate(offset=NEVER),
                  "ungated": RepeatGate()}
    each = {name: _ndcg10_each(scores, examples, gate) for name, gate in candidates.items()}
    measured: dict[str, float | str] = {name: float(values.mean()) for name, values in each.items()}
    difference = each["fitted"] - each["history_last"]
    standard_error = float(difference.std() / math.sqrt(max(len(difference), 1)))
    measured["fitted_minus_history_last_se"] = standard_error
    margin = float(difference.mean())
    best = "fitted" if margin > standard_error else "history_last"
    measured["chosen"] = best
    return candidates[best], measured
