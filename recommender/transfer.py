"""Leave-categories-out transfer on Amazon Scientific (issue 18, part 4).

A store with no interaction log gets the towers zero-shot from its products' text. To measure
what training on one catalog does for another, Scientific is cut by top-level category (the
first level under "Industrial & Scientific" in each item's category path): a seeded draw of
categories is **held out**; the model is trained on the other ("kept") categories' items and
the shoppers' interactions with them only; it is scored on the held-out categories' items and
interactions, which it never saw.

- ``python -m recommender.transfer split --dataset DIR --out DIR`` writes the two datasets in
  the atomic format: ``DIR/kept`` (train on it with ``recommender.train``) and ``DIR/held-out``,
  plus ``DIR/split.json`` (the categories and their shares).
- ``python -m recommender.transfer evaluate --model DIR --held-out DIR`` scores the trained
  model interpolated toward the base MiniLM weights (``recommender.interpolation``) for each
  ``--alpha`` and the baselines of the same run, under both history protocols, overall and per
  held-out category.

Each user's sequence is restricted to one side's items (order kept); on each side the
leave-one-out rows are rebuilt: the last item is test, the one before valid, every earlier one
a train row. Users with fewer than 3 items on a side have no rows there.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from recommender.baselines import item_knn_scorer, popularity_scorer
from recommender.data import Example, InteractionDataset, load_dataset, write_dataset
from recommender.encoding import encode_texts, tokenise
from recommender.evaluate import propensity_by_protocol, protocol_key
from recommender.interpolation import interpolated_state
from recommender.io import base_model_dir, load_base, load_model, new_model
from recommender.metrics import ranking_metrics
from recommender.model import ModelConfig, TwoTowerRecommender
from recommender.scoring import HISTORY_PROTOCOLS, ScoreFn, model_scorer, rank_examples_by_protocol

ROOT_CATEGORY = "Industrial & Scientific"
TOP_LEVEL_CATEGORIES = (
    "Abrasive & Finishing Products",
    "Additive Manufacturing Products",
    "Commercial Door Products",
    "Cutting Tools",
    "Fasteners",
    "Filtration",
    "Food Service Equipment & Supplies",
    "Hydraulics, Pneumatics & Plumbing",
    "Industrial Electrical",
    "Industrial Hardware",
    "Industrial Power & Hand Tools",
    "Janitorial & Sanitation Supplies",
    "Lab & Scientific Products",
    "Material Handling Products",
    "Occupational Health & Safety Products",
    "Packaging & Shipping Supplies",
    "Power Transmission Products",
    "Professional Dental Supplies",
    "Professional Medical Supplies",
    "Raw Materials",
    "Retail Store Fixtures & Equipment",
    "Robotics",
    "Science Education",
    "Tapes, Adhesives & Sealants",
    "Test, Measure & Inspect",
)
"""Amazon's top-level categories under Industrial & Scientific (2018), as the texts spell them."""

UNCATEGORISED = "(no category)"
SPLIT_SEED = 18
HELD_OUT_SHARE = 0.25
MIN_ITEMS_PER_SIDE = 3

_TOP_LEVEL = re.compile(
    re.escape(ROOT_CATEGORY) + " (" + "|".join(
        re.escape(c) for c in sorted(TOP_LEVEL_CATEGORIES, key=len, reverse=True)) + ")"
)


def top_level_category(text: str) -> str:
    """The top-level category of an item text ("title. category path. brand. …").

    The path's levels are joined by spaces, so the level is found by name, the first time
    "Industrial & Scientific <name>" occurs; items without a path are ``UNCATEGORISED``.
    """
    found = _TOP_LEVEL.search(text)
    return found.group(1) if found else UNCATEGORISED


@dataclass(frozen=True)
class CategorySplit:
    """Which top-level categories are held out, how they were drawn, and what they cover."""

    held_out: tuple[str, ...]
    kept: tuple[str, ...]
    seed: int
    target_share: float
    held_out_share: float
    interactions: dict[str, int]

    def to_dict(self) -> dict:
        return asdict(self)


def user_sequences(dataset: InteractionDataset) -> dict[str, tuple[int, ...]]:
    """Each user's whole sequence (oldest first): their longest row's history plus its target."""
    longest: dict[str, Example] = {}
    for examples in dataset.splits.values():
        for example in examples:
            kept = longest.get(example.user)
            if kept is None or len(example.history) > len(kept.history):
                longest[example.user] = example
    return {user: (*e.history, e.target) for user, e in longest.items()}


