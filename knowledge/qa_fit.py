"""Fit the passage scorer's logistic weights on ePQA, with grouped cross-validation.

``python -m knowledge.qa_fit --epqa ../shared/data/epqa/ePQA_dev.csv`` computes the features of
every (question, candidate) pair with :meth:`PassageScorer.features`, reports out-of-fold
metrics from grouped K-fold (groups = product ASIN, so no product's questions are both fitted
and scored), then fits on all of ePQA dev and writes ``knowledge/qa_scorer.json``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from tqdm import tqdm

from knowledge.qa_data import QAMetrics, QAQuestion, ranking_metrics
from knowledge.qa_features import FEATURE_NAMES
from knowledge.qa_scoring import DEFAULT_WEIGHTS, PassageScorer, ScorerWeights

#: Inverse L2 strength; the model has ~12 weights and ~10k pairs, so this barely matters.
REGULARISATION_C = 1.0
FOLDS = 5


def question_features(scorer: PassageScorer, questions: Sequence[QAQuestion],
                      progress: bool = True) -> list[np.ndarray]:
    """Feature matrices, one ``(n_candidates, n_features)`` array per question."""
    return [scorer.features(q.question, q.candidates)
            for q in tqdm(questions, desc="features", disable=not progress)]


#: Share of "fully answers" (label-2) passages allowed to fall below the threshold.
MISSED_ANSWERS = 0.03


def calibrate_threshold(scores: np.ndarray, labels: np.ndarray,
                        missed: float = MISSED_ANSWERS) -> float:
    """Score below which only ``missed`` of the label-2 ("fully answers") passages fall.

    On out-of-fold ePQA dev scores this gives ~0.09, which keeps 97% of full answers and still
    rejects ~2/3 of the label-0 passages. Those label-0 passages are about the same product as
    the question, so they are much harder to reject than off-topic text ("is it waterproof?"
    against a watch's battery sentences scores ~0.03-0.06, a water-resistance sentence ~0.10).
    The balanced-accuracy (Youden) cut between label 2 and label 0 sits at ~0.17 and would
    drop 9% of full answers and, in our hand checks, genuine but paraphrased answers
    ("water resistant" for "waterproof"); the assistant would rather cite a weakly related
    passage than wrongly say it does not know, so the threshold favours recall.
    """
    positive = scores[labels == 2]
    if positive.size == 0:
        return 0.5
    return float(np.quantile(positive, missed))


def fit_weights(features: Sequence[np.ndarray], labels: Sequence[np.ndarray],
                info: dict[str, object] | None = None) -> ScorerWeights:
    """Fit a logistic regression of "label 2" on standardised features, plus its threshold."""
    x = np.concatenate(features)
    y = np.concatenate(labels)
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-6, x.std(axis=0), 1.0)
    model = LogisticRegression(C=REGULARISATION_C, max_iter=1000)
    model.fit((x - mean) / scale, (y == 2).astype(int))
    weights = ScorerWeights(
        features=FEATURE_NAMES,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in model.coef_[0]),
        intercept=float(model.intercept_[0]),
        threshold=0.5,
        info=dict(info or {}),
    )
    threshold = calibrate_threshold(weights.apply(x), y)
    return ScorerWeights(**{**weights.__dict__, "threshold": threshold})


def cross_validate(scorer: PassageScorer, questions: Sequence[QAQuestion],
                   features: Sequence[np.ndarray] | None = None, folds: int = FOLDS,
                   progress: bool = True) -> tuple[QAMetrics, np.ndarray, np.ndarray]:
    """Out-of-fold metrics of fitted scorers, grouped by product ASIN.

    Each held-out question is ranked with :meth:`PassageScorer.score` of a scorer whose weights
    never saw that product. Returns the metrics and the out-of-fold scores and labels of all
    candidates (flattened), which :func:`calibrate_threshold` uses.
    """
    if features is None:
        features = question_features(scorer, questions, progress)
    groups = [q.asin for q in questions]
    oof: list[np.ndarray] = [np.zeros(0)] * len(questions)
    splitter = GroupKFold(n_splits=folds)
    for train, test in tqdm(list(splitter.split(np.zeros(len(questions)), groups=groups)),
                            desc="folds", disable=not progress):
        weights = fit_weights([features[i] for i in train], [questions[i].labels for i in train])
        fold_scorer = PassageScorer(scorer.embedder, weights)
        for i in test:
            oof[i] = fold_scorer.score(questions[i].question, questions[i].candidates)
    labels = [q.labels for q in questions]
    return ranking_metrics(oof, labels), np.concatenate(oof), np.concatenate(labels)


def fit(epqa: Path, out: Path = DEFAULT_WEIGHTS, cache: Path | None = None,
        progress: bool = True) -> Path:
    """Cross-validate, then fit on all of ``epqa`` and write the weights to ``out``.

    ``cache`` is an optional ``.npz`` embedding cache shared with ``knowledge.evaluate_qa``.
    """
    from knowledge.embedding import load_embedder
    from knowledge.qa_data import CachingEmbedder, load_epqa, texts_to_embed

    questions = load_epqa(epqa)
    embedder = CachingEmbedder(load_embedder(), cache)
    embedder.warm(texts_to_embed(questions), progress=progress)
    scorer = PassageScorer(embedder, weights=None)
    features = question_features(scorer, questions, progress)
    metrics, oof_scores, oof_labels = cross_validate(scorer, questions, features, FOLDS, progress)
    if progress:
        print(f"out-of-fold: {metrics.line()}")
    info = {
        "fitted_on": f"all {len(questions)} questions of {Path(epqa).name} (ePQA dev)",
        "target": "label == 2 (candidate fully answers the question)",
        "cross_validation": f"{FOLDS}-fold GroupKFold by ASIN, out-of-fold",
        "oof_p_at_1": round(metrics.p_at_1, 4),
        "oof_hit_at_1": round(metrics.hit_at_1, 4),
        "oof_ndcg_at_5": round(metrics.ndcg_at_5, 4),
        "threshold": f"{MISSED_ANSWERS:.0%} quantile of out-of-fold scores of label-2 passages",
    }
    weights = fit_weights(features, [q.labels for q in questions], info)
    weights = ScorerWeights(**{**weights.__dict__,
                               "threshold": calibrate_threshold(oof_scores, oof_labels)})
    return weights.save(out)


def main(argv: Sequence[str] | None = None) -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epqa", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--cache", type=Path, default=None, help="optional .npz embedding cache")
    args = parser.parse_args(argv)
    path = fit(args.epqa, args.out, args.cache)
    info = ScorerWeights.load(path).info
    print(f"wrote {path}: out-of-fold P@1 {info['oof_p_at_1']}  Hit@1 {info['oof_hit_at_1']}  "
          f"nDCG@5 {info['oof_ndcg_at_5']}")


if __name__ == "__main__":
    main()
