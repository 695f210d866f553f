"""Evaluate a model and the baselines: ``python -m recommender.evaluate --model DIR --dataset DIR``.

Full ranking over all items, leave-one-out, under two protocols (``--history excluded|kept``,
default both): ``excluded``, the shopper's history items are no candidates (what serving does);
``kept``, every item is a candidate (RecBole's full sort for sequential models, the protocol of
the published results on the UniSRec splits). A model folder with a repeat/new gate
(``recommender.fit_repeat_gate``) is scored with it, as serving scores; the same model without
the gate is reported beside it (``model_without_repeat_gate``). Items are encoded from text
only, so any dataset in the atomic format can be scored (zero-shot transfer when the model never
saw it). Prints and
writes JSON: Recall@10/20, NDCG@10/20, MRR for the model and each baseline under each protocol
(``report["history_excluded"]``, ``report["history_kept"]``), and the propensity head's AUC / ECE
(10 bins) on the split's top-50 candidates under each protocol (``report["model"]["propensity"]``
keyed like the ranking blocks; history kept is reported with raw scores, what serving's
``Recommender.propensity`` reads, and, for a gated model, with the gate). ``--propensity``
reports only that, without ranking metrics or baselines.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from recommender.baselines import item_knn_scorer, popularity_scorer
from recommender.calibration import gated_scorer
from recommender.data import InteractionDataset, load_dataset
from recommender.encoding import encode_texts, tokenise
from recommender.io import LoadedModel, load_model, new_model
from recommender.metrics import ranking_metrics
from recommender.model import ModelConfig
from recommender.propensity import CANDIDATES, candidate_set, propensity_metrics
from recommender.scoring import (
    HISTORY_PROTOCOLS,
    PROTOCOL_TEXT,
    ScoreFn,
    model_scorer,
    rank_examples_by_protocol,
)


def _device(name: str | None) -> torch.device:
    return torch.device(name or ("cuda" if torch.cuda.is_available() else "cpu"))


def protocol_key(protocol: str) -> str:
    """The report's key for a history protocol: ``history_excluded`` or ``history_kept``."""
    return f"history_{protocol}"


def score_by_protocol(score: ScoreFn, examples, protocols: Sequence[str],  # type: ignore[no-untyped-def]
                      progress: bool = False, desc: str = "ranking") -> dict[str, dict]:
    """Ranking metrics of one scorer under each protocol: ``{protocol: metrics}``."""
    ranks = rank_examples_by_protocol(score, examples, protocols, progress=progress, desc=desc)
    return {p: ranking_metrics(r) for p, r in ranks.items()}


def score_model(loaded: LoadedModel, dataset: InteractionDataset, split: str,
                device: torch.device, progress: bool = True,
                protocols: Sequence[str] = HISTORY_PROTOCOLS) -> tuple[dict, dict[str, dict]]:
    """A model's facts (speed, propensity AUC / ECE) and its ranking metrics per protocol."""
    model = loaded.model.to(device).eval()
    texts = tokenise(loaded.tokenizer, dataset.item_texts, model.config.max_item_tokens)
    started = time.perf_counter()
    vectors = encode_texts(model, texts, device, progress=progress)
    encode_seconds = time.perf_counter() - started
    examples = dataset.splits[split]
    raw = model_scorer(model, vectors)
    gate = loaded.repeat_gate
    per_protocol = score_by_protocol(gated_scorer(raw, gate), examples, protocols, progress,
                                     f"ranking {split}")
    facts: dict = {"items_per_second": round(dataset.num_items / max(encode_seconds, 1e-9), 1),
                   "repeat_gate": gate.to_dict() if gate else None}
    if gate is not None:  # the same model without its gate, for the record
        facts["without_repeat_gate"] = score_by_protocol(raw, examples, protocols)
    facts["propensity"] = propensity_by_protocol(loaded, vectors, dataset, split, protocols)
    return facts, per_protocol


