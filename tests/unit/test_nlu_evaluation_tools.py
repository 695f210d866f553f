"""The ePQA halves of scripts/evaluate_understanding and the fallback choice of intent_quick_cv."""

from __future__ import annotations

import numpy as np
import pytest

from scripts.evaluate_understanding import epqa_half, select_half
from scripts.intent_quick_cv import after_fallback, fallback_costs

QUESTIONS = [f"does it fit a size {n} foot?" for n in range(200)]


def test_the_halves_split_every_question_once_and_stably() -> None:
    dev, report = select_half(QUESTIONS, "dev"), select_half(QUESTIONS, "report")
    assert sorted(dev + report) == sorted(QUESTIONS)
    assert not set(dev) & set(report)
    # roughly half each, by the hash rather than by position
    assert 70 < len(dev) < 130
    assert dev != QUESTIONS[:len(dev)]
    # the half depends on the text alone: whitespace and the other questions do not move it
    assert epqa_half("does  it\tfit a size 3 foot?") == epqa_half("does it fit a size 3 foot?")
    assert select_half(list(reversed(QUESTIONS)), "dev") == list(reversed(dev))
    assert select_half(QUESTIONS, "all") == QUESTIONS


def test_an_unknown_half_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="dev, report, all"):
        select_half(QUESTIONS, "test")


CLASSES = ["ask_product_question", "out_of_scope", "search_products"]
PROBABILITIES = np.array([
    [0.90, 0.05, 0.05],  # sure
    [0.35, 0.33, 0.32],  # under 0.4
    [0.48, 0.02, 0.50],  # two close
    [0.60, 0.30, 0.10],
])


def test_after_fallback_follows_rasas_threshold_and_ambiguity() -> None:
    got = after_fallback(PROBABILITIES, CLASSES, threshold=0.4, ambiguity=0.1)
    assert list(got) == ["ask_product_question", "nlu_fallback", "nlu_fallback",
                         "ask_product_question"]
    assert list(after_fallback(PROBABILITIES, CLASSES, 0.0, 0.0)) == [
        "ask_product_question", "ask_product_question", "search_products",
        "ask_product_question"]


def test_fallback_costs_count_lost_right_answers_and_kept_wrong_ones() -> None:
    # rows 0, 1 and 2 are right, row 3 is wrong (its label is out_of_scope)
    labels = np.array(["ask_product_question", "ask_product_question", "search_products",
                       "out_of_scope"], dtype=object)
    costs = fallback_costs(PROBABILITIES, CLASSES, labels, [0.0, 0.4, 0.7], [0.0, 0.1])
    table = {(t, a): (cost, lost, kept) for cost, t, a, lost, kept in costs}
    assert table[(0.0, 0.0)] == (1, 0, 1)   # keeps everything: the wrong row stays
    assert table[(0.4, 0.1)] == (3, 2, 1)   # loses rows 1 and 2, keeps the wrong row 3
    assert table[(0.7, 0.0)] == (2, 2, 0)   # keeps only the sure row 0
    assert costs[0][0] == 1
