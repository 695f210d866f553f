"""The lab store (imported from a file with its pages) ingested into a real Chroma store with
the real MiniLM: its products are found and its store questions are answered from its pages."""

from __future__ import annotations

from pathlib import Path

from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.import_catalog import main as import_main
from knowledge.services import build_services
from tests.lab_store import LAB_PAGES, write_lab_catalog


def test_an_ingested_file_store_is_searched_and_cites_its_own_pages(
        tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(store="lab", state_dir=tmp_path, store_pages=LAB_PAGES,
                        database_url=None, chroma_url=None)
    catalog_file = tmp_path / "products.jsonl"
    written = write_lab_catalog(settings.data_dir, catalog_file)
    assert import_main(["--store", "lab", "--file", str(catalog_file), "--pages",
                        str(LAB_PAGES), "--db", settings.catalog_url]) == 0
    services = build_services(settings, embedder=embedder)
    report = services.store.ingest(SqlCatalog(settings.catalog_url, "lab"), progress=False)
    assert report.products.added == len(written)

    hits = services.search.search("ph test strips").hits
    assert hits and {h.product.id for h in hits} <= {p.id for p in written}
    assert "ph" in hits[0].product.name.lower()

    returns = services.answers.answer_policy_question("how many days do I have to return it?")
    assert returns.grounded and "within 14 days" in returns.text
    assert any("Returns and refunds" in c.title for c in returns.citations)
    shipping = services.answers.answer_policy_question("how long does delivery take?",
                                                       "shipping")
    assert shipping.grounded
    assert any("Shipping and delivery" in c.title for c in shipping.citations)
