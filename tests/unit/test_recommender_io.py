"""Saving and loading a model folder, on a tiny BERT written to a temporary base folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import BertConfig, BertModel, BertTokenizerFast

from recommender.encoding import encode_texts, shopper_vectors, tokenise
from recommender.io import (
    FORMAT,
    ModelFolderError,
    base_fingerprint,
    load_model,
    new_model,
    save_model,
    write_repeat_gate,
)
from recommender.model import ModelConfig, PropensityHead

WORDS = ["acme", "red", "blue", "widget", "valve", "copper", "gloves", "nitrile", "box", "of",
         "100", "steel", "part", "1", "2", "3", ".", ",", "industrial", "scientific", "&"]
TEXTS = ["Acme red widget part 1. Industrial & Scientific.", "Copper valve, steel.",
         "Nitrile gloves box of 100", "blue widget part 3"]


def write_base(folder: Path, seed: int) -> Path:
    """A 2-layer BERT with hidden size 32 and a word-level vocabulary, saved like MiniLM."""
    folder.mkdir(parents=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    BertModel(config, add_pooling_layer=False).save_pretrained(str(folder))
    assert (folder / "model.safetensors").is_file()
    return folder


def model_config() -> ModelConfig:
    return ModelConfig(dim=32, max_item_tokens=12, max_history=4, trainable_layers=1,
                       shopper_layers=1, shopper_heads=2)


def embeddings(model, tokenizer) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[no-untyped-def]
    items = encode_texts(model.eval(), tokenise(tokenizer, TEXTS, model.config.max_item_tokens), "cpu")
    shoppers = shopper_vectors(model, items, [[0, 1], [2], [3, 0, 1]])
    return items, shoppers


@pytest.fixture()
def trained(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A model whose trained parts differ from a fresh one, saved; with its base folder."""
    base = write_base(tmp_path / "base", seed=0)
    model, tokenizer, base_dir = new_model(model_config(), base_dir=base)
    assert base_dir == base
    generator = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.requires_grad:
                param.add_(0.05 * torch.randn(param.shape, generator=generator))
                if name.startswith("text.bert."):  # saved as float16: round now, compare exactly
                    param.copy_(param.half().float())
        model.shopper.gate.fill_(0.4)
        model.log_temperature.fill_(-2.5)
    head = PropensityHead()
    with torch.no_grad():
        head.linear.weight.copy_(torch.tensor([[1.5, -0.5, 0.25, 0.1]]))
        head.linear.bias.fill_(-3.0)
    folder = save_model(tmp_path / "model", model, tokenizer, head, base,
                        extra={"metrics": {"note": "tiny"}})
    return model, tokenizer, head, base, folder


def test_saved_folder_describes_itself(trained) -> None:  # type: ignore[no-untyped-def]
    model, _, _, base, folder = trained
    config = json.loads((folder / "config.json").read_text())
    assert config["format"] == FORMAT
    assert config["base_model"]["sha256_fp16"] == base_fingerprint(base)
    assert config["model"] == model_config().to_dict()
    assert config["metrics"] == {"note": "tiny"}
    assert (folder / "tokenizer" / "tokenizer.json").is_file()


def test_weights_hold_only_what_training_changed(trained) -> None:  # type: ignore[no-untyped-def]
    _, _, _, _, folder = trained
    state = load_file(str(folder / "weights.safetensors"))
    bert = sorted(k for k in state if k.startswith("text.bert."))
    assert bert and all(k.startswith("text.bert.encoder.layer.1.") for k in bert)
    assert all(state[k].dtype == torch.float16 for k in bert)
    assert state["shopper.gate"].dtype == torch.float32
    assert {"log_temperature", "propensity.linear.weight", "propensity.linear.bias"} <= set(state)


def test_reload_gives_identical_embeddings(trained) -> None:  # type: ignore[no-untyped-def]
    model, tokenizer, head, base, folder = trained
    before_items, before_shoppers = embeddings(model, tokenizer)
    loaded = load_model(folder, base_dir=base)
    after_items, after_shoppers = embeddings(loaded.model, loaded.tokenizer)
    assert torch.allclose(before_items, after_items, atol=1e-6)
    assert torch.allclose(before_shoppers, after_shoppers, atol=1e-6)
    assert loaded.model.shopper.gate.item() == pytest.approx(0.4)
    assert loaded.model.temperature.item() == pytest.approx(model.temperature.item())
    assert torch.equal(loaded.propensity.linear.weight, head.linear.weight)
    assert loaded.propensity.linear.bias.item() == -3.0
    assert loaded.meta["metrics"] == {"note": "tiny"}
    assert not loaded.model.training
    # the reloaded tokenizer tokenises exactly like the base one
    assert loaded.tokenizer(TEXTS)["input_ids"] == tokenizer(TEXTS)["input_ids"]


def test_reload_really_replaces_the_trained_layer(trained) -> None:  # type: ignore[no-untyped-def]
    model, tokenizer, _, base, _ = trained
    fresh, _, _ = new_model(model_config(), base_dir=base)
    assert not torch.allclose(embeddings(fresh, tokenizer)[0], embeddings(model, tokenizer)[0],
                              atol=1e-3)


def test_a_different_base_folder_is_refused(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, _, _, folder = trained
    other = write_base(tmp_path / "other-base", seed=1)
    with pytest.raises(ModelFolderError, match="was trained on base weights"):
        load_model(folder, base_dir=other)


def test_folders_that_are_not_models_are_refused(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, _, base, folder = trained
    with pytest.raises(ModelFolderError, match="no config.json"):
        load_model(tmp_path / "nothing", base_dir=base)
    config = json.loads((folder / "config.json").read_text())
    config["format"] = "something-else/9"
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="format 'something-else/9'"):
        load_model(folder, base_dir=base)


def test_a_weights_file_without_the_trained_layers_is_refused(trained) -> None:  # type: ignore[no-untyped-def]
    from safetensors.torch import save_file

    _, _, _, base, folder = trained
    state = load_file(str(folder / "weights.safetensors"))
    save_file({k: v for k, v in state.items() if not k.startswith("text.bert.")},
              str(folder / "weights.safetensors"))
    with pytest.raises(ModelFolderError, match="missing tensors"):
        load_model(folder, base_dir=base)


def test_a_recorded_repeat_gate_is_loaded_with_the_model(trained) -> None:  # type: ignore[no-untyped-def]
    *_, base, folder = trained
    assert load_model(folder, base).repeat_gate is None
    record = {"weights": {"scale": 0.8, "offset": -0.3, "last": 0.1, "recency": 0.0,
                          "repeats": 0.2}, "fitted_on": "tiny valid"}
    write_repeat_gate(folder, record)
    gate = load_model(folder, base).repeat_gate
    assert gate is not None and gate.to_dict() == record["weights"]
    config = json.loads((folder / "config.json").read_text())
    assert config["repeat_gate"]["fitted_on"] == "tiny valid"
    assert config["metrics"] == {"note": "tiny"}  # the rest of the folder's record is kept
    with pytest.raises(ValueError, match="unknown weights"):
        write_repeat_gate(folder, {"weights": {"bias": 1.0}})
    assert load_model(folder, base).repeat_gate == gate
