"""Quick k-fold cross-validation of the intent model alone (about a minute, not 25).

    .venv/bin/python -m scripts.intent_quick_cv [--folds 5] [--errors]

Reads the intents' examples from ``bot/data/nlu`` (entity annotations removed), computes the
MiniLM sentence vectors once with the ONNX export the pipeline uses, then fits and scores
:class:`bot.components.intent_model.IntentModel` fold by fold. It measures the same model as
the Rasa pipeline's ``IntentClassifier`` but not the full pipeline: the figures of record come
from ``scripts/nlu_cross_validation.sh`` (``rasa test nlu --cross-validation``). Use this while
editing training data; ``--errors`` lists every held-out mistake.
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

from bot.components.intent_encoder_onnx import IntentEncoderOnnx
from bot.components.intent_finetune import FinetuneConfig, finetune
from bot.components.intent_model import IntentModel, blend
from bot.components.minilm_onnx import load_minilm
from knowledge.embedding import minilm_path

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
    args = parser.parse_args()

    texts, intents = load_examples(args.data)
    dense = sentence_vectors(texts, args.model)
    labels = np.array(intents)
    predicted = np.empty(len(texts), dtype=object)
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    linear_only = np.empty(len(texts), dtype=object)
    for fold, (train, test) in enumerate(folds.split(texts, labels)):
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
    if args.finetune:
        print(f"linear model alone: intent macro F1 "
              f"{f1_score(labels, linear_only.astype(str), average='macro'):.4f}")
    macro = f1_score(labels, predicted.astype(str), average="macro")
    print(f"{len(texts)} examples, {len(set(intents))} intents, {args.folds} folds: "
          f"intent macro F1 {macro:.4f}, accuracy {(predicted == labels).mean():.4f}")
    if args.report:
        print(classification_report(labels, predicted.astype(str), digits=3))
    if args.errors:
        for i in sorted(np.flatnonzero(predicted != labels), key=lambda i: (labels[i], texts[i])):
            print(f"{labels[i]:22s} -> {predicted[i]:22s} | {texts[i]}")


if __name__ == "__main__":
    main()
