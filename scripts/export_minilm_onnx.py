"""Export the bundled all-MiniLM-L6-v2 to ONNX for the Rasa environment, which has no torch.

    python -m scripts.export_minilm_onnx --out models/minilm-onnx [--force]

Writes into ``--out``:

* ``model.onnx``: the BERT encoder, inputs ``input_ids``, ``attention_mask``, ``token_type_ids``
  (int64, ``(batch, sequence)``), output ``last_hidden_state`` (float32,
  ``(batch, sequence, 384)``); batch and sequence axes are dynamic;
* ``tokenizer.json``: the model's WordPiece tokenizer (HF ``tokenizers`` format);
* ``minilm_onnx.json``: what the folder holds (model name, dim, max sequence length, pooling)
  and what it was built from (sha256 of the weights, of this script and of the tracing helper).

Idempotent: when ``minilm_onnx.json`` names the same weights and the same exporter, nothing is
written. ``make train`` runs it before ``rasa train`` (``bot/components/minilm_featurizer.py``
reads the folder).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

from bot.components import onnx_export
from bot.components.onnx_export import OPSET, export_to_onnx
from knowledge.embedding import MINILM_NAME, minilm_path

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "minilm_onnx.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")

logger = logging.getLogger(__name__)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _wanted_config(source: Path) -> dict[str, object]:
    st_config = json.loads((source / "sentence_bert_config.json").read_text())
    pooling = json.loads((source / "1_Pooling" / "config.json").read_text())
    return {
        "model_name": MINILM_NAME,
        "dim": int(pooling["word_embedding_dimension"]),
        "max_seq_length": int(st_config["max_seq_length"]),
        "pooling": "mean",
        "inputs": list(INPUT_NAMES),
        "output": "last_hidden_state",
        "opset": OPSET,
        "weights_sha256": _sha256(source / "model.safetensors"),
        # This script and the tracing helper it calls.
        "exporter_sha256": [_sha256(Path(__file__)), _sha256(Path(onnx_export.__file__))],
    }


def is_up_to_date(out: Path, wanted: dict[str, object]) -> bool:
    """True when ``out`` already holds an export of the same weights by the same exporter."""
    config = out / CONFIG_FILE
    if not all((out / name).is_file() for name in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)):
        return False
    try:
        return json.loads(config.read_text()) == wanted
    except ValueError:
        return False


def _export_onnx(source: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax ops that any onnxruntime runs.
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager")
    model.eval()

    class Encoder(torch.nn.Module):
        """(batch, seq) int64 ids, mask, types -> (batch, seq, dim) last hidden state."""

        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001
            output = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids, return_dict=True)
            return output.last_hidden_state

    # A padded row in the example, so the trace takes the masking path.
    mask = torch.tensor([[1] * 8, [1] * 5 + [0] * 3], dtype=torch.long)
    dummy = (torch.full((2, 8), 1000, dtype=torch.long) * mask, mask, torch.zeros_like(mask))
    dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in INPUT_NAMES}
    dynamic_axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
    export_to_onnx(Encoder(model), dummy, target, input_names=INPUT_NAMES,
                   output_names=("last_hidden_state",), dynamic_axes=dynamic_axes)


def export(out: Path, *, force: bool = False) -> Path:
    """Export the bundled MiniLM into ``out`` (unless already there); return ``out``."""
    source = minilm_path()
    wanted = _wanted_config(source)
    if not force and is_up_to_date(out, wanted):
        logger.info("%s is up to date", out)
        return out
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Build next to the target, then swap in, so an interrupted export never leaves half a folder.
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}-") as tmp:
        staging = Path(tmp)
        _export_onnx(source, staging / MODEL_FILE)
        shutil.copyfile(source / TOKENIZER_FILE, staging / TOKENIZER_FILE)
        # Written last: its presence marks a complete export.
        (staging / CONFIG_FILE).write_text(json.dumps(wanted, indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        staging.chmod(0o755)  # mkdtemp makes it owner-only
        os.replace(staging, out)
        staging.mkdir()  # TemporaryDirectory cleans up the (now empty) name it created
    logger.info("exported %s to %s in %.1f s", MINILM_NAME, out, time.perf_counter() - started)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("models/minilm-onnx"))
    parser.add_argument("--force", action="store_true", help="export even when up to date")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    export(args.out, force=args.force)


if __name__ == "__main__":
    main()
