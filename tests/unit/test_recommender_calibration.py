"""The repeat/new gate: features, re-scoring, fitting on a split, and choosing on valid."""

from __future__ import annotations

import math

import pytest
import torch

from recommender.calibration import (
    NEVER,
    RepeatGate,
    apply_gate,
    choose_repeat_gate,
    fit_repeat_gate,
    gated_scorer,
    history_features,
)
from recommender.data import Example
from recommender.scoring import rank_examples


def test_history_features_count_views_and_items_since_the_last_view() -> None:
    assert history_features([5, 7, 5, 9]) == {5: (1, 2), 7: (2, 1), 9: (0, 1)}
    assert history_features([]) == {}
    assert history_features(["a", "a"]) == {"a": (0, 2)}


def test_apply_gate_rescores_history_items_only() -> None:
    scores = torch.tensor([[0.9, 0.5, 0.7, 0.1]])
    gate = RepeatGate(scale=0.5, offset=-0.2, last=0.1, recency=0.3, repeats=1.0)
    out = apply_gate(scores.clone(), [[2, 0, 2]], gate)
    # item 2: last (since 0), seen twice; item 0: since 1, once
    assert out[0, 2].item() == pytest.approx(0.5 * 0.7 - 0.2 + 0.1 + 0.3 + math.log(2))
    assert out[0, 0].item() == pytest.approx(0.5 * 0.9 - 0.2 + 0.3 / 2)
    assert out[0, 1].item() == pytest.approx(0.5) and out[0, 3].item() == pytest.approx(0.1)
    assert gate.adjusted(0.7, 0, 2) == pytest.approx(out[0, 2].item())
    assert torch.equal(apply_gate(scores.clone(), [[2, 0]], RepeatGate()), scores)


def test_never_gate_ranks_history_items_last_under_history_kept() -> None:
    examples = [Example("a", (0, 2), 1), Example("b", (1,), 1)]

    def score(chunk):  # type: ignore[no-untyped-def]
        return torch.tensor([[0.9, 0.5, 0.7, 0.1]]).expand(len(chunk), -1).clone()

    assert rank_examples(score, examples, history="kept").tolist() == [2, 2]
    gated = gated_scorer(score, RepeatGate(offset=NEVER))
    # a's history no longer crowds the top; b's repeated target falls below every new item
    assert rank_examples(gated, examples, history="kept").tolist() == [0, 3]
    assert gated_scorer(score, None) is score


def _synthetic(repeat_when_seen_twice: bool, n: int = 600) -> tuple[torch.Tensor, list[Example]]:
    """Shoppers whose history items score highest; the next item is new, except (optionally)
    an item they already viewed twice, which then comes back."""
    g = torch.Generator().manual_seed(0)
    items = 30
    scores = torch.rand(n, items, generator=g) * 0.5
    examples = []
    for row in range(n):
        history = [(row + k) % items for k in range(4)]
        twice = row % 3 == 0
        if twice:
            history.append(history[0])
        for item in history:
            scores[row, item] += 0.6  # the shopper looks like what they looked at
        target = history[0] if (twice and repeat_when_seen_twice) else (row + 10) % items
        scores[row, target] += 0.3
        examples.append(Example(str(row), tuple(history), target))
    return scores, examples


def test_fitted_gate_learns_that_history_items_rarely_come_back() -> None:
    scores, examples = _synthetic(repeat_when_seen_twice=False)
    gate = fit_repeat_gate(scores, examples, temperature=0.05)
    gated = apply_gate(scores.clone(), [e.history for e in examples], gate)
    targets = torch.tensor([e.target for e in examples])
    # every target is new, and now outscores every history item
    for row, example in enumerate(examples):
        assert gated[row, targets[row]] > gated[row, list(example.history)].max()


def test_fitted_gate_keeps_items_seen_twice_when_they_come_back() -> None:
    scores, examples = _synthetic(repeat_when_seen_twice=True)
    gate = fit_repeat_gate(scores, examples, temperature=0.05)
    assert gate.repeats > 0
    chosen, measured = choose_repeat_gate(scores, examples, temperature=0.05)
    assert chosen == gate
    assert measured["chosen"] == "fitted"
    assert measured["fitted"] > measured["history_last"] + measured["fitted_minus_history_last_se"]
    assert measured["fitted"] > measured["ungated"]


def test_history_last_is_chosen_when_the_fitted_gate_is_no_better() -> None:
    scores, examples = _synthetic(repeat_when_seen_twice=False)
    chosen, measured = choose_repeat_gate(scores, examples, temperature=0.05)
    # every target is new: both rank them first, so the simpler rule wins the tie
    assert measured["fitted"] == pytest.approx(measured["history_last"])
    assert chosen == RepeatGate(offset=NEVER) and measured["chosen"] == "history_last"
    assert measured["ungated"] < measured["history_last"]


def test_gate_weights_round_trip_and_bad_ones_are_refused() -> None:
    gate = RepeatGate(scale=0.9, offset=-1.5, last=0.2, recency=0.1, repeats=0.4)
    assert RepeatGate.from_dict(gate.to_dict()) == gate
    with pytest.raises(ValueError, match="unknown weights"):
        RepeatGate.from_dict({"offest": 1.0})
    with pytest.raises(ValueError, match="finite"):
        RepeatGate.from_dict({"offset": float("nan")})
