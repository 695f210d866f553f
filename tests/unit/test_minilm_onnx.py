"""The ONNX MiniLM behind the Rasa dense featurizer (bot/components/minilm_onnx.py).

Exports the bundled all-MiniLM-L6-v2 once per session (a few seconds; reused when
``models/minilm-onnx`` already holds the same export) and compares it with sentence-transformers.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from bot.components.minilm_onnx import (
    MiniLMNotExported,
    MiniLMOnnx,
    align_to_spans,
    load_minilm,
)
from scripts import export_minilm_onnx

TEXTS = [
    "I need a women's jacket under $80",
    "hi",
    "is the first one waterproof?",
    "what's your return policy for the Chaz Kangeroo Hoodie, size XL?",
    "naïve café: add 2 of #000000123 to my cart!!",
]


def _spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


@pytest.fixture(scope="session")
def minilm(tmp_path_factory: pytest.TempPathFactory) -> MiniLMOnnx:
    repo_export = Path(__file__).resolve().parents[2] / "models" / "minilm-onnx"
    source = export_minilm_onnx.minilm_path()
    if export_minilm_onnx.is_up_to_date(repo_export,
                                        export_minilm_onnx._wanted_config(source)):
        folder = repo_export
    else:
        folder = export_minilm_onnx.export(tmp_path_factory.mktemp("minilm") / "onnx")
    return load_minilm(str(folder))


def test_shapes(minilm: MiniLMOnnx) -> None:
    encoding = minilm.encode(TEXTS[0], _spans(TEXTS[0]))
    assert minilm.dim == 384
    assert encoding.tokens.shape == (7, 384)  # I need a women's jacket under $80
    assert encoding.sentence.shape == (384,)
    assert encoding.tokens.dtype == encoding.sentence.dtype == np.float32
    assert not encoding.truncated


def test_sentence_vector_matches_sentence_transformers(minilm: MiniLMOnnx) -> None:
    from knowledge.embedding import load_embedder

    expected = load_embedder().embed(TEXTS)  # (n, 384), unit norm
    for text, reference in zip(TEXTS, expected, strict=True):
        sentence = minilm.encode(text, _spans(text)).sentence
        assert float(sentence @ reference / np.linalg.norm(sentence)) > 0.999


def test_a_padded_batch_equals_one_at_a_time(minilm: MiniLMOnnx) -> None:
    batch = minilm.encode_batch(TEXTS, [_spans(t) for t in TEXTS], batch_size=8)
    for text, encoding in zip(TEXTS, batch, strict=True):
        alone = minilm.encode(text, _spans(text))
        np.testing.assert_allclose(encoding.tokens, alone.tokens, atol=1e-4)
        np.testing.assert_allclose(encoding.sentence, alone.sentence, atol=1e-4)


def test_a_token_is_the_mean_of_its_wordpieces(minilm: MiniLMOnnx) -> None:
    text = "waterproof jacket"
    pieces = minilm._tokenizer.encode(text)
    assert pieces.tokens == ["[CLS]", "water", "##proof", "jacket", "[SEP]"]
    hidden = minilm._run([pieces])[0]  # (5, 384)
    tokens = minilm.encode(text, _spans(text)).tokens
    np.testing.assert_allclose(tokens[0], hidden[1:3].mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(tokens[1], hidden[3], atol=1e-5)
    np.testing.assert_allclose(minilm.encode(text, []).sentence, hidden.mean(axis=0), atol=1e-5)


def test_alignment_follows_character_offsets() -> None:
    vectors = np.arange(12, dtype=np.float32).reshape(6, 2)  # [CLS] a ##b c d [SEP]
    offsets = [(0, 0), (0, 1), (1, 2), (3, 4), (5, 6), (0, 0)]
    special = [1, 0, 0, 0, 0, 1]
    spans = [(0, 2), (3, 4), (7, 9), (3, 6)]  # "ab", "c", nothing there, "c d"
    aligned = align_to_spans(vectors, offsets, special, spans)
    np.testing.assert_allclose(aligned, [[3, 4], [6, 7], [0, 0], [7, 8]])


def test_punctuation_attached_to_a_word_is_part_of_its_token(minilm: MiniLMOnnx) -> None:
    text = "waterproof?"
    with_mark = minilm.encode(text, [(0, 11)]).tokens[0]
    word_only = minilm.encode(text, [(0, 10)]).tokens[0]
    assert not np.allclose(with_mark, word_only)
    assert np.linalg.norm(word_only) > 0


def test_empty_text(minilm: MiniLMOnnx) -> None:
    encoding = minilm.encode("", [])
    assert encoding.tokens.shape == (0, 384)
    assert encoding.sentence.shape == (384,)  # the mean of [CLS] and [SEP]
    assert np.isfinite(encoding.sentence).all()


def test_long_text_is_cut_at_256_wordpieces(minilm: MiniLMOnnx) -> None:
    text = " ".join(["jacket"] * 300)  # one WordPiece per word
    encoding = minilm.encode(text, _spans(text))
    assert encoding.truncated
    assert encoding.tokens.shape == (300, 384)
    # 256 WordPieces = [CLS] + 254 words + [SEP]; the rest get zero vectors.
    assert np.abs(encoding.tokens[:254]).sum(axis=1).min() > 0
    assert not encoding.tokens[254:].any()

    from knowledge.embedding import load_embedder

    reference = load_embedder().embed([text])[0]  # sentence-transformers cuts at 256 too
    sentence = encoding.sentence / np.linalg.norm(encoding.sentence)
    assert float(sentence @ reference) > 0.999


def test_a_missing_export_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(MiniLMNotExported, match="export_minilm_onnx"):
        MiniLMOnnx(tmp_path)


def test_the_export_is_skipped_when_up_to_date(minilm: MiniLMOnnx) -> None:
    model = minilm.folder / "model.onnx"
    before = model.stat().st_mtime_ns
    export_minilm_onnx.export(minilm.folder)
    assert model.stat().st_mtime_ns == before


def test_the_session_is_cached_per_folder(minilm: MiniLMOnnx) -> None:
    assert load_minilm(str(minilm.folder)) is load_minilm(str(minilm.folder))
