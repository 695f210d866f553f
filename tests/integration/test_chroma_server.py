"""The production path: the same store over a real Chroma server (``chroma run``) via HttpClient."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from catalog.filters import ProductFilters
from knowledge.search import ProductSearch
from knowledge.store import EmbeddingModelMismatch, KnowledgeStore
from ops.servers import free_port
from tests.integration.test_knowledge_store import PRODUCTS, sample_catalog

pytestmark = pytest.mark.integration
CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("chroma-log") / "chroma.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(CHROMA), "run", "--path", str(tmp_path_factory.mktemp("chroma-server")),
             "--port", str(port)], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail(f"chroma server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_ingest_and_search_over_http(chroma_url: str, embedder) -> None:  # type: ignore[no-untyped-def]
    catalog = sample_catalog(PRODUCTS)
    store = KnowledgeStore.open(embedder, url=chroma_url)
    first = store.ingest(catalog, progress=False)
    assert first.embedded > 0
    assert store.ingest(catalog, progress=False).embedded == 0
    result = ProductSearch(catalog, store, embedder).search("Chaz", ProductFilters(), k=3)
    assert result.hits[0].product.name == "Chaz Kangeroo Hoodie"


def test_model_guard_holds_over_http(chroma_url: str, embedder) -> None:  # type: ignore[no-untyped-def]
    KnowledgeStore.open(embedder, url=chroma_url).ingest(sample_catalog(PRODUCTS), progress=False)

    class OtherModel:
        model_name, dim = "another-model", embedder.dim

        def embed(self, texts, *, progress=False):  # type: ignore[no-untyped-def]
            return embedder.embed(texts)

    with pytest.raises(EmbeddingModelMismatch):
        KnowledgeStore.open(OtherModel(), url=chroma_url).ingest(sample_catalog(PRODUCTS), progress=False)
