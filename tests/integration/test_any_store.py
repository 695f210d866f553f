"""A store imported from a file can be run: its name, its pages, its shop rules (real SQLite,
real files; the lab catalog is real Amazon Scientific data, its pages are test fixtures)."""

from __future__ import annotations

import logging
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from aisle.settings import REPO_ROOT, Settings
from catalog import SqlCatalog
from catalog.import_catalog import main as import_main
from catalog.importers.pages import StorePagesError, import_store_pages, read_store_pages
from catalog.importers.upsert import import_catalog_file
from commerce.pricing import DEFAULT_FLAT_SHIPPING, load_store_rules, shipping_options
from commerce.service import CommerceService
from commerce.shipping import Destination
from ops.conversation_tests.script import ScriptFile
from tests.lab_store import LAB_PAGES, write_lab_catalog

DATA_DIR = Settings().data_dir


@pytest.fixture
def lab(tmp_path: Path) -> tuple[str, Path]:
    """The lab store imported (300 real products and its pages) into a fresh SQLite catalog."""
    catalog_file = tmp_path / "products.jsonl"
    write_lab_catalog(DATA_DIR, catalog_file)
    url = f"sqlite:///{tmp_path / 'catalog-lab.sqlite'}"
    code = import_main(["--store", "lab", "--file", str(catalog_file), "--pages", str(LAB_PAGES),
                        "--db", url])
    assert code == 0
    return url, tmp_path


def test_any_store_name_is_a_store_and_a_path_is_not(tmp_path: Path) -> None:
    settings = Settings(store="lab", state_dir=tmp_path)
    assert settings.catalog_url == f"sqlite:///{tmp_path / 'catalog-lab.sqlite'}"
    assert settings.store_rules_dir is None  # brings no rules: defaults
    with_pages = Settings(store="lab", store_pages=LAB_PAGES)
    assert with_pages.store_rules_dir == LAB_PAGES
    assert with_pages.store_images_dir == LAB_PAGES / "images"
    assert Settings(store="scientific").store_rules_dir == DATA_DIR / "luma"
    for bad in ("../../tmp/evil", "Lab", "", "a" * 33):
        with pytest.raises(ValidationError, match="AISLE_STORE must be 1-32 lower-case"):
            Settings(store=bad)


def test_store_pages_become_the_stores_policy_sections(lab: tuple[str, Path]) -> None:
    url, _ = lab
    catalog = SqlCatalog(url, "lab")
    assert len(catalog.products()) == 300
    sections = catalog.policy_sections()
    assert {s.page_id for s in sections} == {"privacy", "returns", "shipping"}
    returns = {s.heading: s for s in sections if s.page_id == "returns"}
    assert set(returns) == {"Returning an item", "Damaged deliveries"}
    assert returns["Returning an item"].page_title == "Returns and refunds"
    assert "returned within 14 days of delivery" in returns["Returning an item"].text
    privacy = [s for s in sections if s.page_id == "privacy"]
    assert privacy[0].page_title == "Privacy policy"  # the HTML page's <h1>
    assert any("never sell your data" in s.text for s in privacy)


def test_a_rerun_replaces_the_pages_and_leaves_other_stores_alone(lab: tuple[str, Path]) -> None:
    url, tmp_path = lab
    other = tmp_path / "other-pages"
    other.mkdir()
    (other / "faq.md").write_text("# FAQ\n\nWe answer within one working day.\n")
    assert import_store_pages(other, "other", url)[0].startswith("store pages: 1 pages")
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    (fewer / "returns.md").write_text("# Returns\n\nItems can be returned within 21 days.\n")
    import_store_pages(fewer, "lab", url)
    assert [s.text for s in SqlCatalog(url, "lab").policy_sections()] == [
        "Items can be returned within 21 days."]
    assert [s.page_id for s in SqlCatalog(url, "other").policy_sections()] == ["faq"]


