"""The search index on PostgreSQL (the production profile's catalog database): the same exact
filters as FilterCheck, and full-text ranking by a ``tsvector`` under a GIN index.

A throwaway PostgreSQL cluster is started in a temp folder (as the ``postgres`` user when the
tests run as root); the tests are skipped where no PostgreSQL binaries are installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from aisle.db import make_engine
from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.filters import ProductFilters
from catalog.importers import load
from knowledge.search import FilterCheck
from tests.integration.test_search_index import _filter_samples
from tests.unit.test_search_logic import HOSTILE_QUERIES


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    pg_bin = _pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL is not installed")
    folder = Path(tempfile.mkdtemp(prefix="aisle-pg-"))
    as_pg: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(folder, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", 5400 + os.getpid() % 500
    subprocess.run([*as_pg, str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres",
                    "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
                   check=True, capture_output=True)
    subprocess.run([*as_pg, str(pg_bin / "pg_ctl"), "-D", str(data), "-w", "-t", "60",
                    "-l", str(folder / "log"), "-o",
                    f"-c listen_addresses='' -k {folder} -p {port}", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run([*as_pg, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "-w", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def luma_on_postgres(postgres_url: str) -> SqlCatalog:
    data_dir = Settings().data_dir
    if not data_dir.exists():
        pytest.skip(f"no catalog data at {data_dir}")
    load.import_catalog("luma", data_dir, postgres_url)
    return SqlCatalog(postgres_url, "luma")


def test_postgres_index_answers_filters_exactly(luma_on_postgres: SqlCatalog) -> None:
    products = luma_on_postgres.products()
    check = FilterCheck(products)
    index = luma_on_postgres.search_index()
    assert index is not None
    for filters in _filter_samples(luma_on_postgres, 150):
        expected = {p.id for p in products if check.matches(p, filters)}
        assert index.count(check.criteria(filters)) == len(expected), filters
        assert set(index.first(check.criteria(filters), len(products))) == expected, filters


def test_postgres_full_text_ranks_by_tsvector(luma_on_postgres: SqlCatalog) -> None:
    index = luma_on_postgres.search_index()
    assert index is not None
    anything = FilterCheck.from_facts(index.facts().types, index.facts().capable).criteria(
        ProductFilters(in_stock_only=False))
    assert index.keyword("chaz kangeroo hoodies", anything, 5)[0][0] == "MH01"
    names = {p.id: p.name for p in luma_on_postgres.products()}
    found = sum(pid in [h for h, _ in index.keyword(name, anything, 5)]
                for pid, name in names.items())
    assert found >= 0.9 * len(names)
    with make_engine(luma_on_postgres.url).connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))  # 191 rows: else it never would
        plan = "\n".join(connection.execute(text(
            "EXPLAIN SELECT product_id FROM search_text WHERE document @@ "
            "to_tsquery('simple', 'hoodie')")).scalars())
    assert "ix_search_text_document" in plan  # the GIN index answers the match


def test_postgres_takes_query_syntax_in_shopper_text_as_words(
        luma_on_postgres: SqlCatalog) -> None:
    index = luma_on_postgres.search_index()
    assert index is not None
    anything = FilterCheck.from_facts(index.facts().types, index.facts().capable).criteria(
        ProductFilters())
    for query in HOSTILE_QUERIES:  # to_tsquery syntax ("!", "|", "'", "\\", ":*") included
        hits = index.keyword(query, anything, 3)
        if "chaz" in query.lower():
            assert hits[0][0] == "MH01", query
