"""The purchase-propensity head: fitted on the valid split, reported on held-out data.

Propensity answers: given this shopper's context and an item shown to them among their top
``CANDIDATES`` recommendations, what is the probability that their next interaction is that item?
It is fitted by logistic regression on the two-tower cosine, the candidate's rank, the item's
log-popularity and the history length (``PropensityHead``), on one split's candidates (history
excluded). It is reported (AUC, ECE over ``ECE_BINS`` equal-width bins) on a split's candidates
under each history protocol: ``excluded`` (history items are never shown), ``kept`` (every item
is a candidate, ranked by the raw two-tower score: what ``Recommender.propensity`` computes when
serving) and ``kept`` with the repeat/new gate (the ranking the evaluator scores under "kept").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from recommender.calibration import RepeatGate, apply_gate
from recommender.data import Example
from recommender.encoding import shopper_vectors
from recommender.metrics import expected_calibration_error, roc_auc
from recommender.model import PropensityHead, TwoTowerRecommender

CANDIDATES = 50
ECE_BINS = 10


@dataclass
class CandidateSet:
    """Features ``(n, 4)`` and 0/1 labels ``(n,)`` of (shopper, shown item) pairs."""

    features: torch.Tensor
    labels: torch.Tensor


@torch.no_grad()
def candidate_set(model: TwoTowerRecommender, item_vectors: torch.Tensor,
                  examples: Sequence[Example], log_popularity: torch.Tensor,
                  top: int = CANDIDATES, batch_size: int = 512, history: str = "excluded",
                  gate: RepeatGate | None = None) -> CandidateSet:
    """Each shopper's top ``top`` items, labelled 1 for their next item.

    Args:
        history: ``excluded``, the shopper's history items are never candidates; ``kept``, every
            item is (see ``recommender.scoring.HISTORY_PROTOCOLS``).
        gate: under ``kept``, re-score the history items with this repeat/new gate before
            ranking; their cosine feature is then the gated score (None: raw scores).
    """
    if history not in ("excluded", "kept"):
        raise ValueError(f"history must be 'excluded' or 'kept', got {history!r}")
    features, labels = [], []
    log_popularity = log_popularity.to(item_vectors.device)
    for start in range(0, len(examples), batch_size):
        chunk = examples[start:start + batch_size]
        shoppers = shopper_vectors(model, item_vectors, [e.history for e in chunk])
        scores = shoppers @ item_vectors.T  # (batch, items)
        if history == "kept" and gate is not None:
            scores = apply_gate(scores, [e.history for e in chunk], gate)
        for row, example in enumerate(chunk):
            if example.history and history == "excluded":
                scores[row, torch.tensor(example.history, device=scores.device)] = float("-inf")
        width = min(top, scores.shape[1])
        top_scores, top_items = scores.topk(width, dim=1)  # (batch, width)
        targets = torch.tensor([e.target for e in chunk], device=scores.device)
        rank = torch.arange(width, device=scores.device).expand_as(top_items)
        length = torch.tensor([len(e.history) for e in chunk], device=scores.device)
        shown = torch.isfinite(top_scores)  # history items (scored -inf) are never shown
        features.append(PropensityHead.features(
            top_scores[shown], rank[shown], log_popularity[top_items[shown]],
            length[:, None].expand_as(top_items)[shown],
        ).cpu())
        labels.append((top_items == targets[:, None])[shown].float().cpu())
    return CandidateSet(torch.cat(features), torch.cat(labels))


def fit_propensity(head: PropensityHead, data: CandidateSet, steps: int = 200) -> PropensityHead:
    """Maximum-likelihood logistic fit (L-BFGS) of ``head`` on ``data``."""
    head = head.cpu().train()
    mean, std = data.features.mean(0), data.features.std(0).clamp(min=1e-6)
    x = (data.features - mean) / std
    optimiser = torch.optim.LBFGS(head.parameters(), lr=0.5, max_iter=steps)

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        loss = F.binary_cross_entropy_with_logits(head.linear(x).squeeze(-1), data.labels)
        loss.backward()
        return loss

    optimiser.step(closure)
    # Fold the standardisation into the weights so the head takes raw features.
    with torch.no_grad():
        weight = head.linear.weight / std[None, :]
        head.linear.bias -= (weight * mean[None, :]).sum()
        head.linear.weight.copy_(weight)
    return head.eval()


def propensity_metrics(head: PropensityHead, data: CandidateSet) -> dict[str, float]:
    """AUC, expected calibration error (``ECE_BINS`` bins), mean predicted vs observed rate."""
    with torch.no_grad():
        probs = head.cpu()(data.features).numpy()
    labels = data.labels.numpy()
    return {
        "auc": roc_auc(labels, probs),
        "ece": expected_calibration_error(labels, probs, bins=ECE_BINS),
        "ece_bins": ECE_BINS,
        "mean_predicted": float(np.mean(probs)),
        "observed_rate": float(np.mean(labels)),
        "pairs": int(labels.size),
    }


def refit(model_dir: Path, dataset_dir: Path, device: str = "cpu") -> dict[str, float]:
    """Refit a saved model's propensity head on the dataset's valid split and save it back."""
    import json

    from safetensors.torch import load_file, save_file

    from recommender.data import load_dataset
    from recommender.encoding import encode_texts, tokenise
    from recommender.io import load_model

    loaded = load_model(model_dir, device=device)
    dataset = load_dataset(dataset_dir)
    texts = tokenise(loaded.tokenizer, dataset.item_texts, loaded.model.config.max_item_tokens)
    vectors = encode_texts(loaded.model, texts, device, progress=True)
    counts = torch.tensor(dataset.item_counts("train"), dtype=torch.float32)
    valid = candidate_set(loaded.model, vectors, dataset.splits["valid"], torch.log1p(counts))
    head = fit_propensity(PropensityHead(), valid)
    weights = Path(model_dir) / "weights.safetensors"
    state = load_file(str(weights))
    state.update({f"propensity.{k}": v.float().contiguous() for k, v in head.state_dict().items()})
    save_file(state, str(weights))
    metrics = propensity_metrics(head, valid)
    config_path = Path(model_dir) / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config.setdefault("metrics", {})["propensity_valid"] = metrics
    config_path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return metrics


def main(argv: list[str] | None = None) -> None:
    """``python -m recommender.propensity --model DIR --dataset DIR``: refit the head on valid."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    print(refit(args.model, args.dataset, args.device))


if __name__ == "__main__":
    main()