def propensity_by_protocol(loaded: LoadedModel, vectors: torch.Tensor,
                           dataset: InteractionDataset, split: str,
                           protocols: Sequence[str] = HISTORY_PROTOCOLS) -> dict[str, dict]:
    """The propensity head's AUC / ECE on each protocol's top-``CANDIDATES`` candidates.

    Returns:
        ``{"history_excluded": metrics, "history_kept": metrics[, "history_kept_gated": ...]}``
        for the protocols asked; ``history_kept`` ranks by the raw two-tower score (what
        ``Recommender.propensity`` reads when serving), ``history_kept_gated`` (a model with a
        gate only) by the gated score the evaluator ranks by under "kept".
    """
    model, examples, gate = loaded.model.eval(), dataset.splits[split], loaded.repeat_gate
    log_popularity = torch.log1p(torch.tensor(dataset.item_counts("train"), dtype=torch.float32))
    runs = [(protocol_key(p), p, None) for p in protocols]
    if "kept" in protocols and gate is not None:
        runs.append(("history_kept_gated", "kept", gate))
    found = {}
    for key, protocol, with_gate in runs:
        candidates = candidate_set(model, vectors, examples, log_popularity, history=protocol,
                                   gate=with_gate)
        text = f"top-{CANDIDATES} per shopper, {PROTOCOL_TEXT[protocol].split(', ', 2)[-1]}"
        found[key] = {"candidates": text + (", repeat/new gate applied" if with_gate else ""),
                      **propensity_metrics(loaded.propensity, candidates)}
    return found


def evaluate_propensity(model_dir: Path, dataset_dir: Path, split: str = "test",
                        device: str | None = None, base_dir: Path | None = None,
                        protocols: Sequence[str] = HISTORY_PROTOCOLS) -> dict:
    """Only the propensity head's AUC / ECE per protocol (``--propensity``): no ranking metrics."""
    dev = _device(device)
    dataset = load_dataset(dataset_dir)
    if split not in dataset.splits:
        raise SystemExit(f"{dataset_dir}: no {split} split")
    loaded = load_model(model_dir, base_dir, device=str(dev))
    model = loaded.model.to(dev).eval()
    texts = tokenise(loaded.tokenizer, dataset.item_texts, model.config.max_item_tokens)
    vectors = encode_texts(model, texts, dev, progress=True)
    return {"dataset": dataset.name, "split": split, "items": dataset.num_items,
            "protocols": list(dict.fromkeys(protocols)),
            "model": {"path": str(model_dir),
                      "propensity": propensity_by_protocol(loaded, vectors, dataset, split,
                                                           tuple(dict.fromkeys(protocols)))}}


def evaluate(model_dir: Path | None, dataset_dir: Path, split: str = "test",
             baselines: bool = True, device: str | None = None,
             base_dir: Path | None = None, progress: bool = True,
             protocols: Sequence[str] = HISTORY_PROTOCOLS) -> dict:
    """Scores of the model (when given) and of the baselines; see the module docstring.

    Returns:
        ``{"dataset", "split", "items", "protocols", "model": facts,
        "history_excluded": {"protocol": text, "model": metrics, "popularity": ...},
        "history_kept": {...}}`` with one ``history_*`` entry per protocol asked for.
    """
    torch.manual_seed(0)
    protocols = tuple(dict.fromkeys(protocols))
    if not protocols or any(p not in HISTORY_PROTOCOLS for p in protocols):
        raise ValueError(f"protocols must be among {HISTORY_PROTOCOLS}, got {protocols}")
    dev = _device(device)
    dataset = load_dataset(dataset_dir)
    if split not in dataset.splits:
        raise SystemExit(f"{dataset_dir}: no {split} split")
    report: dict = {"dataset": dataset.name, "split": split, "items": dataset.num_items,
                    "protocols": list(protocols)}
    for protocol in protocols:
        report[protocol_key(protocol)] = {"protocol": PROTOCOL_TEXT[protocol]}

    def put(name: str, per_protocol: dict[str, dict]) -> None:
        for protocol, metrics in per_protocol.items():
            report[protocol_key(protocol)][name] = metrics

    if model_dir is not None:
        loaded = load_model(model_dir, base_dir, device=str(dev))
        trained_on = loaded.meta.get("training", {}).get("dataset_name")
        facts, per_protocol = score_model(loaded, dataset, split, dev, progress, protocols)
        ungated = facts.pop("without_repeat_gate", None)
        report["model"] = {"path": str(model_dir), "trained_on": trained_on,
                           "zero_shot_transfer": trained_on != dataset.name, **facts}
        put("model", per_protocol)
        if ungated is not None:
            put("model_without_repeat_gate", ungated)
    if baselines:
        examples = dataset.splits[split]
        put("popularity", score_by_protocol(popularity_scorer(dataset), examples, protocols))
        put("item_knn", score_by_protocol(item_knn_scorer(dataset), examples, protocols))
        zero_shot, tokenizer, _ = new_model(ModelConfig(), base_dir)
        untrained = LoadedModel(model=zero_shot, tokenizer=tokenizer,
                                propensity=_unfitted_head())
        facts, per_protocol = score_model(untrained, dataset, split, dev, progress, protocols)
        put("zero_shot_minilm", per_protocol)
    return report


