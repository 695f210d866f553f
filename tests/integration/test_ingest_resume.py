"""Ingest is incremental, resumable after a kill, and re-embeds a store built by another model.

Real Chroma stores on temporary folders; the kill test runs ``python -m knowledge.ingest`` on the
lab store (300 real Amazon Scientific products) with the ONNX embedder and SIGKILLs it part-way.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from aisle.settings import REPO_ROOT, Settings
from knowledge.store import EmbeddingModelMismatch, KnowledgeStore
from tests.integration.test_knowledge_store import PRODUCTS, sample_catalog


class HashEmbedder:
    """Deterministic unit vectors per (model, text); counts what it embeds."""

    dim = 16

    def __init__(self, model_name: str, fail_after: int | None = None) -> None:
        self.model_name = model_name
        self.embedded = 0
        self._fail_after = fail_after

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if self._fail_after is not None and self.embedded + len(texts) > self._fail_after:
            raise KeyboardInterrupt("killed part-way")
        self.embedded += len(texts)
        return np.stack([self.vector(t) for t in texts]) if texts else np.zeros((0, self.dim))

    def vector(self, text: str) -> np.ndarray:
        seed = hashlib.sha256(f"{self.model_name}\n{text}".encode()).digest()
        v = np.frombuffer(seed[:self.dim], dtype=np.uint8).astype(np.float32) - 127.5
        return (v / np.linalg.norm(v)).astype(np.float32)


def _stored_vectors_are(store: KnowledgeStore, embedder: HashEmbedder) -> bool:
    for collection in (store.products, store.passages):
        got = collection.get(include=["documents", "embeddings"])
        expected = np.stack([embedder.vector(t) for t in got["documents"]])
        if not np.allclose(np.asarray(got["embeddings"]), expected, atol=1e-6):
            return False
    return True


def test_a_store_built_by_another_model_is_re_embedded_by_ingest(tmp_path: Path) -> None:
    path = tmp_path / "chroma"
    catalog = sample_catalog(PRODUCTS)
    old = HashEmbedder("minilm-torch")
    first = KnowledgeStore.open(old, path=path).ingest(catalog, progress=False)
    total = first.embedded
    assert total == old.embedded > len(PRODUCTS)

    new = HashEmbedder("minilm-int8")
    with pytest.raises(EmbeddingModelMismatch, match="minilm-torch"):
        KnowledgeStore.open(new, path=path)  # a searching process is refused, as before
    report = KnowledgeStore.open(new, path=path, reembed=True).ingest(catalog, progress=False)
    assert report.embedded == new.embedded == total
    assert report.products.updated + report.passages.updated == total

    store = KnowledgeStore.open(new, path=path)  # now named after the new model
    assert store.passages.metadata["embedding_model"] == "minilm-int8"
    assert _stored_vectors_are(store, new)
    with pytest.raises(EmbeddingModelMismatch):
        KnowledgeStore.open(old, path=path)
    assert KnowledgeStore.open(new, path=path).ingest(catalog, progress=False).embedded == 0


def test_a_model_change_cut_short_is_finished_by_the_next_ingest(tmp_path: Path) -> None:
    path = tmp_path / "chroma"
    catalog = sample_catalog(PRODUCTS)
    total = KnowledgeStore.open(HashEmbedder("a"), path=path).ingest(catalog).embedded

    cut = HashEmbedder("b", fail_after=6)
    with pytest.raises(KeyboardInterrupt):
        KnowledgeStore.open(cut, path=path, reembed=True).ingest(catalog, progress=False,
                                                                  chunk=3)
    # Two chunks of three were written; the collection still names the old model.
    with pytest.raises(EmbeddingModelMismatch):
        KnowledgeStore.open(HashEmbedder("b"), path=path)

    rest = HashEmbedder("b")
    store = KnowledgeStore.open(rest, path=path, reembed=True)
    report = store.ingest(catalog, progress=False, chunk=3)
    assert report.embedded == rest.embedded == total - 6
    assert _stored_vectors_are(KnowledgeStore.open(HashEmbedder("b"), path=path), rest)


class StreamingOnlyCatalog:
    """A catalog that refuses the whole-catalog reads (``products()``, ``reviews()`` of all)."""

    def __init__(self, inner: object) -> None:
        self._inner = inner
        self.batches = 0

    def iter_products(self):  # type: ignore[no-untyped-def]
        for product in self._inner.products():  # type: ignore[attr-defined]
            self.batches += 1
            yield product

    def products(self):  # type: ignore[no-untyped-def]
        raise AssertionError("ingest loaded the whole catalog")

    def reviews(self, product_id: str | None = None):  # type: ignore[no-untyped-def]
        if product_id is None:
            raise AssertionError("ingest loaded every review")
        return self._inner.reviews(product_id)  # type: ignore[attr-defined]

    def policy_sections(self):  # type: ignore[no-untyped-def]
        return self._inner.policy_sections()  # type: ignore[attr-defined]


def test_ingest_streams_the_catalog_and_matches_a_whole_catalog_ingest(tmp_path: Path) -> None:
    whole = KnowledgeStore.open(HashEmbedder("m"), path=tmp_path / "a")
    whole.ingest(sample_catalog(PRODUCTS), progress=False)
    streamed = KnowledgeStore.open(HashEmbedder("m"), path=tmp_path / "b")
    catalog = StreamingOnlyCatalog(sample_catalog(PRODUCTS))
    report = streamed.ingest(catalog, progress=False)  # type: ignore[arg-type]
    assert catalog.batches > 0 and report.products.added == len(PRODUCTS)
    for name in ("products", "passages"):
        a = getattr(whole, name).get(include=["documents", "metadatas"])
        b = getattr(streamed, name).get(include=["documents", "metadatas"])
        assert sorted(zip(a["ids"], a["documents"], strict=True)) == sorted(
            zip(b["ids"], b["documents"], strict=True))


def _ingest_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AISLE_")}
    env.update(PYTHONPATH=str(REPO_ROOT), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               AISLE_STORE="lab", AISLE_STATE_DIR=str(settings.state_dir),
               AISLE_STORE_PAGES=str(settings.store_pages), AISLE_EMBEDDER="onnx")
    return env


def _report(output: str) -> dict[str, int]:
    """Numbers of the ``passages: …`` line of an ingest report."""
    match = re.search(r"passages: (\d+) added, (\d+) updated, (\d+) unchanged, (\d+) deleted "
                      r"\((\d+) embedded\)", output)
    assert match, output
    return dict(zip(("added", "updated", "unchanged", "deleted", "embedded"),
                    map(int, match.groups()), strict=True))


def test_a_killed_ingest_resumes_where_it_stopped(tmp_path: Path) -> None:
    from catalog.import_catalog import main as import_main
    from scripts.export_minilm_onnx import export
    from tests.lab_store import LAB_PAGES, write_lab_catalog

    export(REPO_ROOT / "models" / "minilm-onnx")  # what `make ingest` does; no-op when current
    settings = Settings(store="lab", state_dir=tmp_path, store_pages=LAB_PAGES,
                        database_url=None, chroma_url=None)
    catalog_file = tmp_path / "products.jsonl"
    write_lab_catalog(settings.data_dir, catalog_file)
    assert import_main(["--store", "lab", "--file", str(catalog_file), "--pages",
                        str(LAB_PAGES), "--db", settings.catalog_url]) == 0
    command = [sys.executable, "-m", "knowledge.ingest", "--chunk", "64"]
    env = _ingest_env(settings)

    run = subprocess.Popen(command, env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
    assert run.stderr is not None
    os.set_blocking(run.stderr.fileno(), False)
    progress = b""
    deadline = time.monotonic() + 300
    done = total = 0
    while time.monotonic() < deadline and run.poll() is None:
        progress += run.stderr.read() or b""
        # tqdm on stderr: "embedding passages:  12%|█▏ | 192/1544 [00:01<00:09, 150.1doc/s]"
        bars = re.findall(rb"embedding passages:[^|]*\|[^|]*\| *(\d+)/(\d+)", progress)
        if bars:
            done, total = map(int, bars[-1])
            if 128 <= done < total - 128:
                run.send_signal(signal.SIGKILL)
                break
        time.sleep(0.05)
    run.wait(timeout=60)
    assert run.returncode == -signal.SIGKILL, progress.decode(errors="replace")[-2000:]
    assert b"doc/s" in progress and "<" in progress.decode(errors="replace")  # rate and ETA

    rerun = subprocess.run(command + ["--no-progress"], env=env, cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=300, check=True)
    resumed = _report(rerun.stdout)
    # Only what the killed run had not written is embedded: at least the chunks it reported.
    assert resumed["embedded"] == resumed["added"] > 0
    assert resumed["unchanged"] >= done and resumed["added"] <= total - done
    assert resumed["added"] + resumed["unchanged"] == total

    again = subprocess.run(command + ["--no-progress"], env=env, cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=300, check=True)
    assert _report(again.stdout) == {"added": 0, "updated": 0, "unchanged": total,
                                     "deleted": 0, "embedded": 0}
