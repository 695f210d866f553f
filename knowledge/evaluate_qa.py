"""Evaluate passage scoring on ePQA: ``python -m knowledge.evaluate_qa --epqa FILE``.

Ranks each question's ~10 candidate passages with exactly :meth:`PassageScorer.score` and
prints P@1 (top candidate label 2), Hit@1 (top label >= 1) and nDCG@5 (gain = label) over the
questions with at least one label >= 1 (see :class:`knowledge.qa_data.QAMetrics`), for:

* the zero-shot baseline, plain MiniLM cosine;
* the fitted scorer, out-of-fold (grouped 5-fold by ASIN; the honest figure);
* the shipped weights ``knowledge/qa_scorer.json``, which were fitted on all of ePQA dev, so
  on ePQA dev that figure is in-sample and only shown as a check.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from knowledge.qa_data import (
    CachingEmbedder,
    QAMetrics,
    QAQuestion,
    load_epqa,
    ranking_metrics,
    texts_to_embed,
)
from knowledge.qa_scoring import PassageScorer


def evaluate(path: Path | Sequence[QAQuestion], scorer: PassageScorer, limit: int | None = None,
             progress: bool = True) -> QAMetrics:
    """Rank every question's candidates with ``scorer.score`` and compute the metrics.

    Args:
        path: an ePQA CSV, or questions already loaded with :func:`load_epqa`.
        scorer: the scorer under test.
        limit: keep only the first ``limit`` questions of the file.
        progress: show a tqdm bar.
    """
    questions = load_epqa(Path(path), limit) if isinstance(path, (str, Path)) else list(path)
    scores = [scorer.score(q.question, q.candidates)
              for q in tqdm(questions, desc="ranking", disable=not progress)]
    return ranking_metrics(scores, [q.labels for q in questions])


def run(epqa: Path, limit: int | None = None, cache: Path | None = None,
        folds: int = 5) -> dict[str, QAMetrics]:
    """Baseline, out-of-fold and shipped-weights metrics on ``epqa`` (see the module doc)."""
    from knowledge.embedding import load_embedder
    from knowledge.qa_fit import cross_validate

    questions = load_epqa(epqa, limit)
    embedder = CachingEmbedder(load_embedder(), cache)
    embedder.warm(texts_to_embed(questions))
    baseline = PassageScorer.plain_cosine(embedder)
    results = {"baseline_cosine": evaluate(questions, baseline)}
    results["fitted_out_of_fold"] = cross_validate(baseline, questions, folds=folds)[0]
    results["shipped_in_sample"] = evaluate(questions, PassageScorer(embedder))
    return results


def main(argv: Sequence[str] | None = None) -> None:
    """CLI entry point: parse arguments, run, print (and optionally save) the metrics."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description="Passage scoring on ePQA.")
    parser.add_argument("--epqa", type=Path, required=True, help="ePQA CSV (e.g. ePQA_dev.csv)")
    parser.add_argument("--limit", type=int, default=None, help="first N questions only")
    parser.add_argument("--json", type=Path, default=None, help="write the metrics here")
    parser.add_argument("--cache", type=Path, default=None,
                        help="optional .npz embedding cache reused between runs")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = run(args.epqa, args.limit, args.cache, args.folds)
    labels = {
        "baseline_cosine": "zero-shot MiniLM cosine (no fitting)",
        "fitted_out_of_fold": f"fitted scorer, CROSS-VALIDATED out-of-fold "
                              f"({args.folds}-fold grouped by ASIN)",
        "shipped_in_sample": "shipped qa_scorer.json (fitted on all ePQA dev: IN-SAMPLE here)",
    }
    for key, metrics in results.items():
        print(f"{labels[key]}:\n  {metrics.line()}")
    elapsed = time.perf_counter() - started
    print(f"elapsed {elapsed:.0f}s")
    if args.json is not None:
        payload = {k: asdict(m) for k, m in results.items()} | {"elapsed_s": round(elapsed, 1)}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
