"""Every store imported with ``python -m catalog.import_catalog`` gets its gazetteer, beside its
catalog, built from what was imported: a store from a catalog file, Luma and Scientific."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisle.gazetteer import Gazetteer
from aisle.settings import Settings
from catalog.import_catalog import main

TENT = {"id": "T1", "name": "Ridge Tent", "category": "Outdoor/Camping/Dome Tents",
        "brand": "Fjallraven", "price": 240, "attributes": {"material": ["Ripstop Nylon"]},
        "variants": [{"sku": "T1-G", "color": "Forest Green", "stock": 2}]}


def _read(folder: Path, store: str) -> dict[str, list[str]]:
    return Gazetteer.read(folder / f"gazetteer-{store}.json").terms


def test_a_store_imported_from_a_file_gets_its_gazetteer(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "camp.jsonl"
    path.write_text(json.dumps(TENT) + "\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'catalog-camp.sqlite'}"
    assert main(["--store", "camp", "--file", str(path), "--db", url]) == 0
    assert f"gazetteer: {tmp_path / 'gazetteer-camp.json'}" in capsys.readouterr().out
    terms = _read(tmp_path, "camp")
    assert terms["product_type"] == ["dome tents", "tents"]
    assert terms["brand"] == ["Fjallraven"] and terms["material"] == ["ripstop nylon"]
    assert terms["color"] == ["forest green"]


@pytest.fixture(scope="module")
def data_dir() -> Path:
    folder = Settings().data_dir
    if not (folder / "luma" / "products_configurable.csv").exists():
        pytest.skip(f"shared data not found at {folder} (set AISLE_DATA_DIR)")
    return folder


@pytest.mark.parametrize(("store", "types", "brands", "materials"), [
    ("luma", {"jackets", "hoodies", "bras", "tanks"}, set(), {"cotton", "stainless steel"}),
    ("scientific", {"beakers", "filament", "gloves"}, {"3M", "HATCHBOX", "DEWALT"},
     {"nitrile", "stainless steel", "pla"}),  # no material attributes: from the names
])
def test_luma_and_scientific_get_their_gazetteers(
        tmp_path: Path, data_dir: Path, store: str, types: set[str], brands: set[str],
        materials: set[str]) -> None:
    url = f"sqlite:///{tmp_path / f'catalog-{store}.sqlite'}"
    assert main(["--store", store, "--data-dir", str(data_dir), "--db", url]) == 0
    terms = _read(tmp_path, store)
    assert types <= set(terms["product_type"]) and brands <= set(terms["brand"])
    assert materials <= set(terms["material"])
    assert (tmp_path / f"gazetteer-{store}.json").stat().st_size < 200_000  # cheap to load
