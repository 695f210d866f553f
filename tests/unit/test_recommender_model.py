"""The two towers on a tiny in-memory BERT: pooling, padding, freezing, the gated shopper tower."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from transformers import BertConfig, BertModel

from recommender.data import Example
from recommender.encoding import history_tensor, shopper_vectors
from recommender.model import (
    ModelConfig,
    PropensityHead,
    ShopperTower,
    TextEncoder,
    TwoTowerRecommender,
    mean_pool,
)
from recommender.propensity import candidate_set

HIDDEN = 32
VOCAB = 100


def tiny_bert(seed: int = 0) -> BertModel:
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    return BertModel(config, add_pooling_layer=False).eval()


def tiny_config(**overrides: object) -> ModelConfig:
    values: dict = dict(dim=HIDDEN, max_item_tokens=16, max_history=5, trainable_layers=1,
                        shopper_layers=1, shopper_heads=2)
    values.update(overrides)
    return ModelConfig(**values)


def texts(seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """Three texts of 10, 6 and 3 tokens, right-padded to 10: ``(3, 10)`` ids and mask."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, VOCAB, (3, 10), generator=generator)
    mask = torch.ones(3, 10, dtype=torch.long)
    mask[1, 6:] = 0
    mask[2, 3:] = 0
    ids[mask == 0] = 0
    return ids, mask


