"""The propensity head's report: ECE over 10 bins, and candidates under both history protocols."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from transformers import BertConfig, BertModel

from recommender.calibration import RepeatGate
from recommender.data import Example
from recommender.encoding import shopper_vectors
from recommender.metrics import expected_calibration_error
from recommender.model import ModelConfig, PropensityHead, TwoTowerRecommender
from recommender.propensity import CandidateSet, candidate_set, propensity_metrics

HIDDEN = 32
# Four (probability, label) pairs whose 10-bin and 15-bin ECE differ: 0.05 and 0.08 share the
# first of 10 bins (mean prob 0.065, mean label 0.5) but not of 15.
PROBS = np.array([0.05, 0.08, 0.95, 0.95])
LABELS = np.array([1.0, 0.0, 1.0, 1.0])
ECE_10 = 2 / 4 * abs(0.5 - 0.065) + 2 / 4 * abs(1.0 - 0.95)


def test_ece_over_ten_bins_by_hand() -> None:
    assert expected_calibration_error(LABELS, PROBS, bins=10) == pytest.approx(ECE_10)  # 0.2425
    assert expected_calibration_error(LABELS, PROBS, bins=15) == pytest.approx(
        (0.95 + 0.08) / 4 + 0.05 / 2)  # 0.2825: the bin count matters here


def test_propensity_metrics_report_ece_over_ten_bins() -> None:
    head = PropensityHead()
    with torch.no_grad():  # the head's probability is sigmoid(first feature)
        head.linear.weight.copy_(torch.tensor([[1.0, 0.0, 0.0, 0.0]]))
        head.linear.bias.zero_()
    logits = torch.logit(torch.tensor(PROBS, dtype=torch.float32))
    features = torch.zeros(4, PropensityHead.NUM_FEATURES)
    features[:, 0] = logits
    found = propensity_metrics(head, CandidateSet(features, torch.tensor(LABELS).float()))
    assert found["ece"] == pytest.approx(ECE_10, abs=1e-6)
    assert found["ece_bins"] == 10
    assert found["auc"] == pytest.approx(2 / 3)  # the 0.05 positive sits below the 0.08 negative


def _model() -> TwoTowerRecommender:
    torch.manual_seed(0)
    bert = BertModel(BertConfig(vocab_size=100, hidden_size=HIDDEN, num_hidden_layers=2,
                                num_attention_heads=2, intermediate_size=64,
                                max_position_embeddings=64), add_pooling_layer=False).eval()
    config = ModelConfig(dim=HIDDEN, max_item_tokens=16, max_history=5, trainable_layers=1,
                         shopper_layers=1, shopper_heads=2)
    return TwoTowerRecommender(bert, config).eval()


def test_candidates_under_both_protocols_and_with_the_gate() -> None:
    model = _model()
    vectors = F.normalize(torch.randn(40, HIDDEN, generator=torch.Generator().manual_seed(3)), dim=-1)
    example = Example("u", (1, 2), 3)
    scores = (shopper_vectors(model, vectors, [example.history]) @ vectors.T)[0]
    top = 10

    def cosines(data: CandidateSet) -> list[float]:
        return data.features[:, 0].tolist()

    kept = candidate_set(model, vectors, [example], torch.zeros(40), top=top, history="kept")
    # every item is a candidate: the history items (the untrained shopper is their mean) are
    # among the shown ones under "kept", and never under "excluded"
    assert cosines(kept) == pytest.approx(scores.topk(top).values.tolist(), abs=1e-5)
    history_scores = scores[[1, 2]].tolist()
    assert all(any(abs(c - h) < 1e-5 for c in cosines(kept)) for h in history_scores)
    masked = scores.clone()
    masked[[1, 2]] = float("-inf")
    excluded = candidate_set(model, vectors, [example], torch.zeros(40), top=top)
    assert cosines(excluded) == pytest.approx(masked.topk(top).values.tolist(), abs=1e-5)
    assert not any(abs(c - h) < 1e-5 for c in cosines(excluded) for h in history_scores)
    # a gate that sinks every history item: the kept candidates are the excluded ones
    sink = RepeatGate(scale=0.0, offset=-10.0, last=0.0, recency=0.0, repeats=0.0)
    gated = candidate_set(model, vectors, [example], torch.zeros(40), top=top, history="kept",
                          gate=sink)
    assert cosines(gated) == pytest.approx(cosines(excluded), abs=1e-5)
    with pytest.raises(ValueError, match="history"):
        candidate_set(model, vectors, [example], torch.zeros(40), history="both")
