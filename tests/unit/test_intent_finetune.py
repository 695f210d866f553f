"""Fine-tuning the real MiniLM as an intent classifier and running its ONNX export."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bot.components.intent_encoder_onnx import (
    CONFIG_FILE,
    IntentEncoderNotTrained,
    IntentEncoderOnnx,
)
from bot.components.intent_finetune import FinetuneConfig, finetune
from knowledge.embedding import minilm_path

TEXTS = ["hi there", "hello", "hey, good morning", "good evening to you",
         "where is my parcel", "has my order shipped yet", "track order 000000042",
         "when will my package arrive",
         "what's in my basket", "show me my cart", "view cart please", "how much is in my bag"]
INTENTS = ["greet"] * 4 + ["order_status"] * 4 + ["view_cart"] * 4


@pytest.fixture(scope="module")
def encoder_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("intents") / "encoder"
    config = FinetuneConfig(epochs=12, batch_size=4, learning_rate=2e-4, warmup_fraction=0.05)
    return finetune(TEXTS, INTENTS, out, minilm_path(), config)


def test_fine_tuned_model_learns_its_training_intents(encoder_folder: Path) -> None:
    encoder = IntentEncoderOnnx(encoder_folder)
    assert encoder.classes == ["greet", "order_status", "view_cart"]
    probabilities = encoder.predict_proba(TEXTS)
    assert probabilities.shape == (len(TEXTS), 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    predicted = [encoder.classes[i] for i in probabilities.argmax(axis=1)]
    assert predicted == INTENTS


def test_unseen_phrasings_follow_the_meaning(encoder_folder: Path) -> None:
    encoder = IntentEncoderOnnx(encoder_folder)
    probabilities = encoder.predict_proba(["hiya", "is my delivery on its way",
                                           "open my shopping cart"])
    assert [encoder.classes[i] for i in probabilities.argmax(axis=1)] == [
        "greet", "order_status", "view_cart"]


def test_padding_in_a_batch_does_not_change_a_message(encoder_folder: Path) -> None:
    encoder = IntentEncoderOnnx(encoder_folder)
    alone = encoder.predict_proba(["hello"])
    padded = encoder.predict_proba(["hello", "i ordered a jacket two weeks ago and it still "
                                    "has not arrived, can you tell me where it is"], batch_size=8)
    np.testing.assert_allclose(padded[0], alone[0], atol=1e-5)


def test_the_folder_says_what_it_was_trained_on(encoder_folder: Path) -> None:
    config = json.loads((encoder_folder / CONFIG_FILE).read_text())
    assert config["examples"] == len(TEXTS)
    assert config["training"]["epochs"] == 12
    assert config["classes"] == ["greet", "order_status", "view_cart"]


def test_a_missing_or_partial_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(IntentEncoderNotTrained, match="lacks"):
        IntentEncoderOnnx(tmp_path)


def test_refuses_data_it_cannot_learn_from(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="two intents"):
        finetune(["hi", "hello"], ["greet", "greet"], tmp_path / "x", minilm_path())
    with pytest.raises(ValueError, match="texts but"):
        finetune(["hi"], ["greet", "bye"], tmp_path / "x", minilm_path())
    assert not (tmp_path / "x").exists()


def test_training_path_through_frozen_layers_equals_the_exported_forward() -> None:
    import torch
    from transformers import AutoModel, AutoTokenizer

    from bot.components.intent_finetune import _build_classifier

    tokenizer = AutoTokenizer.from_pretrained(str(minilm_path()))
    model = _build_classifier(AutoModel.from_pretrained(str(minilm_path()),
                                                        attn_implementation="eager"), 3, 2).eval()
    encoded = tokenizer(["hello", "where is my parcel from last week"], padding=True,
                        return_tensors="pt")
    with torch.no_grad():
        whole = model(encoded["input_ids"], encoded["attention_mask"], encoded["token_type_ids"])
        split = model.trained_part(*model.frozen_part(encoded))
    torch.testing.assert_close(split, whole, atol=1e-5, rtol=1e-4)
    trained = {name for name, p in model.named_parameters() if p.requires_grad}
    assert not any(name.startswith(("bert.embeddings", "bert.encoder.layer.0.",
                                    "bert.encoder.layer.1.")) for name in trained)
    assert any(name.startswith("bert.encoder.layer.2.") for name in trained)
    assert {"head.weight", "head.bias"} <= trained
