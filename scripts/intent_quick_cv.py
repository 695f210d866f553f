"""Quick k-fold cross-validation of the intent model alone (about a minute, not 25).

    .venv/bin/python -m scripts.intent_quick_cv [--folds 5] [--errors] [--fallback]
    .venv/bin/python -m scripts.intent_quick_cv --epqa-half dev [--finetune]

Reads the intents' examples from ``bot/data/nlu`` (entity annotations removed), computes the
MiniLM sentence vectors once with the ONNX export the pipeline uses, then fits and scores
:class:`bot.components.intent_model.IntentModel` fold by fold. It measures the same model as
the Rasa pipeline's ``IntentClassifier`` but not the full pipeline: the figures of record come
from ``scripts/nlu_cross_validation.sh`` (``rasa test nlu --cross-validation``). Use this while
editing training data; ``--errors`` lists every held-out mistake.

``--fallback`` chooses the ``FallbackClassifier`` thresholds of ``config.yml`` on the held-out
probabilities: the (threshold, ambiguity threshold) pair with the fewest costly turns, a
held-out message whose intent is right but falls back plus one whose intent is wrong and does
not (:func:`fallback_costs`). ``--epqa-half dev`` fits on all the training data instead and
prints only the aggregate share of that half of the ePQA questions
(``scripts.evaluate_understanding.epqa_half``) given a question intent after the fallback.
"""

from __future__ import annotations

import argparse
import re
import tempfile
from pathlib import Path

import numpy as np
import yaml
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import StratifiedKFold

from aisle.settings import load_settings
from bot.components.intent_encoder_onnx import IntentEncoderOnnx
from bot.components.intent_finetune import FinetuneConfig, finetune
from bot.components.intent_model import IntentModel, blend
from bot.components.minilm_onnx import load_minilm
from knowledge.embedding import minilm_path
from scripts.evaluate_understanding import (
    EPQA_HALVES,
    QUESTION_INTENTS,
    epqa_questions,
    select_half,
)

ROOT = Path(__file__).resolve().parent.parent
# [text](entity), [text]{"entity": ...} -> text
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


