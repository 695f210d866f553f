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
from pathlib import Path

import numpy as np
import yaml
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import StratifiedKFold

from bot.components.intent_model import IntentModel
from bot.components.minilm_onnx import load_minilm

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "bot" / "data" / "nlu")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "minilm-onnx")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--errors", action="store_true", help="list held-out mistakes")
    parser.add_argument("--report", action="store_true", help="per-intent precision/recall")
    args = parser.parse_args()

    texts, intents = load_examples(args.data)
    dense = sentence_vectors(texts, args.model)
    labels = np.array(intents)
    predicted = np.empty(len(texts), dtype=object)
    folds = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
    for train, test in folds.split(texts, labels):
        model = IntentModel().fit([texts[i] for i in train], dense[train], labels[train])
        probabilities = model.predict_proba([texts[i] for i in test], dense[test])
        predicted[test] = np.array(model.classes)[probabilities.argmax(axis=1)]
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
