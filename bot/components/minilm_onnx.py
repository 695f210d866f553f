"""all-MiniLM-L6-v2 vectors from its ONNX export: no torch, no Rasa.

The folder written by ``scripts/export_minilm_onnx.py`` (``model.onnx``, ``tokenizer.json``,
``minilm_onnx.json``) is all this needs, so it runs in the Rasa environment (onnxruntime and
tokenizers only) and is unit-tested from the app environment.

For a text and the character spans of its tokens (whatever tokenizer made them: Rasa's
WhitespaceTokenizer in the pipeline) :meth:`MiniLMOnnx.encode` returns

* one vector per token, ``(n_tokens, dim)``: the mean of the last hidden states of the
  WordPieces whose character offsets overlap the token's span;
* one sentence vector, ``(dim,)``: the mean of the last hidden states of all WordPieces,
  ``[CLS]`` and ``[SEP]`` included, exactly the mean pooling of sentence-transformers
  (not L2-normalised; normalise it to get the library's ``encode(..., normalize_embeddings=True)``).

Long input: the text is cut at ``max_seq_length`` WordPieces (256, special tokens included), as
sentence-transformers does. Tokens wholly past the cut, and tokens no WordPiece covers (text the
normaliser drops, such as control characters), get zero vectors; Rasa's dense pooling skips
zero rows. The sentence vector then describes the first 254 WordPieces only.

The ONNX session is built on first use and cached per folder (:func:`load_minilm`), never at
import time.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "minilm_onnx.json"

Span = tuple[int, int]


class MiniLMNotExported(FileNotFoundError):
    """The ONNX folder is missing or incomplete (run ``make train`` or the export script)."""


@dataclass(frozen=True)
class Encoding:
    """MiniLM vectors of one text.

    Attributes:
        tokens: ``(n_tokens, dim)`` float32, one row per requested token span.
        sentence: ``(dim,)`` float32, mean of all WordPiece vectors.
        truncated: whether the text had more WordPieces than the model reads.
    """

    tokens: np.ndarray
    sentence: np.ndarray
    truncated: bool


class MiniLMOnnx:
    """Token and sentence vectors from an exported all-MiniLM-L6-v2 folder."""

    def __init__(self, folder: Path, *, num_threads: int = 0) -> None:
        """Open the ONNX session and tokenizer in ``folder``.

        Args:
            folder: output folder of ``scripts/export_minilm_onnx.py``.
            num_threads: onnxruntime intra-op threads; 0 lets onnxruntime choose.
        """
        from tokenizers import Tokenizer

        folder = Path(folder)
        missing = [name for name in (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)
                   if not (folder / name).is_file()]
        if missing:
            raise MiniLMNotExported(
                f"{folder} lacks {', '.join(missing)}: run "
                f"`python -m scripts.export_minilm_onnx --out {folder}` in the app venv "
                "(`make train` does it)"
            )
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        self.folder = folder
        self.model_name: str = config["model_name"]
        self.dim: int = int(config["dim"])
        self.max_seq_length: int = int(config["max_seq_length"])

        # The shipped tokenizer.json pads and truncates to 128; the model reads up to 256.
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self.max_seq_length)
        self._pad_id = self._tokenizer.token_to_id("[PAD]") or 0

        self._session = cpu_session(folder / MODEL_FILE, num_threads)
        self._input_names = {i.name for i in self._session.get_inputs()}
        self._lock = threading.Lock()  # one run at a time: the session shares its threads

    def encode(self, text: str, spans: Sequence[Span]) -> Encoding:
        """Vectors of ``text`` and of each ``(start, end)`` character span of it."""
        return self.encode_batch([text], [spans])[0]

    def encode_batch(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]], *, batch_size: int = 32
    ) -> list[Encoding]:
        """:meth:`encode` for many texts, run through the model ``batch_size`` at a time."""
        if len(texts) != len(spans):
            raise ValueError(f"{len(texts)} texts but {len(spans)} span lists")
        # Similar lengths share a batch, so little padding is computed.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        by_index: dict[int, Encoding] = {}
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            hidden = self._run(encodings)  # (batch, seq, dim)
            for row, index in enumerate(chunk):
                encoding = encodings[row]
                length = len(encoding.ids)
                vectors = hidden[row, :length]  # (seq, dim)
                by_index[index] = Encoding(
                    tokens=align_to_spans(vectors, encoding.offsets,
                                          encoding.special_tokens_mask, spans[index]),
                    sentence=vectors.mean(axis=0),
                    truncated=bool(encoding.overflowing),
                )
        return [by_index[i] for i in range(len(texts))]

    def _run(self, encodings: Sequence[object]) -> np.ndarray:
        """Last hidden states ``(batch, max_len, dim)`` of tokenizer encodings (padded)."""
        ids, mask = pad_encodings(encodings, self._pad_id)
        feeds = {"input_ids": ids, "attention_mask": mask,
                 "token_type_ids": np.zeros_like(ids)}
        feeds = {name: value for name, value in feeds.items() if name in self._input_names}
        with self._lock:
            (hidden,) = self._session.run(["last_hidden_state"], feeds)
        return np.asarray(hidden, dtype=np.float32)


def cpu_session(model: Path, num_threads: int = 0):  # noqa: ANN201 - onnxruntime loads lazily
    """An onnxruntime CPU session whose idle threads sleep instead of spinning.

    onnxruntime's intra-op threads spin for a while after every run by default, waiting for
    the next one; in a server that runs one message at a time between network waits, that
    spinning is CPU burnt for nothing, taken from the other processes on a 2-core machine.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = num_threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(model), sess_options=options,
                                        providers=["CPUExecutionProvider"])


def pad_encodings(encodings: Sequence[object], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask, both int64 ``(batch, longest)``, of tokenizer encodings."""
    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, encoding in enumerate(encodings):
        ids[row, :len(encoding.ids)] = encoding.ids
        mask[row, :len(encoding.ids)] = 1
    return ids, mask


def align_to_spans(
    vectors: np.ndarray,
    offsets: Sequence[Span],
    special: Sequence[int],
    spans: Sequence[Span],
) -> np.ndarray:
    """Average WordPiece vectors over each character span.

    Args:
        vectors: ``(n_wordpieces, dim)`` hidden states.
        offsets: ``(start, end)`` character offsets of each WordPiece in the text.
        special: 1 for ``[CLS]``/``[SEP]`` (never part of a span), else 0.
        spans: ``(start, end)`` of each token to describe.

    Returns:
        ``(len(spans), dim)``; a span no WordPiece overlaps gets a zero row.
    """
    out = np.zeros((len(spans), vectors.shape[1]), dtype=np.float32)
    pieces = [(s, e, i) for i, ((s, e), sp) in enumerate(zip(offsets, special, strict=True))
              if not sp and e > s]
    for row, (start, end) in enumerate(spans):
        members = [i for s, e, i in pieces if s < end and start < e]
        if members:
            out[row] = vectors[members].mean(axis=0)
    return out


@lru_cache(maxsize=4)
def load_minilm(folder: str, num_threads: int = 0) -> MiniLMOnnx:
    """One :class:`MiniLMOnnx` per folder and process (the session takes ~0.5 s and 90 MB)."""
    return MiniLMOnnx(Path(folder).resolve(), num_threads=num_threads)
