"""Weight-space interpolation toward the base encoder (WiSE-FT, Wortsman et al., CVPR 2022).

``θ(α) = (1 − α) · θ_base + α · θ_trained`` for the BERT weights, one model with no serving
cost. The shopper tower's base is the untrained tower, whose correction gate is 0 (it then
*is* the zero-shot recency-weighted mean), so its gate is scaled by ``α`` and its other weights,
which act only through the gate, are kept. At ``α = 0`` the model scores exactly like zero-shot
MiniLM, at ``α = 1`` like the trained model. The temperature and the propensity head are kept.

``python -m recommender.interpolation --model DIR --alpha A --out DIR`` writes the interpolated
model as a new self-describing folder (its weights are materialised, so the item index's
fingerprint, a hash of the weights file, changes with ``α``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

import torch

from recommender.factory import weights_fingerprint
from recommender.io import base_model_dir, load_base, load_model, save_model

GATE = "shopper.gate"


def interpolated_state(trained: Mapping[str, torch.Tensor], base_bert: Mapping[str, torch.Tensor],
                       alpha: float) -> dict[str, torch.Tensor]:
    """A two-tower state dict moved toward the base encoder.

    Args:
        trained: the trained model's ``state_dict()`` (keys ``text.bert.*``, ``shopper.*`` …).
        base_bert: the base BERT's ``state_dict()`` (keys without the ``text.bert.`` prefix).
        alpha: 0 gives the base encoder and a closed shopper gate, 1 the trained model.

    Returns:
        A new state dict with the same keys as ``trained``.
    """
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    state: dict[str, torch.Tensor] = {}
    for name, tensor in trained.items():
        if name.startswith("text.bert."):
            base = base_bert.get(name.removeprefix("text.bert."))
            if base is None or base.shape != tensor.shape:
                raise ValueError(f"{name}: no base tensor of shape {tuple(tensor.shape)}")
            if tensor.is_floating_point():
                mixed = (1.0 - alpha) * base.to(tensor) + alpha * tensor
                state[name] = mixed.to(tensor.dtype)
            else:
                state[name] = tensor.clone()  # position ids and other index buffers
        elif name == GATE:
            state[name] = alpha * tensor
        else:
            state[name] = tensor.clone()
    return state


def write_interpolated(model_dir: Path, alpha: float, out: Path, note: str = "",
                       base_dir: Path | None = None) -> Path:
    """Save the model of ``model_dir`` interpolated at ``alpha`` as a new folder ``out``.

    Every BERT layer is saved (they all move toward the base); ``config.json`` keeps the source
    folder's training record and metrics and adds ``interpolation`` (alpha, the source weights'
    sha256, the note). A repeat/new gate is not carried over: it was fitted on the source
    model's scores; refit it with ``recommender.fit_repeat_gate``.
    """
    base = base_model_dir(base_dir)
    loaded = load_model(model_dir, base)
    bert, _ = load_base(base)
    state = interpolated_state(loaded.model.state_dict(), bert.state_dict(), alpha)
    loaded.model.load_state_dict(state)
    loaded.model.text.num_frozen = 0  # save every layer: all of them moved
    extra = {key: value for key, value in loaded.meta.items()
             if key not in {"format", "base_model", "model", "repeat_gate", "interpolation"}}
    previous = loaded.meta.get("interpolation")
    extra["interpolation"] = {
        "method": "WiSE-FT: (1 - alpha) * base + alpha * trained (BERT); shopper gate * alpha",
        "alpha": alpha,
        "source": str(model_dir),
        "source_weights_sha256": weights_fingerprint(Path(model_dir)),
        **({"source_interpolation": previous} if previous else {}),
        **({"note": note} if note else {}),
    }
    config = loaded.model.config
    config.trainable_layers = len(loaded.model.text.layers)
    return save_model(out, loaded.model, loaded.tokenizer, loaded.propensity, base, extra=extra)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="trained model folder")
    parser.add_argument("--alpha", type=float, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--note", default="")
    args = parser.parse_args(argv)
    if args.out.resolve() == args.model.resolve():
        parser.error("--out must be another folder than --model")
    folder = write_interpolated(args.model, args.alpha, args.out, args.note)
    print(json.dumps({"wrote": str(folder), "alpha": args.alpha}))


if __name__ == "__main__":
    main()