def test_a_pages_folder_that_cannot_be_read_changes_nothing(
        lab: tuple[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    url, tmp_path = lab
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a page")
    with pytest.raises(StorePagesError, match="no store pages"):
        read_store_pages(empty)
    fewer = tmp_path / "fewer.jsonl"  # a catalog file that would change the store...
    fewer.write_text('{"id": "X1", "name": "Beaker"}\n')
    code = import_main(["--store", "lab", "--file", str(fewer), "--pages", str(empty),
                        "--prune", "--db", url])
    assert code == 2
    assert "no store pages (*.md, *.html)" in capsys.readouterr().err
    catalog = SqlCatalog(url, "lab")  # ...is not imported: the pages are read first
    assert len(catalog.products()) == 300
    assert len(catalog.policy_sections()) == 7  # the earlier pages are kept
    assert import_main(["--store", "luma", "--pages", str(LAB_PAGES), "--db", url]) == 2
    assert "--pages goes with --file" in capsys.readouterr().err


def test_pages_not_utf8_linked_or_too_large_are_reported_and_the_others_read(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("# A\n\nShips in two days.\n")
    (tmp_path / "b.html").write_bytes(b"<p>caf\xe9</p>")
    (tmp_path / "c.md").symlink_to(Path(__file__))
    (tmp_path / "d.html").write_text("<p>" + "x" * 1_000_001 + "</p>")
    (tmp_path / "e.html").write_text("<script>alert(1)</script><p>Fine <b>print</b>.</p>")
    sections, issues = read_store_pages(tmp_path)
    assert [s.text for s in sections] == ["Ships in two days.", "Fine print."]
    assert [(i.file, i.reason.split(" ")[0]) for i in issues] == [
        ("b.html", "cannot"), ("c.md", "a"), ("d.html", "larger")]
    assert "UTF-8" in issues[0].reason


def test_the_shop_rules_come_from_the_stores_own_pages(lab: tuple[str, Path]) -> None:
    url, _ = lab
    pages = SqlCatalog(url, "lab").policy_sections()
    rules, issues = load_store_rules(LAB_PAGES, pages)
    assert issues == []
    assert rules.policy.return_days == 14
    assert rules.policy.return_quote is not None
    assert rules.policy.return_quote.page_id == "returns"
    small = shipping_options(rules, Destination(), Decimal("40"), free_standard=False)
    assert [(o.method, o.price) for o in small] == [("standard", Decimal("6.90")),
                                                    ("express", Decimal("18.50"))]
    large = shipping_options(rules, Destination(), Decimal("400"), free_standard=False)
    assert [(o.method, o.price) for o in large] == [("standard", Decimal("0.00")),
                                                    ("express", Decimal("12.00"))]
    assert rules.promotions == ()


def test_a_store_without_pages_or_rule_files_gets_logged_defaults(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="commerce.pricing"):
        rules, issues = load_store_rules(None, ())
    assert issues == []
    assert rules.policy.return_days == 30
    assert rules.shipping.price(Destination("FR", ""), Decimal("10")) == DEFAULT_FLAT_SHIPPING
    text = caplog.text
    assert "no shipping_table_rates.csv" in text and "no pages" in text
    service = CommerceService.from_files(f"sqlite:///{tmp_path / 'shop.sqlite'}",
                                         SqlCatalog(f"sqlite:///{tmp_path / 'c.sqlite'}", "lab"),
                                         tmp_path / "missing")
    assert service.rules.policy.return_days == 30
    assert "does not exist" in caplog.text


def test_the_luma_rules_are_read_as_before() -> None:
    rules, _ = load_store_rules(DATA_DIR / "luma")
    assert rules.shipping.rates and rules.promotions
    assert rules.policy.return_quote is not None
    assert rules.policy.return_quote.page_id == "customer-service"


def test_the_tools_take_any_store_name(lab: tuple[str, Path], monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    from commerce.import_sample import main as import_sample_main
    from ops.__main__ import _parser
    from scripts.evaluate_understanding import store_vocabulary

    _, tmp_path = lab
    assert _parser().parse_args(["test-conversations", "x", "--store", "lab"]).store == "lab"
    script = {"scripts": [{"name": "x", "turns": [{"user": "hi"}]}]}
    assert ScriptFile.model_validate({"store": "lab", **script}).store == "lab"
    with pytest.raises(ValidationError):
        ScriptFile.model_validate({"store": "../lab", **script})
    with pytest.raises(SystemExit):
        _parser().parse_args(["test-conversations", "x", "--store", "../lab"])
    monkeypatch.setenv("AISLE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_STORE", "lab")
    monkeypatch.setenv("AISLE_STORE_PAGES", str(LAB_PAGES))
    monkeypatch.delenv("AISLE_DATABASE_URL", raising=False)
    monkeypatch.delenv("AISLE_STATE_DATABASE_URL", raising=False)
    vocabulary = store_vocabulary("lab")  # the imported lab catalog's words
    assert vocabulary is not None
    assert import_sample_main([]) == 0
    assert "no sample orders (orders.csv)" in capsys.readouterr().out


def test_the_lab_fixture_is_real_amazon_data() -> None:
    # The fixture's products are the Amazon Scientific file's, not made up.
    from tests.lab_store import lab_products

    products = lab_products(DATA_DIR, 5)
    assert all(p.id.startswith("B0") and p.name for p in products)
    assert (REPO_ROOT / "tests" / "fixtures" / "stores" / "lab" / "README.md").exists()


def test_a_store_file_import_then_pages_keeps_products(tmp_path: Path) -> None:
    catalog_file = tmp_path / "p.jsonl"
    write_lab_catalog(DATA_DIR, catalog_file, limit=20)
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    import_catalog_file(catalog_file, "lab", url)
    import_store_pages(LAB_PAGES, "lab", url)
    assert len(SqlCatalog(url, "lab").products()) == 20
