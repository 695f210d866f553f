"""The checked-in NLU lookup tables must match what the catalog generates, so they cannot drift."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT, Settings
from catalog import SqlCatalog
from catalog.importers.load import import_catalog


def _generator():
    spec = importlib.util.spec_from_file_location(
        "generate_nlu_lookups", REPO_ROOT / "scripts" / "generate_nlu_lookups.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lookups_yml_is_generated_from_the_current_catalog(tmp_path: Path) -> None:
    data_dir = Settings().data_dir
    if not (data_dir / "luma").is_dir():
        pytest.skip(f"Luma data not found in {data_dir}")
    url = f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    import_catalog("luma", data_dir, url)
    generated = _generator().render(SqlCatalog(url, "luma").vocabulary())
    checked_in = (REPO_ROOT / "bot" / "data" / "nlu" / "lookups.yml").read_text()
    assert generated == checked_in, "regenerate with: python scripts/generate_nlu_lookups.py"
