"""A third store, brought as a catalog file and a folder of pages, run with the same NLU model.

The three documented commands (docs/catalog-schema.md, "Run your own store") are run as a
store's owner would: ``catalog.import_catalog --store lab --file … --pages …``,
``knowledge.ingest``, then the assistant with ``AISLE_STORE=lab``. The catalog is 300 real
Amazon Scientific lab products (tests/lab_store.py); the pages are test fixtures. One server
start for the module; the trained model models/aisle.tar.gz is reused, not retrained.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from aisle.settings import REPO_ROOT, Settings
from catalog import SqlCatalog
from ops.servers import RunningAssistant, running_assistant, server_env
from tests.lab_store import LAB_PAGES, write_lab_catalog

pytestmark = pytest.mark.e2e


def _run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, *argv], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningAssistant, Settings]]:
    state = tmp_path_factory.mktemp("lab-state")
    catalog_file = state / "lab-products.jsonl"
    write_lab_catalog(Settings().data_dir, catalog_file)
    env = {name: value for name, value in server_env().items()
           if name not in {"AISLE_DATABASE_URL", "AISLE_CHROMA_URL", "AISLE_PROFILE"}}
    env.update({"AISLE_STORE": "lab", "AISLE_STATE_DIR": str(state),
                "AISLE_STORE_PAGES": str(LAB_PAGES),
                "AISLE_STATE_DATABASE_URL": f"sqlite:///{state / 'shop-lab.sqlite'}"})
    imported = _run(["-m", "catalog.import_catalog", "--store", "lab", "--file",
                     str(catalog_file), "--pages", str(LAB_PAGES)], env)
    assert "store pages: 3 pages" in imported
    _run(["-m", "knowledge.ingest", "--no-progress"], env)
    settings = Settings(store="lab", state_dir=state, store_pages=LAB_PAGES)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)  # running_assistant starts the servers with this environment
    try:
        with running_assistant(state, token=None) as running:
            os.environ.clear()
            os.environ.update(saved)
            yield running, settings
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _payloads(messages: list[dict], kind: str) -> list[dict]:
    return [m["custom"] for m in messages
            if isinstance(m.get("custom"), dict) and m["custom"].get("type") == kind]


def test_a_search_finds_the_lab_stores_products(
        lab: tuple[RunningAssistant, Settings], client: httpx.Client) -> None:
    running, settings = lab
    lab_ids = {p.id for p in SqlCatalog(settings.catalog_url, "lab").products()}
    messages = running.say("lab-search", "do you have ph test strips?", client)
    cards = [card for payload in _payloads(messages, "products") for card in payload["products"]]
    assert cards, messages
    assert {card["id"] for card in cards} <= lab_ids
    assert any("ph" in card["name"].lower() for card in cards), [c["name"] for c in cards]


@pytest.mark.parametrize(("question", "page", "words"), [
    ("how many days do I have to return something?", "returns", "within 14 days"),
    ("how long does shipping take?", "shipping", "working day"),
])
def test_store_questions_are_answered_from_its_own_pages(
        lab: tuple[RunningAssistant, Settings], client: httpx.Client,
        question: str, page: str, words: str) -> None:
    running, _ = lab
    messages = running.say(f"lab-{page}", question, client)
    answers = _payloads(messages, "answer")
    assert answers, messages
    answer = answers[0]
    assert answer["grounded"], answer
    assert words in answer["text"], answer
    titles = {"returns": "Returns and refunds", "shipping": "Shipping and delivery"}
    assert any(titles[page] in c["title"] for c in answer["citations"]), answer["citations"]
