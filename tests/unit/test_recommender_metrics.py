"""Leave-one-out ranks, ranking metrics and the propensity head's calibration metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from recommender.data import Example
from recommender.metrics import (
    expected_calibration_error,
    ranking_metrics,
    roc_auc,
    target_ranks,
)
from recommender.scoring import rank_examples, rank_examples_by_protocol


def test_target_rank_counts_better_items_outside_the_history() -> None:
    scores = torch.tensor([[0.9, 0.5, 0.7, 0.1], [0.9, 0.5, 0.7, 0.1]])
    ranks = target_ranks(scores, torch.tensor([1, 1]), [[0], []])
    assert ranks.tolist() == [1, 2]


def test_ties_count_against_the_target() -> None:
    scores = torch.tensor([[0.5, 0.5, 0.5, 0.1], [0.2, 0.2, 0.9, 0.2]])
    ranks = target_ranks(scores, torch.tensor([0, 3]), [[], [2]])
    assert ranks.tolist() == [2, 2]


def test_a_tied_history_item_is_not_counted() -> None:
    scores = torch.tensor([[0.5, 0.5, 0.5, 0.1]])
    assert target_ranks(scores, torch.tensor([0]), [[1]]).tolist() == [1]


def test_best_item_gets_rank_zero() -> None:
    assert target_ranks(torch.tensor([[0.1, 3.0, 2.0]]), torch.tensor([1]), [[2]]).tolist() == [0]


def test_rank_examples_scores_in_chunks() -> None:
    examples = [Example("a", (0,), 1), Example("b", (), 3), Example("c", (1, 2), 0)]

    def score(chunk):  # type: ignore[no-untyped-def]
        return torch.tensor([[4.0, 3.0, 2.0, 1.0]]).expand(len(chunk), -1).clone()

    assert rank_examples(score, examples, batch_size=2).tolist() == [0, 3, 0]
    assert rank_examples(score, []).tolist() == []


def test_history_kept_counts_history_items_above_the_target() -> None:
    scores = torch.tensor([[0.9, 0.5, 0.7, 0.1], [0.9, 0.5, 0.7, 0.1]])
    # history [0, 2] scores above the target 1: excluded it is first, kept it is third
    histories = [[0, 2], [0, 2]]
    assert target_ranks(scores.clone(), torch.tensor([1, 1]), histories).tolist() == [0, 0]
    assert target_ranks(scores.clone(), torch.tensor([1, 1]), histories,
                        exclude_history=False).tolist() == [2, 2]


def test_a_repeated_target_keeps_its_own_score_under_both_protocols() -> None:
    scores = torch.tensor([[0.9, 0.5, 0.7, 0.1]])
    # the next item (2) is already in the history (2, 0): its own score still ranks it
    assert target_ranks(scores.clone(), torch.tensor([2]), [[2, 0]]).tolist() == [0]
    assert target_ranks(scores.clone(), torch.tensor([2]), [[2, 0]],
                        exclude_history=False).tolist() == [1]


def test_rank_examples_by_protocol_scores_once_and_ranks_both_ways() -> None:
    examples = [Example("a", (0,), 1), Example("b", (), 3), Example("c", (1, 2), 0),
                Example("d", (0, 1), 2)]
    calls = []

    def score(chunk):  # type: ignore[no-untyped-def]
        calls.append(len(chunk))
        return torch.tensor([[4.0, 3.0, 2.0, 1.0]]).expand(len(chunk), -1).clone()

    ranks = rank_examples_by_protocol(score, examples, batch_size=3)
    assert calls == [3, 1]
    assert ranks["excluded"].tolist() == [0, 3, 0, 0]
    assert ranks["kept"].tolist() == [1, 3, 0, 2]
    assert rank_examples(score, examples, history="kept").tolist() == [1, 3, 0, 2]
    with pytest.raises(ValueError, match="history protocols"):
        rank_examples_by_protocol(score, examples, ("both",))


def test_ranking_metrics_exact_values() -> None:
    ranks = [0, 1, 9, 10, 19, 25]
    metrics = ranking_metrics(torch.tensor(ranks))
    assert metrics["users"] == 6
    assert metrics["recall@10"] == pytest.approx(3 / 6)
    assert metrics["recall@20"] == pytest.approx(5 / 6)
    ndcg10 = (1 + 1 / math.log2(3) + 1 / math.log2(11)) / 6
    assert metrics["ndcg@10"] == pytest.approx(ndcg10)
    assert metrics["ndcg@20"] == pytest.approx(ndcg10 + (1 / math.log2(12) + 1 / math.log2(21)) / 6)
    assert metrics["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 10 + 1 / 11 + 1 / 20 + 1 / 26) / 6)


def test_perfect_ranking_scores_one() -> None:
    metrics = ranking_metrics(np.zeros(4, dtype=np.int64))
    assert {k: metrics[k] for k in ("recall@10", "ndcg@10", "recall@20", "ndcg@20", "mrr")} == {
        "recall@10": 1.0, "ndcg@10": 1.0, "recall@20": 1.0, "ndcg@20": 1.0, "mrr": 1.0}


def test_roc_auc_counts_correctly_ordered_pairs() -> None:
    # positive/negative pairs: (0.9>0.1) (0.9>0.6) (0.4>0.1) (0.4<0.6) → 3/4
    assert roc_auc(np.array([1, 0, 1, 0]), np.array([0.9, 0.1, 0.4, 0.6])) == pytest.approx(0.75)
    assert roc_auc(np.array([1, 1, 0, 0]), np.array([0.9, 0.8, 0.2, 0.1])) == 1.0
    assert roc_auc(np.array([1, 1, 0, 0]), np.array([0.1, 0.2, 0.8, 0.9])) == 0.0


def test_roc_auc_averages_ties_and_needs_both_classes() -> None:
    assert roc_auc(np.array([1, 0]), np.array([0.5, 0.5])) == pytest.approx(0.5)
    # pos 0.5 vs negs (0.5 tie → ½, 0.2 → 1); pos 0.7 vs both → 2  ⇒ 3.5 / 4
    assert roc_auc(np.array([1, 0, 1, 0]), np.array([0.5, 0.5, 0.7, 0.2])) == pytest.approx(0.875)
    assert math.isnan(roc_auc(np.array([1, 1]), np.array([0.2, 0.3])))


def test_expected_calibration_error_on_two_bins() -> None:
    labels = np.array([1, 0, 1, 1])
    probs = np.array([0.9, 0.1, 0.8, 0.3])
    # bin [0, .5): probs .1 .3 (mean .2), labels 0 1 (mean .5) → ½·.3
    # bin [.5, 1]: probs .9 .8 (mean .85), labels 1 1 → ½·.15
    assert expected_calibration_error(labels, probs, bins=2) == pytest.approx(0.225)


def test_expected_calibration_error_edges_and_perfect_calibration() -> None:
    assert expected_calibration_error(np.array([1, 0]), np.array([1.0, 0.0]), bins=15) == 0.0
    # 0.5 falls in the upper of two bins, with the 1.0: mean prob .75, mean label .5
    value = expected_calibration_error(np.array([0, 1, 1]), np.array([0.5, 1.0, 0.0]), bins=2)
    assert value == pytest.approx(2 / 3 * 0.25 + 1 / 3 * 1.0)
