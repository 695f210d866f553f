"""The catalog-file importer on PostgreSQL (the production profile's catalog database): the
same upserts, reruns that change nothing, and the temporary table of ids seen in a run."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from aisle.db import make_engine
from catalog import SqlCatalog
from catalog.importers import upsert
from catalog.importers.generic import CatalogFile
from catalog.importers.upsert import import_catalog_file, write_records
from catalog.schema import ImportMetaRow
from tests.integration.test_catalog_file_import import JACKET, MUG, _jsonl
from tests.integration.test_search_index_postgres import postgres_url  # noqa: F401 (fixture)


def test_upsert_rerun_and_change_on_postgres(postgres_url: str, tmp_path: Path) -> None:  # noqa: F811
    path = _jsonl(tmp_path / "shop.jsonl", [JACKET, MUG, {**MUG, "id": "M1"}])
    first = import_catalog_file(path, "pg-shop", postgres_url)
    assert (first.new, first.skipped) == (2, 1)
    assert str(first.issues[0]) == "shop.jsonl:3: product M1 already given on line 2"
    engine = make_engine(postgres_url)
    with engine.connect() as c:
        stamp = c.execute(select(ImportMetaRow.imported_at)).scalar()
    again = import_catalog_file(path, "pg-shop", postgres_url)
    assert (again.changed, again.unchanged) == (0, 2)
    with engine.connect() as c:
        assert c.execute(select(ImportMetaRow.imported_at)).scalar() == stamp
    _jsonl(path, [JACKET, {**MUG, "price": 7.25}])
    changed = import_catalog_file(path, "pg-shop", postgres_url)
    assert (changed.updated, changed.unchanged) == (1, 1)
    jacket = SqlCatalog(postgres_url, "pg-shop").product("J1")
    assert jacket is not None and [v.sku for v in jacket.variants] == [
        "J1-M-Red", "J1-S-Red", "J1-S-Blue"]
    pruned = import_catalog_file(_jsonl(path, [MUG]), "pg-shop", postgres_url, prune=True)
    assert (pruned.removed, pruned.unchanged) == (1, 0)  # the mug went back to 9.5: updated
    assert [p.id for p in SqlCatalog(postgres_url, "pg-shop").products()] == ["M1"]
    engine.dispose()


def test_killed_run_on_postgres_is_finished_by_a_rerun_on_the_same_pool(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    path = _jsonl(tmp_path / "shop.jsonl", [{**MUG, "id": f"K{i}"} for i in range(5)])
    engine = make_engine(postgres_url, pool_size=1)  # the rerun gets the killed run's session
    real_replace = upsert._Writer._replace

    def failing_replace(self, changed):  # type: ignore[no-untyped-def]
        real_replace(self, changed)
        raise RuntimeError("killed")

    monkeypatch.setattr(upsert._Writer, "_replace", failing_replace)
    with pytest.raises(RuntimeError, match="killed"):
        write_records(CatalogFile(path), "pg-kill", engine, batch_size=2)
    monkeypatch.setattr(upsert._Writer, "_replace", real_replace)
    summary = write_records(CatalogFile(path), "pg-kill", engine, batch_size=2)
    assert (summary.new, summary.skipped) == (5, 0)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(ImportMetaRow)
                         .where(ImportMetaRow.store == "pg-kill")).scalar() == 1
    engine.dispose()