def load_examples(folder: Path) -> tuple[list[str], list[str]]:
    """(texts, intents) of every intent example under ``folder``."""
    texts, intents = [], []
    for path in sorted(folder.glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            if "intent" not in item:
                continue
            for line in str(item["examples"]).splitlines():
                line = line.strip()
                if line.startswith("- "):
                    texts.append(ANNOTATION.sub(r"\1", line[2:]).strip())
                    intents.append(str(item["intent"]))
    return texts, intents


def sentence_vectors(texts: list[str], model_path: Path) -> np.ndarray:
    """MiniLM sentence vectors ``(n, 384)`` as the pipeline's featurizer computes them."""
    spans = [[(m.start(), m.end()) for m in re.finditer(r"\S+", text)] for text in texts]
    encodings = load_minilm(str(model_path)).encode_batch(texts, spans)
    return np.stack([encoding.sentence for encoding in encodings])


def after_fallback(probabilities: np.ndarray, classes: list[str], threshold: float,
                   ambiguity: float) -> np.ndarray:
    """The intent of each row ``(n, n_intents)`` as Rasa's ``FallbackClassifier`` leaves it:
    ``nlu_fallback`` when the top probability is under ``threshold`` or within ``ambiguity``
    of the second."""
    ordered = np.sort(probabilities, axis=1)
    top, second = ordered[:, -1], ordered[:, -2]
    names = np.array(classes, dtype=object)[probabilities.argmax(axis=1)]
    return np.where((top < threshold) | (top - second < ambiguity), "nlu_fallback", names)


def fallback_costs(probabilities: np.ndarray, classes: list[str], labels: np.ndarray,
                   thresholds: list[float], ambiguities: list[float]
                   ) -> list[tuple[int, float, float, int, int]]:
    """(cost, threshold, ambiguity, right but fallen back, wrong and kept) per pair, cheapest
    first; held-out ``probabilities`` of messages whose intents are ``labels``."""
    right = np.array(classes, dtype=object)[probabilities.argmax(axis=1)] == labels
    rows = []
    for threshold in thresholds:
        for ambiguity in ambiguities:
            fallen = after_fallback(probabilities, classes, threshold, ambiguity) == "nlu_fallback"
            lost, kept_wrong = int((right & fallen).sum()), int((~right & ~fallen).sum())
            rows.append((lost + kept_wrong, threshold, ambiguity, lost, kept_wrong))
    return sorted(rows)


def epqa_share(texts: list[str], labels: np.ndarray, dense: np.ndarray, args: argparse.Namespace
               ) -> float:
    """Fit on all the training data; the share of one half of the ePQA questions given a
    question intent after the fallback thresholds."""
    questions = select_half(epqa_questions(args.epqa), args.epqa_half)
    model = IntentModel().fit(texts, dense, labels)
    probabilities = model.predict_proba(questions, sentence_vectors(questions, args.model))
    if args.finetune:
        encoder = _finetuned(texts, list(labels), FinetuneConfig(
            epochs=args.epochs, frozen_layers=args.frozen_layers))
        probabilities = blend(probabilities, model.classes, encoder.predict_proba(questions),
                              encoder.classes, args.finetune_weight)
    intents = after_fallback(probabilities, model.classes, args.threshold, args.ambiguity)
    return float(np.isin(intents, list(QUESTION_INTENTS)).mean())


def _finetuned(texts: list[str], intents: list[str], config: FinetuneConfig) -> IntentEncoderOnnx:
    """Fine-tune MiniLM on one fold's training part and load the ONNX export (into memory)."""
    with tempfile.TemporaryDirectory(prefix="intent-cv-") as folder:
        out = finetune(texts, intents, Path(folder) / "encoder", minilm_path(),
                       config)
        return IntentEncoderOnnx(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bot" / "data" / "nlu")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "minilm-onnx")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--errors", action="store_true", help="list held-out mistakes")
    parser.add_argument("--report", action="store_true", help="per-intent precision/recall")
    parser.add_argument("--finetune", action="store_true",
                        help="also fine-tune MiniLM per fold and blend, as the pipeline does "
                             "(about 2 min a fold on 2 CPU cores)")
    parser.add_argument("--finetune-weight", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=FinetuneConfig.epochs)
    parser.add_argument("--frozen-layers", type=int, default=FinetuneConfig.frozen_layers)
    parser.add_argument("--max-folds", type=int,
                        help="score only the first N folds (a held-out slice: one fold of 5 is "
                             "20 %% of the data), when fine-tuning every fold is too slow")
    parser.add_argument("--fallback", action="store_true",
                        help="choose the FallbackClassifier thresholds on the held-out folds")
    parser.add_argument("--threshold", type=float, default=0.4,
                        help="FallbackClassifier threshold for --epqa-half")
    parser.add_argument("--ambiguity", type=float, default=0.1,
                        help="FallbackClassifier ambiguity_threshold for --epqa-half")
    parser.add_argument("--epqa-half", choices=EPQA_HALVES,
                        help="fit on all the data and print this ePQA half's question share")
    parser.add_argument("--epqa", type=Path,
                        default=load_settings().data_dir / "epqa" / "ePQA_dev.csv")
    args = parser.parse_args()

    texts, intents = load_examples(args.data)
    dense = sentence_vectors(texts, args.model)
    labels = np.array(intents)
    if args.epqa_half:
        share = epqa_share(texts, labels, dense, args)
        print(f"{len(texts)} examples; ePQA {args.epqa_half} half: question share {share:.3f} "
              f"(fallback {args.threshold} / {args.ambiguity}"
              f"{', fine-tuned blend' if args.finetune else ', linear model only'})")
        return
    predicted = np.empty(len(texts), dtype=object)
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    linear_only = np.empty(len(texts), dtype=object)
    held_out: np.ndarray | None = None
    tested = np.zeros(len(texts), dtype=bool)
    for fold, (train, test) in enumerate(folds.split(texts, labels)):
        if args.max_folds is not None and fold >= args.max_folds:
            break
        tested[test] = True
        model = IntentModel().fit([texts[i] for i in train], dense[train], labels[train])
        probabilities = model.predict_proba([texts[i] for i in test], dense[test])
        linear_only[test] = np.array(model.classes)[probabilities.argmax(axis=1)]
        if args.finetune:
            encoder = _finetuned([texts[i] for i in train], list(labels[train]),
                                 FinetuneConfig(epochs=args.epochs,
                                                frozen_layers=args.frozen_layers))
            probabilities = blend(probabilities, model.classes,
                                  encoder.predict_proba([texts[i] for i in test]),
                                  encoder.classes, args.finetune_weight)
            fold_f1 = f1_score(labels[test], np.array(model.classes)[probabilities.argmax(1)],
                               average="macro")
            print(f"fold {fold + 1}: blended macro F1 {fold_f1:.4f}", flush=True)
        predicted[test] = np.array(model.classes)[probabilities.argmax(axis=1)]
        if held_out is None:
            held_out, classes = np.zeros((len(texts), len(model.classes))), model.classes
        held_out[test] = probabilities
    if not tested.all():
        texts = [text for text, kept in zip(texts, tested, strict=True) if kept]
        labels, predicted, linear_only = labels[tested], predicted[tested], linear_only[tested]
        held_out = None if held_out is None else held_out[tested]
    if args.finetune:
        print(f"linear model alone: intent macro F1 "
              f"{f1_score(labels, linear_only.astype(str), average='macro'):.4f}")
    macro = f1_score(labels, predicted.astype(str), average="macro")
    print(f"{len(texts)} held-out examples, {len(set(intents))} intents, {args.folds} folds"
          f"{f' (the first {args.max_folds} scored)' if args.max_folds else ''}: "
          f"intent macro F1 {macro:.4f}, accuracy {(predicted == labels).mean():.4f}")
    if args.fallback and held_out is not None:
        costs = fallback_costs(held_out, classes, labels,
                               [round(0.05 * i, 2) for i in range(1, 13)],
                               [0.0, 0.025, 0.05, 0.075, 0.1, 0.15])
        print("fallback threshold / ambiguity: right but fallen back + wrong and kept = cost")
        for cost, threshold, ambiguity, lost, kept_wrong in costs[:8]:
            print(f"  {threshold:.2f} / {ambiguity:.3f}: {lost} + {kept_wrong} = {cost}")
        current = next(row for row in costs if row[1:3] == (0.4, 0.1))
        print(f"  0.40 / 0.100 (config.yml before): {current[3]} + {current[4]} = {current[0]}")
    if args.report:
        print(classification_report(labels, predicted.astype(str), digits=3))
    if args.errors:
        for i in sorted(np.flatnonzero(predicted != labels), key=lambda i: (labels[i], texts[i])):
            print(f"{labels[i]:22s} -> {predicted[i]:22s} | {texts[i]}")


if __name__ == "__main__":
    main()