def choose_held_out(interactions: dict[str, int], seed: int = SPLIT_SEED,
                    share: float = HELD_OUT_SHARE) -> CategorySplit:
    """Draw categories (seeded shuffle of the names in sorted order) until ``share`` is reached.

    Items without a category are never held out. The draw depends only on the category names,
    the seed and the interaction counts, so it is fixed before any model is run.
    """
    if not 0 < share < 1:
        raise ValueError(f"share must be in (0, 1), got {share}")
    names = sorted(c for c in interactions if c != UNCATEGORISED and interactions[c] > 0)
    random.Random(seed).shuffle(names)
    total = sum(interactions.values())
    held_out: list[str] = []
    covered = 0
    for name in names:
        if covered / total >= share:
            break
        held_out.append(name)
        covered += interactions[name]
    kept = tuple(sorted(c for c in interactions if c not in held_out))
    return CategorySplit(held_out=tuple(sorted(held_out)), kept=kept, seed=seed,
                         target_share=share, held_out_share=round(covered / total, 4),
                         interactions=dict(sorted(interactions.items())))


def category_interactions(dataset: InteractionDataset, categories: Sequence[str]) -> dict[str, int]:
    """How many interactions (all of each user's sequence) fall in each category."""
    counts: Counter[str] = Counter()
    for sequence in user_sequences(dataset).values():
        counts.update(categories[item] for item in sequence)
    return dict(counts)


def _leave_one_out(user: str, sequence: Sequence[int]) -> dict[str, list[Example]]:
    rows: dict[str, list[Example]] = {"train": [], "valid": [], "test": []}
    for position in range(1, len(sequence)):
        split = ("test" if position == len(sequence) - 1 else
                 "valid" if position == len(sequence) - 2 else "train")
        rows[split].append(Example(user, tuple(sequence[:position]), sequence[position]))
    return rows


def restrict(dataset: InteractionDataset, items: Iterable[int], name: str) -> InteractionDataset:
    """The dataset on ``items`` only: sequences filtered to them, rows rebuilt leave-one-out.

    Items are re-indexed in their original order; users with fewer than ``MIN_ITEMS_PER_SIDE``
    of the items have no rows.
    """
    chosen = sorted(set(items))
    new_index = {old: new for new, old in enumerate(chosen)}
    splits: dict[str, list[Example]] = {"train": [], "valid": [], "test": []}
    for user, sequence in user_sequences(dataset).items():
        mine = [new_index[item] for item in sequence if item in new_index]
        if len(mine) < MIN_ITEMS_PER_SIDE:
            continue
        for split, rows in _leave_one_out(user, mine).items():
            splits[split].extend(rows)
    return InteractionDataset(
        name=name, item_ids=tuple(dataset.item_ids[i] for i in chosen),
        item_texts=tuple(dataset.item_texts[i] for i in chosen),
        splits={split: tuple(rows) for split, rows in splits.items()},
    )


def split_by_category(dataset: InteractionDataset, seed: int = SPLIT_SEED,
                      share: float = HELD_OUT_SHARE
                      ) -> tuple[CategorySplit, InteractionDataset, InteractionDataset]:
    """The category split and the two datasets: ``(split, kept, held_out)``."""
    categories = [top_level_category(text) for text in dataset.item_texts]
    split = choose_held_out(category_interactions(dataset, categories), seed, share)
    held = set(split.held_out)
    held_items = [i for i, c in enumerate(categories) if c in held]
    kept_items = [i for i, c in enumerate(categories) if c not in held]
    return (split, restrict(dataset, kept_items, f"{dataset.name}Kept"),
            restrict(dataset, held_items, f"{dataset.name}HeldOut"))


