"""Fine-tune all-MiniLM-L6-v2 as an intent classifier and export it to ONNX (app venv, torch).

    python -m bot.components.intent_finetune --examples examples.json --out folder

``examples.json`` is ``{"texts": [...], "intents": [...]}``. The Rasa component
:class:`bot.components.intent_classifier.IntentClassifier` runs this in a child process of the
app venv while ``rasa train`` (and every fold of ``rasa test nlu --cross-validation``) trains,
so torch never loads in the Rasa process; the Rasa side only runs the ONNX export with
onnxruntime (:mod:`bot.components.intent_encoder_onnx`).

The model: MiniLM's six BERT layers, mean pooling over the non-padding WordPieces, a linear
layer to one logit per intent. The embeddings and the lowest layers stay frozen (their output is
computed once); the upper layers and the head are trained (AdamW, linear warm-up then decay,
cross-entropy with label smoothing) for a fixed number of epochs on batches of similar length;
there is no held-out early stopping, so a cross-validation fold never sees its test part. It
runs on a GPU when torch sees one, else on the CPU.

The folder it writes (:data:`MODEL_FILE`, :data:`TOKENIZER_FILE`, :data:`CONFIG_FILE`) maps
``input_ids``, ``attention_mask``, ``token_type_ids`` (int64, ``(batch, sequence)``) to
``logits`` (float32, ``(batch, n_intents)``); the config names the intents in column order.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from bot.components.onnx_export import export_to_onnx

MODEL_FILE = "intent_encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "intent_encoder.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FinetuneConfig:
    """Training settings (chosen on the project's data with ``scripts/intent_quick_cv``).

    ``frozen_layers`` keeps the embeddings and that many of MiniLM's lowest layers as they
    are: their output is computed once per batch before training and reused every epoch, so
    an epoch runs forward and backward through the upper layers only.
    """

    epochs: int = 10
    learning_rate: float = 1e-4
    batch_size: int = 32
    max_length: int = 64
    label_smoothing: float = 0.1
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    frozen_layers: int = 3
    seed: int = 0


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def finetune(texts: Sequence[str], intents: Sequence[str], out: Path, base: Path,
             config: FinetuneConfig | None = None) -> Path:
    """Fine-tune the MiniLM in ``base`` on (texts, intents) and export it into ``out``.

    ``out`` is replaced as a whole once the export is complete; an interrupted run leaves the
    previous folder (or none), never half of one.
    """
    import numpy as np
    import torch
    from transformers import AutoModel, AutoTokenizer

    config = config or FinetuneConfig()
    if len(texts) != len(intents):
        raise ValueError(f"{len(texts)} texts but {len(intents)} intents")
    classes = sorted(set(intents))
    if len(classes) < 2:
        raise ValueError("fine-tuning needs examples of at least two intents")
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    generator = np.random.default_rng(config.seed)
    device = _device()
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = _build_classifier(
        AutoModel.from_pretrained(str(base), attn_implementation="eager"), len(classes),
        config.frozen_layers).to(device)
    labels = torch.tensor([classes.index(intent) for intent in intents])
    batches = _length_batches(tokenizer, texts, config, generator)
    inputs = [model.frozen_part(tokenizer([texts[i] for i in batch], padding=True,
                                          truncation=True, max_length=config.max_length,
                                          return_tensors="pt").to(device))
              for batch in batches]
    total_steps = config.epochs * len(batches)
    warmup = max(1, int(config.warmup_fraction * total_steps))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad],
                                  lr=config.learning_rate, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / warmup) * max(0.0, 1 - step / total_steps)
    )
    model.train()
    for epoch in range(config.epochs):
        for b in generator.permutation(len(batches)):
            hidden, mask = inputs[b]
            loss = torch.nn.functional.cross_entropy(
                model.trained_part(hidden, mask), labels[batches[b]].to(device),
                label_smoothing=config.label_smoothing)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
        logger.info("intent fine-tuning: epoch %d/%d, %.0f s", epoch + 1, config.epochs,
                    time.perf_counter() - started)
    model.eval().to("cpu")
    _write_folder(model, base, out, {"classes": classes, "max_length": config.max_length,
                                     "training": asdict(config), "examples": len(texts),
                                     "device": device})
    logger.info("intent encoder fine-tuned on %d examples (%d intents) in %.0f s on %s",
                len(texts), len(classes), time.perf_counter() - started, device)
    return out


def _length_batches(tokenizer, texts: Sequence[str], config: FinetuneConfig,  # noqa: ANN001
                    generator) -> list[list[int]]:  # noqa: ANN001
    """Indices of ``texts`` in batches of similar token length (little padding).

    Ties in length are broken at random, and the batches keep their members across epochs
    (only their order is shuffled), so the frozen layers' output can be computed once.
    """
    import numpy as np

    lengths = [min(len(ids), config.max_length)
               for ids in tokenizer(list(texts), truncation=True,
                                    max_length=config.max_length)["input_ids"]]
    order = np.lexsort((generator.random(len(texts)), np.array(lengths)))
    return [order[start:start + config.batch_size].tolist()
            for start in range(0, len(order), config.batch_size)]


def _build_classifier(bert, n_intents: int, frozen_layers: int = 0):  # noqa: ANN001, ANN202
    import torch
    from transformers.masking_utils import create_bidirectional_mask

    from recommender.model import mean_pool

    class Classifier(torch.nn.Module):
        """(batch, seq) ids, mask, types -> (batch, n_intents) logits over mean-pooled MiniLM.

        ``forward`` runs the whole model (the ONNX export traces it); training calls
        :meth:`frozen_part` once per batch and :meth:`trained_part` every step, which together
        compute the same logits.
        """

        def __init__(self, bert: torch.nn.Module, n_intents: int, frozen_layers: int) -> None:
            super().__init__()
            self.bert = bert
            self.head = torch.nn.Linear(bert.config.hidden_size, n_intents)
            self.frozen_layers = frozen_layers
            # The embeddings too: frozen_part computes them once, without gradients.
            for module in (bert.embeddings, *bert.encoder.layer[:frozen_layers]):
                module.requires_grad_(False)

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state  # (b, s, 384)
            return self.head(mean_pool(hidden, attention_mask))  # (b, n_intents)

        @torch.no_grad()
        def frozen_part(self, encoded):  # noqa: ANN001, ANN202
            """(hidden (b, s, 384) after the frozen layers, attention mask (b, s))."""
            was_training = self.training
            self.eval()
            hidden = self.bert.embeddings(input_ids=encoded["input_ids"],
                                          token_type_ids=encoded["token_type_ids"])
            hidden = self._layers(hidden, encoded["attention_mask"], 0, self.frozen_layers)
            self.train(was_training)
            return hidden, encoded["attention_mask"]

        def trained_part(self, hidden, attention_mask):  # noqa: ANN001, ANN202
            """Logits (b, n_intents) from the frozen layers' output (b, s, 384)."""
            hidden = self._layers(hidden, attention_mask, self.frozen_layers,
                                  len(self.bert.encoder.layer))
            return self.head(mean_pool(hidden, attention_mask))

        def _layers(self, hidden, attention_mask, first: int, last: int):  # noqa: ANN001, ANN202
            mask = create_bidirectional_mask(config=self.bert.config, inputs_embeds=hidden,
                                             attention_mask=attention_mask)
            for layer in self.bert.encoder.layer[first:last]:
                hidden = layer(hidden, mask)
            return hidden

    return Classifier(bert, n_intents, frozen_layers)


def _write_folder(model, base: Path, out: Path, config: dict[str, object]) -> None:  # noqa: ANN001
    import torch

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-") as tmp:
        staging = Path(tmp)
        mask = torch.tensor([[1] * 8, [1] * 5 + [0] * 3], dtype=torch.long)
        dummy = (torch.full((2, 8), 1000, dtype=torch.long) * mask, mask, torch.zeros_like(mask))
        axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
        axes["logits"] = {0: "batch"}
        export_to_onnx(model, dummy, staging / MODEL_FILE, input_names=INPUT_NAMES,
                       output_names=("logits",), dynamic_axes=axes)
        shutil.copyfile(base / TOKENIZER_FILE, staging / TOKENIZER_FILE)
        (staging / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.chmod(0o755)
        os.replace(staging, out)
        staging.mkdir()  # TemporaryDirectory removes the (now empty) name it made


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=Path, required=True,
                        help='JSON {"texts": [...], "intents": [...]}')
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=FinetuneConfig.epochs)
    parser.add_argument("--learning-rate", type=float, default=FinetuneConfig.learning_rate)
    parser.add_argument("--frozen-layers", type=int, default=FinetuneConfig.frozen_layers)
    parser.add_argument("--seed", type=int, default=FinetuneConfig.seed)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from knowledge.embedding import minilm_path

    examples = json.loads(args.examples.read_text(encoding="utf-8"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finetune(examples["texts"], examples["intents"], args.out, minilm_path(),
                 FinetuneConfig(epochs=args.epochs, learning_rate=args.learning_rate,
                                frozen_layers=args.frozen_layers, seed=args.seed))


if __name__ == "__main__":
    main()
