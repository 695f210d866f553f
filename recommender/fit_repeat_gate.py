"""Fit a model's repeat/new gate on VALID and record it in the model folder:
``python -m recommender.fit_repeat_gate --model DIR --dataset DIR``.

Reads the train and valid splits only (test is never opened): measures how often the next item
is one already in the history, scores every item for each valid example with the model, fits the
gate (``recommender.calibration``), keeps it or "history items last", whichever has the better
valid NDCG@10 with the history kept, and writes it to ``DIR/config.json`` (``repeat_gate``), from
where evaluation and serving read it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import torch

from recommender.calibration import choose_repeat_gate
from recommender.data import Example, load_dataset
from recommender.encoding import encode_texts, tokenise
from recommender.io import load_model, write_repeat_gate
from recommender.scoring import model_scorer


def repeat_rate(examples: Sequence[Example]) -> float:
    """Share of examples whose next item is already in their history."""
    return sum(e.target in e.history for e in examples) / max(len(examples), 1)


def fit_gate(model_dir: Path, dataset_dir: Path, device: str = "cpu",
             progress: bool = True, write: bool = True) -> dict:
    """Fit, choose and (with ``write``) record the gate; returns the record."""
    loaded = load_model(model_dir, device=device)
    model = loaded.model.eval()
    dataset = load_dataset(dataset_dir)
    texts = tokenise(loaded.tokenizer, dataset.item_texts, model.config.max_item_tokens)
    vectors = encode_texts(model, texts, device, progress=progress)
    valid = dataset.splits["valid"]
    score = model_scorer(model, vectors)
    scores = torch.cat([score(valid[i:i + 512]).float().cpu() for i in range(0, len(valid), 512)])
    temperature = float(model.temperature.detach())
    gate, measured = choose_repeat_gate(scores, valid, temperature)
    record = {
        "weights": gate.to_dict(),
        "fitted_on": f"{dataset.name} valid ({len(valid)} examples)",
        "temperature": temperature,
        "valid_ndcg@10_history_kept": measured,
        "repeat_rate": {split: repeat_rate(dataset.splits[split]) for split in ("train", "valid")},
    }
    if write:
        write_repeat_gate(model_dir, record)
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dry-run", action="store_true", help="print the gate, write nothing")
    args = parser.parse_args(argv)
    record = fit_gate(args.model, args.dataset, args.device, write=not args.dry_run)
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