def write_split(dataset: InteractionDataset, out: Path, seed: int = SPLIT_SEED,
                share: float = HELD_OUT_SHARE) -> CategorySplit:
    """Write ``out/kept``, ``out/held-out`` (atomic format) and ``out/split.json``."""
    split, kept, held_out = split_by_category(dataset, seed, share)
    out = Path(out)
    write_dataset(kept, out / "kept")
    write_dataset(held_out, out / "held-out")
    record = {**split.to_dict(),
              "rows": {side: {s: len(rows) for s, rows in data.splits.items()}
                       for side, data in (("kept", kept), ("held_out", held_out))},
              "items": {"kept": kept.num_items, "held_out": held_out.num_items}}
    (out / "split.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return split


# --- scoring the held-out categories ---------------------------------------------------------

DEFAULT_ALPHAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
MIN_CATEGORY_EXAMPLES = 50
"""Per-category verdicts count only categories with at least this many examples."""


def _metrics_by_category(ranks: torch.Tensor, categories: Sequence[str]) -> dict[str, dict]:
    found = {"all": ranking_metrics(ranks)}
    for name in sorted(set(categories)):
        rows = torch.tensor([c == name for c in categories])
        found[name] = ranking_metrics(ranks[rows])
    return found


def _score(score: ScoreFn, examples: Sequence[Example], categories: Sequence[str],
           protocols: Sequence[str]) -> dict[str, dict[str, dict]]:
    ranks = rank_examples_by_protocol(score, examples, protocols)
    return {protocol_key(p): _metrics_by_category(r, categories) for p, r in ranks.items()}


def _item_vectors(model: TwoTowerRecommender, tokenizer: Any, dataset: InteractionDataset,
                  device: torch.device) -> torch.Tensor:
    texts = tokenise(tokenizer, dataset.item_texts, model.config.max_item_tokens)
    return encode_texts(model.eval(), texts, device)


def evaluate_transfer(model_dir: Path, held_out_dir: Path, split: str = "valid",
                      alphas: Sequence[float] = DEFAULT_ALPHAS,
                      protocols: Sequence[str] = HISTORY_PROTOCOLS,
                      device: str | None = None, base_dir: Path | None = None) -> dict:
    """Score the model at each ``alpha`` and the baselines on a held-out dataset.

    Returns:
        ``{"dataset", "split", "items", "examples_by_category", "alphas", "rows": {row name:
        {"history_excluded"|"history_kept": {"all"|category: metrics}}}}``; row names are
        ``model alpha=A``, ``zero_shot_minilm``, ``popularity``, ``item_knn``; and
        ``"propensity": {model row: recommender.evaluate.propensity_by_protocol(...)}``.
    """
    torch.manual_seed(0)
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    dataset = load_dataset(held_out_dir)
    examples = dataset.splits[split]
    item_category = [top_level_category(text) for text in dataset.item_texts]
    categories = [item_category[e.target] for e in examples]
    rows: dict[str, dict] = {}
    propensity: dict[str, dict] = {}
    loaded = load_model(model_dir, base_dir, device=str(dev))
    trained = {k: v.detach().clone() for k, v in loaded.model.state_dict().items()}
    base_bert = load_base(base_model_dir(base_dir))[0].state_dict()
    for alpha in alphas:
        loaded.model.load_state_dict(interpolated_state(trained, base_bert, alpha))
        vectors = _item_vectors(loaded.model, loaded.tokenizer, dataset, dev)
        name = f"model alpha={alpha:g}"
        rows[name] = _score(model_scorer(loaded.model, vectors), examples, categories, protocols)
        # issue 18 part 6: the propensity head (fitted on the kept categories' valid rows)
        propensity[name] = propensity_by_protocol(loaded, vectors, dataset, split, protocols)
    # as recommender.evaluate builds it (the default item length), on the model's shapes
    shapes = loaded.model.config
    zero_shot, tokenizer, _ = new_model(
        ModelConfig(dim=shapes.dim, max_history=shapes.max_history, trainable_layers=0), base_dir)
    zero_vectors = _item_vectors(zero_shot.to(dev), tokenizer, dataset, dev)
    rows["zero_shot_minilm"] = _score(model_scorer(zero_shot, zero_vectors), examples,
                                      categories, protocols)
    rows["popularity"] = _score(popularity_scorer(dataset), examples, categories, protocols)
    rows["item_knn"] = _score(item_knn_scorer(dataset), examples, categories, protocols)
    return {"dataset": dataset.name, "split": split, "items": dataset.num_items,
            "model": {"path": str(model_dir),
                      "trained_on": loaded.meta.get("training", {}).get("dataset_name")},
            "protocols": [protocol_key(p) for p in protocols],
            "examples_by_category": dict(sorted(Counter(categories).items())),
            "alphas": list(alphas), "rows": rows, "propensity": propensity}


def ratios(report: dict, row: str, reference: str = "zero_shot_minilm",
           metrics: Sequence[str] = ("recall@10", "ndcg@10")) -> dict[str, dict[str, dict]]:
    """``row`` ÷ ``reference`` per protocol, category and metric (nan where the reference is 0)."""
    out: dict[str, dict[str, dict]] = {}
    for protocol in report["protocols"]:
        mine, theirs = report["rows"][row][protocol], report["rows"][reference][protocol]
        out[protocol] = {
            category: {m: (mine[category][m] / theirs[category][m]
                           if theirs[category][m] else float("nan")) for m in metrics}
            for category in mine
        }
    return out


def choose_alpha(report: dict) -> float:
    """The α whose smallest ratio to zero-shot (Recall@10, NDCG@10, every protocol, all
    held-out categories together) is largest; ties go to the smaller α, nearer the base."""
    def worst(alpha: float) -> float:
        found = ratios(report, f"model alpha={alpha:g}")
        return min(value for protocol in found.values() for value in protocol["all"].values())

    return max(sorted(report["alphas"]), key=lambda a: (round(worst(a), 6), -a))


def format_report(report: dict) -> str:
    """Labelled plain-text tables: every row overall, then the model rows per category."""
    lines = [f"held-out categories of {report['dataset']}, split {report['split']}, "
             f"{report['items']} items, model {report['model']['path']} "
             f"(trained on {report['model']['trained_on']})"]
    for protocol in report["protocols"]:
        lines += [f"{protocol} (all held-out categories):",
                  f"{'':22}{'recall@10':>10}{'ndcg@10':>10}{'R@10 x0':>9}{'N@10 x0':>9}"]
        for row, blocks in report["rows"].items():
            m, r = blocks[protocol]["all"], ratios(report, row)[protocol]["all"]
            lines.append(f"{row:22}{m['recall@10']:>10.4f}{m['ndcg@10']:>10.4f}"
                         f"{r['recall@10']:>9.3f}{r['ndcg@10']:>9.3f}")
        lines.append(f"{protocol}, per category (x zero-shot, R@10 / N@10; n examples):")
        for category, n in report["examples_by_category"].items():
            cells = []
            for row in (r for r in report["rows"] if r.startswith("model")):
                r = ratios(report, row)[protocol][category]
                cells.append(f"{r['recall@10']:.2f}/{r['ndcg@10']:.2f}")
            lines.append(f"  {category[:34]:34} n={n:<5} " + " ".join(cells))
    for row, blocks in report.get("propensity", {}).items():
        for p in blocks.values():
            lines.append(f"propensity, {row} ({p['candidates']}): AUC {p['auc']:.4f}  "
                         f"ECE ({p['ece_bins']} bins) {p['ece']:.4f}  mean predicted "
                         f"{p['mean_predicted']:.4f} vs observed {p['observed_rate']:.4f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    split_cmd = commands.add_parser("split", help="write the kept and held-out datasets")
    split_cmd.add_argument("--dataset", type=Path, required=True)
    split_cmd.add_argument("--out", type=Path, required=True)
    split_cmd.add_argument("--seed", type=int, default=SPLIT_SEED)
    split_cmd.add_argument("--share", type=float, default=HELD_OUT_SHARE)
    score_cmd = commands.add_parser("evaluate", help="score a model on the held-out categories")
    score_cmd.add_argument("--model", type=Path, required=True)
    score_cmd.add_argument("--held-out", type=Path, required=True)
    score_cmd.add_argument("--split", default="valid", choices=("valid", "test"))
    score_cmd.add_argument("--alpha", type=float, action="append", default=None)
    score_cmd.add_argument("--history", choices=HISTORY_PROTOCOLS, action="append", default=None)
    score_cmd.add_argument("--device", default=None)
    score_cmd.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.command == "split":
        split = write_split(load_dataset(args.dataset), args.out, args.seed, args.share)
        print(json.dumps({"held_out": split.held_out, "held_out_share": split.held_out_share}))
        return
    report = evaluate_transfer(args.model, args.held_out, args.split,
                               tuple(args.alpha or DEFAULT_ALPHAS),
                               tuple(args.history or HISTORY_PROTOCOLS), args.device)
    print(format_report(report))
    print(f"alpha chosen by the rule (smallest ratio to zero-shot largest): "
          f"{choose_alpha(report):g}")
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
