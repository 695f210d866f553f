"""In-batch softmax loss with the logQ correction, and the sampling probabilities behind it."""

from __future__ import annotations

import math

import pytest
import torch

from recommender.data import Example
from recommender.loss import in_batch_softmax_loss, log_sampling_probability
from recommender.model import ModelConfig, TwoTowerRecommender
from recommender.objective import ItemCache, RetrievalObjective

# Two shoppers, three distinct batch items, temperature 0.5:
# logits row 0 = (1, 0, 0.6) / 0.5 = (2, 0, 1.2); row 1 = (0, 1, 0.8) / 0.5 = (0, 2, 1.6).
SHOPPERS = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
ITEMS = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])
LABELS = torch.tensor([0, 2])
TEMPERATURE = torch.tensor(0.5)


def cross_entropy(logits: list[float], label: int) -> float:
    return -logits[label] + math.log(sum(math.exp(z) for z in logits))


def test_loss_is_the_mean_cross_entropy_of_each_target_among_the_batch_items() -> None:
    expected = (cross_entropy([2.0, 0.0, 1.2], 0) + cross_entropy([0.0, 2.0, 1.6], 2)) / 2
    loss = in_batch_softmax_loss(SHOPPERS, ITEMS, LABELS, TEMPERATURE)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    assert loss.item() == pytest.approx(0.7256, abs=1e-4)  # the same number, written out


def test_logq_correction_subtracts_log_q_from_each_items_logit() -> None:
    log_q = torch.log(torch.tensor([0.5, 0.3, 0.2]))
    lq = log_q.tolist()
    row0 = [z - q for z, q in zip([2.0, 0.0, 1.2], lq, strict=True)]
    row1 = [z - q for z, q in zip([0.0, 2.0, 1.6], lq, strict=True)]
    expected = (cross_entropy(row0, 0) + cross_entropy(row1, 2)) / 2
    loss = in_batch_softmax_loss(SHOPPERS, ITEMS, LABELS, TEMPERATURE, log_q=log_q)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    plain = in_batch_softmax_loss(SHOPPERS, ITEMS, LABELS, TEMPERATURE)
    assert loss.item() != pytest.approx(plain.item(), abs=1e-3)


def test_uniform_log_q_leaves_the_loss_unchanged() -> None:
    plain = in_batch_softmax_loss(SHOPPERS, ITEMS, LABELS, TEMPERATURE)
    uniform = in_batch_softmax_loss(SHOPPERS, ITEMS, LABELS, TEMPERATURE,
                                    log_q=torch.full((3,), math.log(1 / 3)))
    assert uniform.item() == pytest.approx(plain.item(), abs=1e-6)


def test_excluded_history_item_is_not_a_negative() -> None:
    exclude = torch.tensor([[False, False, True], [False, False, False]])  # row 0 had item 2
    expected = (cross_entropy([2.0, 0.0], 0) + cross_entropy([0.0, 2.0, 1.6], 2)) / 2
    loss = in_batch_softmax_loss(SHOPPERS, ITEMS, LABELS, TEMPERATURE, exclude=exclude)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_a_rows_own_label_is_never_excluded() -> None:
    exclude = torch.tensor([[True, False, False], [False, True, True]])  # labels 0 and 2 flagged
    expected = (cross_entropy([2.0, 0.0, 1.2], 0) + cross_entropy([0.0, 1.6], 1)) / 2
    loss = in_batch_softmax_loss(SHOPPERS, ITEMS, LABELS, TEMPERATURE, exclude=exclude)
    assert torch.isfinite(loss)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_lower_temperature_sharpens_a_correct_ranking() -> None:
    labels = torch.tensor([0, 1])  # each shopper's best item
    warm = in_batch_softmax_loss(SHOPPERS, ITEMS, labels, torch.tensor(1.0))
    cold = in_batch_softmax_loss(SHOPPERS, ITEMS, labels, torch.tensor(0.1))
    assert cold.item() < warm.item()


def test_loss_gradient_reaches_both_towers_and_the_temperature() -> None:
    shoppers = SHOPPERS.clone().requires_grad_()
    items = ITEMS.clone().requires_grad_()
    temperature = TEMPERATURE.clone().requires_grad_()
    in_batch_softmax_loss(shoppers, items, LABELS, temperature).backward()
    for tensor in (shoppers, items, temperature):
        assert tensor.grad is not None and tensor.grad.abs().sum() > 0


def test_log_sampling_probability_gives_unseen_items_half_a_count() -> None:
    log_q = log_sampling_probability(torch.tensor([3, 1, 0]))
    expected = [math.log(3 / 4.5), math.log(1 / 4.5), math.log(0.5 / 4.5)]
    assert log_q.tolist() == pytest.approx(expected, abs=1e-6)
    assert log_q.exp().sum().item() == pytest.approx(1.0, abs=1e-6)


def test_objective_excludes_a_shoppers_history_items_from_their_negatives() -> None:
    """Row 0's history holds row 1's target: with exclusion its loss is the 1-item softmax."""
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    bert = BertModel(BertConfig(vocab_size=20, hidden_size=4, num_hidden_layers=1,
                                num_attention_heads=1, intermediate_size=8),
                     add_pooling_layer=False)
    model = TwoTowerRecommender(bert, ModelConfig(dim=4, max_history=3, trainable_layers=1,
                                                  shopper_layers=1, shopper_heads=1)).eval()
    cache = ItemCache(prefix=torch.randn(3, 2, 4), mask=torch.ones(3, 2, dtype=torch.long),
                      vectors=torch.nn.functional.normalize(torch.randn(3, 4), dim=-1))
    objective = RetrievalObjective(model, torch.zeros(3), history_grad=False)
    objective.cache = cache
    examples = [Example("a", (1,), 0), Example("b", (2,), 1)]
    loss = objective(examples)
    # by hand: items = encode(0), encode(1); row 0 excludes item 1 → zero loss
    items = cache.encode(model, torch.tensor([0, 1]))
    shoppers = model.encode_shopper(cache.vectors[torch.tensor([[1], [2]])],
                                    torch.ones(2, 1, dtype=torch.bool))
    logits1 = (shoppers[1] @ items.T / model.temperature).tolist()
    expected = (0.0 + cross_entropy(logits1, 1)) / 2
    assert loss.item() == pytest.approx(expected, abs=1e-5)
