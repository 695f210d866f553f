"""all-MiniLM-L6-v2 sentence vectors from its ONNX export, batched for ingest.

Reuses the folder that ``scripts/export_minilm_onnx.py`` writes for the Rasa side
(``model.onnx``, ``tokenizer.json``, ``minilm_onnx.json``) and that side's CPU session and
padding helpers (``bot/components/minilm_onnx.py``: numpy, onnxruntime and tokenizers only, no
Rasa). The int8 variant is ``model-int8.onnx`` in the same folder, made on first use by
:func:`quantize_int8` (onnxruntime dynamic quantisation of the weight MatMuls; needs ``onnx``).

Vectors are those of sentence-transformers' ``encode(..., normalize_embeddings=True)``: the
text cut at ``max_seq_length`` WordPieces (special tokens included), the mean of the last
hidden states under the attention mask, then L2-normalised.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.components.minilm_onnx import (
    CONFIG_FILE,
    MODEL_FILE,
    TOKENIZER_FILE,
    MiniLMNotExported,
    cpu_session,
    pad_encodings,
)
from knowledge.embedding import BatchEmbedder

INT8_MODEL_FILE = "model-int8.onnx"
INT8_RECIPE_FILE = "model-int8.json"
#: Texts per ONNX run. Small batches measured fastest on the 2-core EPYC here (Scientific
#: passages, sorted by length; texts/s under the same load, fp32 | int8): 1: 105 | 200,
#: 2: 127 | 253, 4: 130-148 | 291-319, 8: 105-121 | 265-303, 32: 92-106, 128: 22-28.
BATCH_SIZE = 4


def available_cores() -> int:
    """CPU cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class OnnxEmbedder(BatchEmbedder):
    """An :class:`knowledge.embedding.Embedder` running MiniLM through onnxruntime.

    Args:
        folder: the export folder (``models/minilm-onnx``).
        model_name: the name recorded in the store for vectors this embedder makes.
        model_file: ``model.onnx`` (fp32) or ``model-int8.onnx``.
        batch_size: texts per ONNX run.
        num_threads: intra-op threads; default one per available core.
    """

    def __init__(self, folder: Path, model_name: str, *, model_file: str = MODEL_FILE,
                 batch_size: int = BATCH_SIZE, num_threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        folder = Path(folder)
        missing = [name for name in (model_file, TOKENIZER_FILE, CONFIG_FILE)
                   if not (folder / name).is_file()]
        if missing:
            raise MiniLMNotExported(
                f"{folder} lacks {', '.join(missing)}: run `make ingest` (or "
                f"`python -m knowledge.onnx_embedding --folder {folder}`)"
            )
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        if config.get("pooling") != "mean":
            raise MiniLMNotExported(f"{folder / CONFIG_FILE} names pooling "
                                    f"{config.get('pooling')!r}; only mean pooling is run")
        self.model_name = model_name
        self.dim = int(config["dim"])
        self.max_seq_length = int(config["max_seq_length"])
        self._batch_size = batch_size
        # The shipped tokenizer.json pads and truncates to 128; the model reads up to 256.
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0
        self._session = cpu_session(folder / model_file, num_threads or available_cores())
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()  # one run at a time: the session shares its threads
        self._remember_single_texts()

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        from tqdm import tqdm

        encodings = self._tokenizer.encode_batch(list(texts))
        # Sorted by token length, so a batch of short passages is not padded to a long one.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with tqdm(total=len(texts), unit="text", disable=not progress) as bar:
            for start in range(0, len(order), self._batch_size):
                chunk = order[start:start + self._batch_size]
                out[chunk] = self._pooled([encodings[i] for i in chunk])
                bar.update(len(chunk))
        return out

    def _pooled(self, encodings: Sequence[object]) -> np.ndarray:
        """Mean-pooled, L2-normalised ``(batch, dim)`` vectors of tokenizer encodings."""
        ids, mask = pad_encodings(encodings, self._pad_id)  # (batch, seq) each
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        feeds = {name: value for name, value in feeds.items() if name in self._input_names}
        with self._lock:
            (hidden,) = self._session.run(["last_hidden_state"], feeds)  # (batch, seq, dim)
        weights = mask[:, :, None].astype(np.float32)  # (batch, seq, 1)
        summed = (np.asarray(hidden, dtype=np.float32) * weights).sum(axis=1)  # (batch, dim)
        mean = summed / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(mean, axis=1, keepdims=True)  # (batch, 1)
        return (mean / np.clip(norms, 1e-12, None)).astype(np.float32)


def _int8_recipe(source: Path) -> dict[str, object]:
    """What an int8 model is made from and how; a different recipe makes it again."""
    import onnxruntime

    stat = source.stat()
    return {"source_bytes": stat.st_size, "source_mtime_ns": stat.st_mtime_ns,
            "weights": "int8 per channel", "activations": "dynamic",
            "ops": "MatMul with constant B", "onnxruntime": onnxruntime.__version__}


def quantize_int8(folder: Path) -> Path:
    """Write ``model-int8.onnx`` next to ``model.onnx`` unless it is current; return its path.

    Dynamic quantisation of the weight MatMuls only (int8 weights per output channel, uint8
    activations scaled per batch at run time); the attention products, whose both inputs are
    activations, stay fp32: quantised too they moved vectors to a mean cosine of 0.958 with fp32
    on Scientific passages, against 0.993 this way.
    """
    folder = Path(folder)
    source, target = folder / MODEL_FILE, folder / INT8_MODEL_FILE
    recipe_file = folder / INT8_RECIPE_FILE
    if not source.is_file():
        raise MiniLMNotExported(f"{source} is missing: run `make ingest` (it exports MiniLM)")
    recipe = _int8_recipe(source)
    if target.is_file() and recipe_file.is_file():
        try:
            if json.loads(recipe_file.read_text(encoding="utf-8")) == recipe:
                return target
        except ValueError:
            pass  # unreadable: make it again
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Written beside the target and renamed, so a killed run never leaves half a model.
    partial = target.with_name(f".{target.name}.partial")
    quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True})
    os.replace(partial, target)
    recipe_file.write_text(json.dumps(recipe, indent=2) + "\n", encoding="utf-8")
    return target


def main(argv: list[str] | None = None) -> None:
    """``python -m knowledge.onnx_embedding --folder models/minilm-onnx``: make the int8 model."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--folder", type=Path, default=Path("models/minilm-onnx"))
    args = parser.parse_args(argv)
    print(quantize_int8(args.folder))


if __name__ == "__main__":
    main()