def _unfitted_head():  # type: ignore[no-untyped-def]
    from recommender.model import PropensityHead

    return PropensityHead()


ROWS = ("model", "model_without_repeat_gate", "zero_shot_minilm", "item_knn", "popularity")


def format_table(report: dict) -> str:
    """A plain-text table of the report's ranking metrics, one block per protocol."""
    cols = ("recall@10", "ndcg@10", "recall@20", "ndcg@20", "mrr")
    lines = []
    for protocol in report["protocols"]:
        block = report.get(protocol_key(protocol))
        if block is None:  # a --propensity report
            continue
        lines += [f"history {protocol}: {block['protocol']}",
                  f"{'':25}" + "".join(f"{c:>11}" for c in cols)]
        for name in (n for n in ROWS if n in block):
            lines.append(f"{name[:25]:25}" + "".join(f"{block[name][c]:>11.4f}" for c in cols))
    if "model" in report:
        for p in report["model"]["propensity"].values():
            lines.append(f"propensity ({p['candidates']}): AUC {p['auc']:.4f}  "
                         f"ECE ({p['ece_bins']} bins) {p['ece']:.4f}  mean predicted "
                         f"{p['mean_predicted']:.4f} vs observed {p['observed_rate']:.4f}  "
                         f"({p['pairs']} pairs)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="trained model folder")
    parser.add_argument("--dataset", type=Path, required=True)
    parser.add_argument("--split", default="test", choices=("valid", "test"))
    parser.add_argument("--baselines", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--history", choices=HISTORY_PROTOCOLS, action="append", default=None,
                        help="history protocol: excluded or kept (repeat for both; default both)")
    parser.add_argument("--propensity", action="store_true",
                        help="report only the propensity head's AUC / ECE per protocol")
    parser.add_argument("--device", default=None)
    parser.add_argument("--base-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the report (default: MODEL/eval-NAME-SPLIT.json)")
    args = parser.parse_args(argv)
    protocols = args.history or HISTORY_PROTOCOLS
    if args.propensity:
        if args.model is None:
            parser.error("--propensity needs --model")
        report = evaluate_propensity(args.model, args.dataset, args.split, args.device,
                                     args.base_dir, protocols)
    else:
        report = evaluate(args.model, args.dataset, args.split, args.baselines, args.device,
                          args.base_dir, protocols=protocols)
    print(format_table(report))
    suffix = "-propensity" if args.propensity else ""
    target = args.json or (args.model / f"eval-{report['dataset']}-{args.split}{suffix}.json"
                           if args.model else None)
    if target is not None:
        target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {target}")


if __name__ == "__main__":
    main()
