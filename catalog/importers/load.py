"""Write a parsed catalog into the SQL database: idempotent, all or nothing.

The parsed content is fingerprinted; when the fingerprint equals the stored one nothing is
written. Otherwise the store's rows, and its search index (:mod:`catalog.search_index`), are
replaced inside one transaction, so a failure at any point rolls back and leaves the previous
catalog as it was. An unchanged catalog whose index is missing (a state database from before
the index) gets its index built.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection, Engine
from tqdm import tqdm

from aisle.db import make_engine
from catalog.domain import ImportSummary
from catalog.importers.amazon import parse_scientific
from catalog.importers.base import ParsedCatalog
from catalog.importers.luma import parse_luma
from catalog.schema import (
    TABLES,
    Base,
    ImportMetaRow,
    PolicySectionRow,
    ProductLinkRow,
    ProductRow,
    ReviewRow,
    VariantRow,
)
from catalog.search_index import indexed_fingerprint, write_index

PARSERS: dict[str, Callable[[Path], ParsedCatalog]] = {
    "luma": parse_luma,
    "scientific": parse_scientific,
}
STORE_FOLDERS = {"luma": "luma", "scientific": "amazon-scientific"}
_BATCH = 500


def parse_store(store: str, data_dir: Path) -> ParsedCatalog:
    """Parse one store's files from ``<data_dir>/<store folder>``."""
    if store not in PARSERS:
        raise ValueError(f"unknown store {store!r}; expected one of {sorted(PARSERS)}")
    return PARSERS[store](Path(data_dir) / STORE_FOLDERS[store])


def fingerprint(catalog: ParsedCatalog) -> str:
    """SHA-256 of the parsed content (products, reviews, links, sections), order included."""
    content = {
        "store": catalog.store,
        "products": [asdict(p) for p in catalog.products],
        "reviews": [asdict(r) for r in catalog.reviews],
        "links": [asdict(link) for link in catalog.links],
        "sections": [asdict(s) for s in catalog.sections],
    }
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, default=list)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _rows(catalog: ParsedCatalog) -> list[tuple[type, list[dict[str, Any]]]]:
    """Row dicts per table, in insertion order."""
    store = catalog.store
    products, variants = [], []
    for position, p in enumerate(catalog.products):
        row = asdict(p)
        for key in ("variants", "rating", "review_count"):
            row.pop(key)
        for key in (
            "categories",
            "colors",
            "sizes",
            "materials",
            "climates",
            "activities",
            "patterns",
        ):
            row[key] = list(row[key])
        products.append({"store": store, "position": position, **row})
        variants.extend(
            {"store": store, "position": len(variants) + i, **asdict(v)}
            for i, v in enumerate(p.variants)
        )
    return [
        (ProductRow, products),
        (VariantRow, variants),
        (ReviewRow, [{"store": store, **asdict(r)} for r in catalog.reviews]),
        (ProductLinkRow, [{"store": store, **asdict(link)} for link in catalog.links]),
        (PolicySectionRow, [{"store": store, **asdict(s)} for s in catalog.sections]),
    ]


def _insert(connection: Connection, table: type, rows: list[dict[str, Any]]) -> None:
    """Insert rows in batches (a separate function so tests can make it fail midway)."""
    for start in range(0, len(rows), _BATCH):
        connection.execute(insert(table), rows[start : start + _BATCH])


def write_catalog(
    catalog: ParsedCatalog, engine: Engine, *, progress: bool = False
) -> ImportSummary:
    """Replace the store's rows with ``catalog`` in one transaction, unless unchanged."""
    Base.metadata.create_all(engine)
    summary = ImportSummary(imported=catalog.counts(), issues=list(catalog.issues))
    digest = fingerprint(catalog)
    with engine.begin() as connection:  # one transaction: commits at the end, rolls back on error
        stored = connection.execute(
            select(ImportMetaRow.fingerprint).where(ImportMetaRow.store == catalog.store)
        ).scalar()
        if stored == digest:
            if indexed_fingerprint(connection, catalog.store) != digest:  # a state dir from
                write_index(connection, catalog.store, catalog.products, digest)  # before it
            return summary
        tables = _rows(catalog)
        bar: Iterable[tuple[type, list[dict[str, Any]]]] = tqdm(
            tables, desc=f"writing {catalog.store} catalog", unit="table", disable=not progress
        )
        for table, _ in tables:
            connection.execute(delete(table).where(table.store == catalog.store))  # type: ignore[attr-defined]
        for table, rows in bar:
            _insert(connection, table, rows)
        write_index(connection, catalog.store, catalog.products, digest)
        connection.execute(delete(ImportMetaRow).where(ImportMetaRow.store == catalog.store))
        connection.execute(
            insert(ImportMetaRow).values(
                store=catalog.store,
                fingerprint=digest,
                counts=summary.imported,
                imported_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
    summary.changed = True
    return summary


def import_catalog(
    store: str, data_dir: Path, url: str, *, progress: bool = False
) -> ImportSummary:
    """Parse a store's files and write them to the database at ``url``.

    Raises:
        CatalogSourceMissing: the data folder or a required file does not exist.
    """
    catalog = parse_store(store, data_dir)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        return write_catalog(catalog, engine, progress=progress)
    finally:
        engine.dispose()


__all__ = ["TABLES", "fingerprint", "import_catalog", "parse_store", "write_catalog"]
