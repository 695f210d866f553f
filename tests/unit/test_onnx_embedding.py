"""The ONNX ingest embedder (knowledge/onnx_embedding.py) against sentence-transformers.

Real passages: those of the first Amazon Scientific products, built by knowledge.passages as
ingest builds them, plus one text longer than MiniLM reads (cut at 256 WordPieces).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aisle.settings import Settings
from knowledge.embedding import (
    ModelNotAvailable,
    load_embedder,
    minilm_onnx_dir,
    stored_model_name,
)
from knowledge.onnx_embedding import INT8_MODEL_FILE, OnnxEmbedder, quantize_int8
from scripts import export_minilm_onnx


@pytest.fixture(scope="module")
def onnx_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's export when up to date, else a fresh one (as ``make ingest`` makes)."""
    source = export_minilm_onnx.minilm_path()
    if export_minilm_onnx.is_up_to_date(minilm_onnx_dir(),
                                        export_minilm_onnx._wanted_config(source)):
        return minilm_onnx_dir()
    return export_minilm_onnx.export(tmp_path_factory.mktemp("minilm") / "onnx")


@pytest.fixture(scope="module")
def passages() -> list[str]:
    from catalog.importers.amazon import parse_scientific
    from knowledge.passages import product_passages

    catalog = parse_scientific(Settings().data_dir / "amazon-scientific")
    texts = [p.text for product in catalog.products[:60] for p in product_passages(product)]
    long_text = " ".join(p.description for p in catalog.products[:40] if p.description)
    return [*texts, long_text]


def test_onnx_vectors_are_sentence_transformers_vectors(onnx_dir: Path,
                                                        passages: list[str]) -> None:
    onnx = OnnxEmbedder(onnx_dir, "all-MiniLM-L6-v2")
    torch = load_embedder(runtime="torch")
    assert len(passages) >= 300
    assert len(onnx._tokenizer.encode(passages[-1]).ids) == 256  # the long one is cut

    got, expected = onnx.embed(passages), torch.embed(passages)  # (n, 384) each

    assert got.shape == expected.shape == (len(passages), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    cosines = (got * expected).sum(axis=1)
    assert cosines.min() >= 0.999, f"min cosine {cosines.min():.6f}"


def test_a_text_gets_the_same_vector_alone_as_in_a_padded_batch(onnx_dir: Path,
                                                                passages: list[str]) -> None:
    onnx = OnnxEmbedder(onnx_dir, "all-MiniLM-L6-v2", batch_size=8)
    batch = onnx.embed(passages[:40])
    alone = np.stack([onnx.embed([text])[0] for text in passages[:40]])
    np.testing.assert_allclose(batch, alone, atol=1e-5)


def test_batches_hold_texts_of_similar_token_length(onnx_dir: Path,
                                                    passages: list[str]) -> None:
    onnx = OnnxEmbedder(onnx_dir, "all-MiniLM-L6-v2", batch_size=16)
    computed: list[int] = []  # positions the model ran per batch, padding included
    pooled = onnx._pooled

    def spy(encodings):  # type: ignore[no-untyped-def]
        computed.append(max(len(e.ids) for e in encodings) * len(encodings))
        return pooled(encodings)

    onnx._pooled = spy  # type: ignore[method-assign]
    onnx.embed(passages)
    lengths = [len(e.ids) for e in onnx._tokenizer.encode_batch(passages)]
    real = sum(lengths)
    in_given_order = sum(max(lengths[i:i + 16]) * len(lengths[i:i + 16])
                         for i in range(0, len(lengths), 16))
    # Sorted, the model computes under a third of the padding it would in the given order.
    assert sum(computed) - real < (in_given_order - real) / 3


def test_int8_vectors_stay_near_fp32_and_are_made_once(onnx_dir: Path,
                                                        passages: list[str]) -> None:
    made = quantize_int8(onnx_dir)
    stamp = made.stat().st_mtime_ns
    assert quantize_int8(onnx_dir) == made and made.stat().st_mtime_ns == stamp  # current: kept
    fp32 = OnnxEmbedder(onnx_dir, "all-MiniLM-L6-v2").embed(passages)
    int8 = OnnxEmbedder(onnx_dir, "all-MiniLM-L6-v2-int8", model_file=INT8_MODEL_FILE)
    cosines = (int8.embed(passages) * fp32).sum(axis=1)
    # All MatMuls quantised (attention products too) gave mean 0.958, min 0.876 here.
    assert cosines.mean() >= 0.99 and cosines.min() >= 0.95, (cosines.mean(), cosines.min())


def test_store_names_int8_vectors_apart_and_onnx_like_torch() -> None:
    assert stored_model_name("all-MiniLM-L6-v2", "onnx") == "all-MiniLM-L6-v2"
    assert stored_model_name("all-MiniLM-L6-v2", "torch") == "all-MiniLM-L6-v2"
    assert stored_model_name("all-MiniLM-L6-v2", "onnx-int8") == "all-MiniLM-L6-v2-int8"
    with pytest.raises(ModelNotAvailable, match="unknown embedder 'tf'"):
        stored_model_name("all-MiniLM-L6-v2", "tf")


def test_a_missing_export_is_named_with_the_command_that_makes_it(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match=r"lacks model\.onnx.*make ingest"):
        load_embedder(runtime="onnx", onnx_dir=tmp_path / "nowhere")


def test_an_unknown_embedder_setting_and_a_chunk_below_one_are_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    from pydantic import ValidationError

    from knowledge.ingest import main

    with pytest.raises(ValidationError, match="'onnx', 'onnx-int8' or 'torch'"):
        Settings(embedder="tf")
    with pytest.raises(SystemExit) as stopped:
        main(["--chunk", "0"])
    assert stopped.value.code == 2
    assert "--chunk must be at least 1, not 0" in capsys.readouterr().err
