"""Intent probabilities from the fine-tuned MiniLM export: onnxruntime only, no torch.

Reads the folder :mod:`bot.components.intent_finetune` writes, in either venv. Texts are
tokenised with the model's WordPiece tokenizer, cut at the training ``max_length`` and batched
by length, so a batch pads little.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.components.minilm_onnx import cpu_session, pad_encodings

MODEL_FILE = "intent_encoder.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "intent_encoder.json"


class IntentEncoderNotTrained(FileNotFoundError):
    """The folder lacks a complete fine-tuned intent encoder."""


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class IntentEncoderOnnx:
    """``predict_proba(texts) -> (n, n_intents)`` with columns in :attr:`classes` order."""

    def __init__(self, folder: Path, *, num_threads: int = 0) -> None:
        from tokenizers import Tokenizer

        folder = Path(folder)
        missing = [name for name in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)
                   if not (folder / name).is_file()]
        if missing:
            raise IntentEncoderNotTrained(f"{folder} lacks {', '.join(missing)}")
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        self.classes: list[str] = [str(name) for name in config["classes"]]
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(config["max_length"]))
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0
        self._session = cpu_session(folder / MODEL_FILE, num_threads)
        self._lock = threading.Lock()

    def predict_proba(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Softmax of the logits, ``(len(texts), len(classes))`` float64."""
        out = np.zeros((len(texts), len(self.classes)), dtype=np.float64)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            ids, mask = pad_encodings(encodings, self._pad_id)
            feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            with self._lock:
                (logits,) = self._session.run(["logits"], feeds)
            out[chunk] = _softmax(np.asarray(logits, dtype=np.float64))
        return out
