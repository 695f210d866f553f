"""Loading catalogs into SQLite: idempotent reruns, all-or-nothing writes, real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.domain import Product, Review, Variant
from catalog.import_catalog import main
from catalog.importers import load
from catalog.importers.base import ParsedCatalog
from catalog.schema import ImportMetaRow, ProductRow, ReviewRow, VariantRow


def _catalog(price: float = 52.0) -> ParsedCatalog:
    variant = Variant("MH01-S-Black", "MH01", "S", "Black", 100, True, price)
    hoodie = Product(
        id="MH01",
        name="Chaz Kangeroo Hoodie",
        description="Warm.",
        category="Men/Tops/Hoodies & Sweatshirts",
        product_type="Hoodies & Sweatshirts",
        gender="men",
        price=price,
        colors=("Black",),
        sizes=("S",),
        variants=(variant,),
    )
    return ParsedCatalog(
        store="luma", products=[hoodie], reviews=[Review("MH01", 4, "Nice", "Warm.", "Ann")]
    )


def _state(url: str) -> tuple:
    engine = create_engine(url)
    with engine.connect() as c:
        state = (
            c.execute(select(ImportMetaRow.fingerprint, ImportMetaRow.imported_at)).all(),
            c.execute(select(func.count(), func.max(ReviewRow.id))).one(),
            c.execute(select(ProductRow.price)).all(),
            c.execute(select(func.count()).select_from(VariantRow)).scalar(),
        )
    engine.dispose()
    return state


def test_rerun_with_same_content_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    engine = create_engine(url)
    first = load.write_catalog(_catalog(), engine)
    before = _state(url)
    second = load.write_catalog(_catalog(), engine)
    assert first.changed and not second.changed
    assert second.lines()[0].endswith("(catalog unchanged)")
    assert _state(url) == before
    third = load.write_catalog(_catalog(price=40.0), engine)
    assert third.changed and _state(url)[2] == [(40.0,)]


def test_failure_midway_leaves_previous_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    engine = create_engine(url)
    load.write_catalog(_catalog(), engine)
    before = _state(url)
    real_insert, calls = load._insert, []

    def failing_insert(connection, table, rows):  # type: ignore[no-untyped-def]
        calls.append(table)
        if len(calls) == 3:  # products and variants written, reviews fail
            raise RuntimeError("disk full")
        real_insert(connection, table, rows)

    monkeypatch.setattr(load, "_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        load.write_catalog(_catalog(price=10.0), engine)
    assert _state(url) == before
    assert SqlCatalog(url, "luma").product("MH01").price == 52.0  # type: ignore[union-attr]


def test_repository_reads_back_domain_values(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    load.write_catalog(_catalog(), create_engine(url))
    catalog = SqlCatalog(url, "luma")
    hoodie = catalog.product("MH01")
    assert hoodie is not None and hoodie.variants[0].color == "Black"
    assert (hoodie.rating, hoodie.review_count) == (4.0, 1)
    assert [p.id for p in catalog.find_products_by_name("CHAZ hoodies")] == ["MH01"]
    assert catalog.find_products_by_name("chaz jacket") == []
    assert [p.id for p in catalog.find_products_by_name("the Chaz Kangeroo Hoodie")] == ["MH01"]
    assert [p.id for p in catalog.find_products_by_name("Chaz Kangaroo Hodies")] == ["MH01"]
    assert catalog.find_products_by_name("chaz jaket") == []  # one typo, but no jacket
    assert catalog.vocabulary()["product_type"] == ["Hoodies & Sweatshirts"]


def test_cli_reports_missing_data_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["--data-dir", str(tmp_path / "nope"), "--db", f"sqlite:///{tmp_path / 'c.sqlite'}"]
    )
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: Luma data folder not found") and "\n" not in err


@pytest.fixture(scope="module")
def data_dir() -> Path:
    folder = Settings().data_dir
    if not (folder / "luma" / "products_configurable.csv").exists():
        pytest.skip(f"shared data not found at {folder} (set AISLE_DATA_DIR)")
    return folder


def test_real_luma_import(tmp_path: Path, data_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'luma.sqlite'}"
    summary = load.import_catalog("luma", data_dir, url)
    assert summary.changed
    assert summary.imported["products"] == 191 and summary.imported["variants"] == 1847
    assert summary.imported["reviews"] == 500
    assert not load.import_catalog("luma", data_dir, url).changed
    catalog = SqlCatalog(url, "luma")
    (chaz,) = catalog.find_products_by_name("chaz hoodie")
    assert chaz.name == "Chaz Kangeroo Hoodie" and chaz.price == 52.0
    assert chaz.colors == ("Black", "Gray", "Orange") and len(chaz.variants) == 15
    assert chaz.category == "Men/Tops/Hoodies & Sweatshirts" and chaz.gender == "men"
    assert any(s.heading == "Shipping and Delivery" for s in catalog.policy_sections())
    assert catalog.links("MH01")

    def named(text: str) -> list[str]:
        return [p.name for p in catalog.find_products_in_text(text)]

    assert named("does the josie yoga jacket shrink?") == ["Josie Yoga Jacket"]
    assert named("what goes with the joust duffle") == ["Joust Duffle Bag"]  # all but one word
    assert named("the chaz one in the dryer?") == ["Chaz Kangeroo Hoodie"]  # a coined first word
    assert set(named("compare chaz and mach street")) == {"Chaz Kangeroo Hoodie",
                                                           "Mach Street Sweatshirt"}
    assert named("show me a yoga jacket in black") == []  # kinds of product, not names


def test_real_scientific_import(tmp_path: Path, data_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sci.sqlite'}"
    summary = load.import_catalog("scientific", data_dir, url)
    assert summary.imported["products"] == 4385
    assert len(SqlCatalog(url, "scientific").products()) == 4385