def reference_embedding(bert: BertModel, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Plain BertModel forward, mean pooling over the mask, L2 norm."""
    with torch.no_grad():
        hidden = bert(input_ids=ids, attention_mask=mask).last_hidden_state
    weights = mask.unsqueeze(-1).float()
    return F.normalize((hidden * weights).sum(1) / weights.sum(1), dim=-1)


# --- TextEncoder -----------------------------------------------------------------------------


def test_mean_pool_averages_only_masked_tokens() -> None:
    hidden = torch.tensor([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]])
    mask = torch.tensor([[1, 1, 0]])
    assert torch.equal(mean_pool(hidden, mask), torch.tensor([[2.0, 3.0]]))


def test_text_encoder_gives_unit_vectors_of_shape_batch_dim() -> None:
    encoder = TextEncoder(tiny_bert(), trainable_layers=1).eval()
    ids, mask = texts()
    out = encoder(ids, mask)
    assert out.shape == (3, HIDDEN)
    assert torch.allclose(out.norm(dim=-1), torch.ones(3), atol=1e-6)


@pytest.mark.parametrize("trainable_layers", [0, 1, 2])
def test_prefix_then_suffix_equals_full_bert_forward_with_mean_pooling(trainable_layers: int) -> None:
    bert = tiny_bert()
    encoder = TextEncoder(bert, trainable_layers).eval()
    ids, mask = texts()
    with torch.no_grad():
        split = encoder.suffix(encoder.prefix(ids, mask), mask)
    assert torch.allclose(split, reference_embedding(bert, ids, mask), atol=1e-5)


def test_padding_does_not_change_a_texts_embedding() -> None:
    encoder = TextEncoder(tiny_bert(), trainable_layers=1).eval()
    ids, mask = texts()
    with torch.no_grad():
        padded = encoder(ids, mask)  # rows 1 and 2 carry 4 and 7 padding tokens
        alone_1 = encoder(ids[1:2, :6], mask[1:2, :6])
        alone_2 = encoder(ids[2:3, :3], mask[2:3, :3])
        # the padding ids themselves must not matter either
        noisy = ids.clone()
        noisy[mask == 0] = 77
        renoised = encoder(noisy, mask)
    assert torch.allclose(padded[1], alone_1[0], atol=1e-5)
    assert torch.allclose(padded[2], alone_2[0], atol=1e-5)
    assert torch.allclose(padded, renoised, atol=1e-5)


@pytest.mark.parametrize("trainable_layers", [0, 1, 2])
def test_only_the_top_k_layers_are_trainable(trainable_layers: int) -> None:
    encoder = TextEncoder(tiny_bert(), trainable_layers)
    assert encoder.num_frozen == 2 - trainable_layers
    assert not any(p.requires_grad for p in encoder.bert.embeddings.parameters())
    for index, layer in enumerate(encoder.layers):
        flags = {p.requires_grad for p in layer.parameters()}
        assert flags == {index >= 2 - trainable_layers}, index


def test_gradient_reaches_the_trained_layer_and_not_the_frozen_one() -> None:
    encoder = TextEncoder(tiny_bert(), trainable_layers=1).train()
    ids, mask = texts()
    encoder(ids, mask)[:, 0].sum().backward()
    assert all(p.grad is None for p in encoder.layers[0].parameters())
    assert all(p.grad is None for p in encoder.bert.embeddings.parameters())
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in encoder.layers[1].parameters())


@pytest.mark.parametrize("trainable_layers", [-1, 3])
def test_trainable_layers_outside_the_model_are_refused(trainable_layers: int) -> None:
    with pytest.raises(ValueError, match=r"0\.\.2"):
        TextEncoder(tiny_bert(), trainable_layers)


def test_two_tower_item_and_query_text_share_the_encoder_and_temperature_starts_at_init() -> None:
    model = TwoTowerRecommender(tiny_bert(), tiny_config(temperature_init=0.05)).eval()
    ids, mask = texts()
    with torch.no_grad():
        assert torch.equal(model.encode_item(ids, mask), model.encode_text(ids, mask))
    assert model.temperature.item() == pytest.approx(0.05, rel=1e-6)
    with torch.no_grad():
        model.log_temperature.fill_(10.0)
    assert model.temperature.item() == 1.0
    with torch.no_grad():
        model.log_temperature.fill_(-10.0)
    assert model.temperature.item() == pytest.approx(0.01)


# --- ShopperTower ----------------------------------------------------------------------------


def unit(*rows: list[float]) -> torch.Tensor:
    return F.normalize(torch.tensor(rows, dtype=torch.float32), dim=-1)


def tower(gate: float = 0.0, dim: int = 4, decay: float = 0.5) -> ShopperTower:
    torch.manual_seed(3)
    module = ShopperTower(tiny_config(dim=dim, recency_decay=decay)).eval()
    with torch.no_grad():
        module.gate.fill_(gate)
    return module


def test_untrained_shopper_tower_is_the_normalised_recency_weighted_mean() -> None:
    module = tower(decay=0.5)
    items = torch.eye(4)[:3]  # oldest, middle, most recent
    history = items[None]  # (1, 3, 4)
    mask = torch.ones(1, 3, dtype=torch.bool)
    # weights 0.25, 0.5, 1 (most recent last) over 1.75
    expected_profile = torch.tensor([[0.25, 0.5, 1.0, 0.0]]) / 1.75
    assert torch.allclose(module.profile(history, mask), expected_profile, atol=1e-6)
    with torch.no_grad():
        out = module(history, mask)
    assert torch.allclose(out, F.normalize(expected_profile, dim=-1), atol=1e-6)
    assert module.gate.item() == 0.0 and ShopperTower(tiny_config(dim=4)).gate.item() == 0.0


def test_the_gate_opens_the_transformer_correction() -> None:
    history = torch.eye(4)[None, :3]
    mask = torch.ones(1, 3, dtype=torch.bool)
    with torch.no_grad():
        closed = tower(gate=0.0)(history, mask)
        opened = tower(gate=1.0)(history, mask)
    assert not torch.allclose(closed, opened, atol=1e-3)
    assert torch.allclose(opened.norm(dim=-1), torch.ones(1), atol=1e-6)


@pytest.mark.parametrize("gate", [0.0, 0.7])
def test_left_padding_of_a_right_aligned_history_changes_nothing(gate: float) -> None:
    module = tower(gate=gate)
    items = unit([1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1])  # (3, 4)
    short = items[None]  # (1, 3, 4)
    padded = torch.cat([torch.randn(1, 2, 4), short], dim=1)  # two padding slots on the left
    mask_short = torch.ones(1, 3, dtype=torch.bool)
    mask_padded = torch.tensor([[False, False, True, True, True]])
    with torch.no_grad():
        a = module(short, mask_short)
        b = module(padded, mask_padded)
    assert torch.allclose(a, b, atol=1e-5)


def test_batched_histories_of_different_lengths_match_one_at_a_time() -> None:
    module = tower(gate=0.7)
    vectors = unit([1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 1, 1, 1])
    histories = [[0, 1, 2], [3], [4, 0]]
    index, mask = history_tensor(histories, max_history=5)
    with torch.no_grad():
        batched = module(vectors[index], mask)
        for row, items in enumerate(histories):
            one = module(vectors[torch.tensor([items])], torch.ones(1, len(items), dtype=torch.bool))
            assert torch.allclose(batched[row], one[0], atol=1e-5), row


def test_shopper_with_no_history_but_a_query_gets_the_query_direction() -> None:
    module = tower()
    query = torch.tensor([[3.0, 0.0, 4.0, 0.0]])
    history = torch.zeros(1, 2, 4)
    mask = torch.zeros(1, 2, dtype=torch.bool)
    with torch.no_grad():
        out = module(history, mask, query, torch.tensor([True]))
    assert torch.allclose(out, torch.tensor([[0.6, 0.0, 0.8, 0.0]]), atol=1e-6)


def test_query_with_history_nudges_the_profile() -> None:
    module = tower(decay=0.5)
    history = torch.eye(4)[None, :2]  # weights 0.5, 1 → profile (1/3, 2/3, 0, 0)
    mask = torch.ones(1, 2, dtype=torch.bool)
    query = torch.tensor([[0.0, 0.0, 0.0, 1.0]])
    with torch.no_grad():
        out = module(history, mask, query, torch.tensor([True]))
    expected = F.normalize(torch.tensor([[1 / 3, 2 / 3, 0.0, 1.0]]), dim=-1)
    assert torch.allclose(out, expected, atol=1e-6)


def test_masked_off_query_is_ignored_for_a_shopper_with_history() -> None:
    module = tower(gate=0.7)
    history = torch.eye(4)[None, :2]
    mask = torch.ones(1, 2, dtype=torch.bool)
    with torch.no_grad():
        without = module(history, mask)
        masked = module(history, mask, torch.tensor([[0.0, 0.0, 5.0, 5.0]]), torch.tensor([False]))
    assert torch.allclose(without, masked, atol=1e-5)


def test_masked_off_query_is_ignored_for_a_shopper_without_history() -> None:
    module = tower()
    history = torch.zeros(1, 2, 4)
    mask = torch.zeros(1, 2, dtype=torch.bool)
    with torch.no_grad():
        without = module(history, mask)
        masked = module(history, mask, torch.tensor([[0.0, 0.0, 5.0, 5.0]]), torch.tensor([False]))
    assert torch.allclose(without, masked, atol=1e-5)


@pytest.mark.parametrize("gate", [0.0, 0.7])
def test_shopper_with_nothing_yet_gets_a_finite_vector(gate: float) -> None:
    module = tower(gate=gate)
    with torch.no_grad():
        out = module(torch.zeros(2, 1, 4), torch.zeros(2, 1, dtype=torch.bool))
    assert out.shape == (2, 4)
    assert torch.isfinite(out).all()


# --- batching helpers ------------------------------------------------------------------------


def test_history_tensor_right_aligns_and_keeps_the_most_recent_items() -> None:
    index, mask = history_tensor([[1, 2, 3, 4], [7], []], max_history=3)
    assert index.tolist() == [[2, 3, 4], [0, 0, 7], [0, 0, 0]]
    assert mask.tolist() == [[True, True, True], [False, False, True], [False, False, False]]
    index, mask = history_tensor([], max_history=3)
    assert index.shape == (0, 1)


def test_shopper_vectors_use_only_the_last_max_history_items() -> None:
    model = TwoTowerRecommender(tiny_bert(), tiny_config(max_history=2)).eval()
    vectors = F.normalize(torch.randn(6, HIDDEN, generator=torch.Generator().manual_seed(5)), dim=-1)
    long = shopper_vectors(model, vectors, [[5, 0, 1, 2]])
    recent = shopper_vectors(model, vectors, [[1, 2]])
    assert torch.allclose(long, recent, atol=1e-6)
    expected = F.normalize(0.7 * vectors[1] + vectors[2], dim=-1)
    assert torch.allclose(long[0], expected, atol=1e-5)


# --- propensity candidates -------------------------------------------------------------------


def small_model() -> TwoTowerRecommender:
    return TwoTowerRecommender(tiny_bert(), tiny_config()).eval()


def test_candidate_set_labels_the_target_among_the_top_items() -> None:
    vectors = F.normalize(torch.randn(60, HIDDEN, generator=torch.Generator().manual_seed(2)), dim=-1)
    examples = [Example("u", (1, 2), 3), Example("v", (4,), 5)]
    data = candidate_set(small_model(), vectors, examples, torch.zeros(60), top=10)
    assert data.features.shape == (20, PropensityHead.NUM_FEATURES)
    assert torch.isfinite(data.features).all()
    # the history items are never candidates: their cosine would be -inf
    assert data.labels.sum().item() <= 2
    ranks = torch.expm1(data.features[:, 1]).round()
    assert ranks.tolist() == [float(r) for r in list(range(10)) * 2]


def test_candidate_set_on_a_catalog_smaller_than_the_candidate_count() -> None:
    vectors = F.normalize(torch.randn(10, HIDDEN, generator=torch.Generator().manual_seed(2)), dim=-1)
    data = candidate_set(small_model(), vectors, [Example("u", (1, 2), 3)], torch.zeros(10))
    assert data.labels.sum().item() == 1.0


def test_candidate_features_stay_finite_when_history_leaves_fewer_than_top_items() -> None:
    vectors = F.normalize(torch.randn(51, HIDDEN, generator=torch.Generator().manual_seed(2)), dim=-1)
    data = candidate_set(small_model(), vectors, [Example("u", (1, 2), 3)], torch.zeros(51))
    assert torch.isfinite(data.features).all()
