"""Evaluate a model and the baselines: ``python -m recommender.evaluate --model DIR --dataset DIR``.

Full ranking over all items, the shopper's history items excluded, leave-one-out. Items are
encoded from text only, so any dataset in the atomic format can be scored (zero-shot transfer
when the model never saw it). Prints and writes JSON: Recall@10/20, NDCG@10/20, MRR for the
model and each baseline, and the propensity head's AUC / ECE on the split.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from recommender.baselines import item_knn_scorer, popularity_scorer
from recommender.data import InteractionDataset, load_dataset
from recommender.encoding import encode_texts, tokenise
from recommender.io import LoadedModel, load_model, new_model
from recommender.metrics import ranking_metrics
from recommender.model import ModelConfig
from recommender.propensity import candidate_set, propensity_metrics
from recommender.scoring import model_scorer, rank_examples


def _device(name: str | None) -> torch.device:
    return torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))


def score_model(loaded: LoadedModel, dataset: InteractionDataset, split: str,
                device: torch.device, progress: bool = True) -> dict:
    """Ranking metrics of a model on a split, plus its propensity head's AUC / ECE."""
    model = loaded.model.to(device).eval()
    texts = tokenise(loaded.tokenizer, dataset.item_texts, model.config.max_item_tokens)
    started = time.perf_counter()
    vectors = encode_texts(model, texts, device, progress=progress)
    encode_seconds = time.perf_counter() - started
    examples = dataset.splits[split]
    metrics = ranking_metrics(rank_examples(model_scorer(model, vectors), examples,
                                            progress=progress, desc=f"ranking {split}"))
    metrics["items_per_second"] = round(dataset.num_items / max(encode_seconds, 1e-9), 1)
    counts = torch.tensor(dataset.item_counts("train"), dtype=torch.float32)
    candidates = candidate_set(model, vectors, examples, torch.log1p(counts))
    metrics["propensity"] = propensity_metrics(loaded.propensity, candidates)
    return metrics


def evaluate(model_dir: Path | None, dataset_dir: Path, split: str = "test",
             baselines: bool = True, device: str | None = None,
             base_dir: Path | None = None, progress: bool = True) -> dict:
    """Scores of the model (when given) and of the baselines; see the module docstring."""
    torch.manual_seed(0)
    dev = _device(device)
    dataset = load_dataset(dataset_dir)
    if split not in dataset.splits:
        raise SystemExit(f"{dataset_dir}: no {split} split")
    report: dict = {"dataset": dataset.name, "split": split, "items": dataset.num_items,
                    "protocol": "leave-one-out, full ranking over all items, history excluded"}
    if model_dir is not None:
        loaded = load_model(model_dir, base_dir, device=str(dev))
        trained_on = loaded.meta.get("training", {}).get("dataset_name")
        report["model"] = {"path": str(model_dir), "trained_on": trained_on,
                           "zero_shot_transfer": trained_on != dataset.name,
                           **score_model(loaded, dataset, split, dev, progress)}
    if baselines:
        examples = dataset.splits[split]
        report["popularity"] = ranking_metrics(rank_examples(popularity_scorer(dataset), examples))
        report["item_knn"] = ranking_metrics(rank_examples(item_knn_scorer(dataset), examples))
        zero_shot, tokenizer, _ = new_model(ModelConfig(), base_dir)
        untrained = LoadedModel(model=zero_shot, tokenizer=tokenizer,
                                propensity=_unfitted_head())
        zs = score_model(untrained, dataset, split, dev, progress)
        zs.pop("propensity")
        report["zero_shot_minilm"] = zs
    return report


def _unfitted_head():  # type: ignore[no-untyped-def]
    from recommender.model import PropensityHead

    return PropensityHead()


def format_table(report: dict) -> str:
    """A plain-text table of the report's ranking metrics."""
    names = [n for n in ("model", "zero_shot_minilm", "item_knn", "popularity") if n in report]
    cols = ("recall@10", "ndcg@10", "recall@20", "ndcg@20", "mrr")
    lines = [f"{'':18}" + "".join(f"{c:>11}" for c in cols)]
    for name in names:
        lines.append(f"{name:18}" + "".join(f"{report[name][c]:>11.4f}" for c in cols))
    if "model" in report:
        p = report["model"]["propensity"]
        lines.append(f"propensity: AUC {p['auc']:.4f}  ECE {p['ece']:.4f}  ({p['pairs']} pairs)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="trained model folder")
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--split", default="test", choices=("valid", "test"))
    parser.add_argument("--baselines", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--device", default=None)
    parser.add_argument("--base-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the report (default: MODEL/eval-NAME-SPLIT.json)")
    args = parser.parse_args(argv)
    report = evaluate(args.model, args.dataset, args.split, args.baselines, args.device,
                      args.base_dir)
    print(format_table(report))
    target = args.json or (args.model / f"eval-{report['dataset']}-{args.split}.json"
                           if args.model else None)
    if target is not None:
        target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
