"""The synthetic catalog generator: deterministic, marked synthetic everywhere, valid against
the documented record, importable, and lazy (memory does not grow with N)."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.generate import SourcePool, generate, main, recombined, write_catalog
from catalog.importers.generic import CatalogFile, SourceRow
from catalog.importers.record import ProductRecord
from catalog.importers.upsert import write_records


@pytest.fixture(scope="module")
def pool() -> SourcePool:
    folder = Settings().data_dir
    if not (folder / "luma" / "products_configurable.csv").exists():
        pytest.skip(f"shared data not found at {folder} (set AISLE_DATA_DIR)")
    return SourcePool.load(folder)


def test_same_seed_same_catalog_other_seed_other_catalog(pool: SourcePool) -> None:
    first = list(generate(50, 7, pool))
    assert first == list(generate(50, 7, pool))
    other = list(generate(50, 8, pool))
    assert [r["name"] for r in first] != [r["name"] for r in other]
    assert len({r["id"] for r in first}) == 50


def test_every_record_is_marked_synthetic_and_valid(pool: SourcePool) -> None:
    records = list(generate(300, 3, pool))
    for record in records:
        ProductRecord.model_validate(record)  # raises on any record off the documented schema
        assert record["attributes"]["synthetic"] is True
        assert record["id"].startswith("syn3-")
    sources = {r["attributes"]["synthetic_source"].split(":")[0] for r in records}
    assert sources == {"luma", "scientific"}
    texts = {(p.name.split()[-1]) for p in pool.luma + pool.scientific}
    assert any(r["name"].split()[-2] in texts for r in records)  # names built from real ones
    assert any(r.get("variants") for r in records) and any("in_stock" in r for r in records)


def test_every_source_product_makes_a_valid_record(pool: SourcePool) -> None:
    rng = random.Random(0)
    for store, products in (("luma", pool.luma), ("scientific", pool.scientific)):
        for base in products:
            ProductRecord.model_validate(recombined(rng, "syn0-1", store, base, products[0]))
    assert len(pool.luma) > 150 and len(pool.scientific) > 4000


def test_generator_is_lazy(pool: SourcePool) -> None:
    records = generate(10**12, 1, pool)  # a list this long could never be built
    assert isinstance(records, Iterator)
    assert len(list(itertools.islice(records, 3))) == 3


def test_file_has_synthetic_header_and_name_and_imports_cleanly(
    pool: SourcePool, tmp_path: Path
) -> None:
    path = write_catalog(tmp_path / "shop.synthetic.jsonl", 120, 5, pool)
    header = json.loads(path.read_text(encoding="utf-8").splitlines()[0])["catalog"]
    assert header["synthetic"] is True and "never quote" in header["note"]
    source = CatalogFile(path)
    items = list(source)
    assert source.header is not None and source.header.synthetic
    assert all(isinstance(item, SourceRow) for item in items) and len(items) == 120
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    summary = write_records(items, "synthetic", create_engine(url))
    assert (summary.new, summary.skipped, summary.synthetic) == (120, 0, 120)
    assert "marked synthetic" in summary.lines()[1]
    assert len(SqlCatalog(url, "synthetic").products()) == 120
    with pytest.raises(ValueError, match="must contain 'synthetic'"):
        write_catalog(tmp_path / "shop.jsonl", 1, 5, pool)


def test_cli_refuses_a_name_that_hides_it(
    pool: SourcePool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "catalog.jsonl"
    assert main(["--products", "5", "--seed", "1", "--out", str(out)]) == 2
    assert "must contain 'synthetic'" in capsys.readouterr().err and not out.exists()
    good = tmp_path / "catalog-synthetic.jsonl"
    assert main(["--products", "5", "--seed", "1", "--out", str(good)]) == 0
    assert len(good.read_text(encoding="utf-8").splitlines()) == 6
