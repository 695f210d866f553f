"""Write a stream of product records into the catalog database, a batch at a time.

Each batch of :data:`BATCH` products is one transaction: products whose stored rows
(product, variants, attributes) already equal the new ones are left alone; the others are
replaced. A rerun with the same file therefore writes nothing, and a run cut short can be
rerun to finish. Memory holds one batch, whatever the file's size; the ids seen so far (to
report a product or a variant SKU given twice, and to know what ``prune`` may remove) live in
a temporary table of the same database session.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from tqdm import tqdm

from aisle.db import make_engine
from catalog.domain import ImportIssue, Product
from catalog.importers.generic import CatalogFile, Item, SourceRow
from catalog.importers.record import to_product
from catalog.importers.summary import MAX_ISSUES, StreamSummary, check_store_name
from catalog.schema import Base, ImportMetaRow, ProductAttributeRow, ProductRow, VariantRow

BATCH = 500

Attributes = tuple[tuple[str, str], ...]
State = tuple[dict[str, Any], tuple[dict[str, Any], ...], Attributes]
_PRODUCT_COLUMNS = [c for c in ProductRow.__table__.columns if c.name not in {"store", "position"}]
_VARIANT_COLUMNS = [c for c in VariantRow.__table__.columns if c.name != "store"]
_LISTS = ("categories", "colors", "sizes", "materials", "climates", "activities", "patterns")


def product_state(product: Product, attributes: Attributes) -> State:
    """What the database holds for a product, as comparable plain values (no positions)."""
    row = asdict(product)
    variants = row.pop("variants")
    for key in ("rating", "review_count"):
        row.pop(key)
    for key in _LISTS:
        row[key] = list(row[key])
    return (
        row,
        tuple({**v, "position": i} for i, v in enumerate(variants)),
        tuple(sorted(attributes)),
    )


def _stored(connection: Connection, store: str, ids: list[str]) -> dict[str, State]:
    products = {
        r["id"]: dict(r)
        for r in connection.execute(
            select(*_PRODUCT_COLUMNS).where(ProductRow.store == store, ProductRow.id.in_(ids))
        ).mappings()
    }
    variants: dict[str, list[dict[str, Any]]] = {}
    for r in connection.execute(
        select(*_VARIANT_COLUMNS)
        .where(VariantRow.store == store, VariantRow.product_id.in_(ids))
        .order_by(VariantRow.product_id, VariantRow.position)
    ).mappings():
        variants.setdefault(r["product_id"], []).append(dict(r))
    attributes: dict[str, list[tuple[str, str]]] = {}
    for pid, name, value in connection.execute(
        select(ProductAttributeRow.product_id, ProductAttributeRow.name, ProductAttributeRow.value)
        .where(ProductAttributeRow.store == store, ProductAttributeRow.product_id.in_(ids))
    ):
        attributes.setdefault(pid, []).append((name, value))
    return {
        pid: (row, tuple(variants.get(pid, [])), tuple(sorted(attributes.get(pid, []))))
        for pid, row in products.items()
    }


def _seen_table() -> Table:
    return Table(
        "aisle_import_seen",
        MetaData(),
        Column("id", String(64), primary_key=True),
        Column("line", Integer),
        prefixes=["TEMPORARY"],
    )


class _Writer:
    """Collects records into batches and writes each batch in one transaction."""

    def __init__(self, connection: Connection, store: str, summary: StreamSummary,
                 report: Callable[[ImportIssue], None]) -> None:
        self.connection, self.store, self.summary, self.report = (
            connection, store, summary, report)
        self.seen = _seen_table()
        # A run killed midway may leave the table in a pooled connection's session.
        connection.execute(text(f"DROP TABLE IF EXISTS {self.seen.name}"))
        self.seen.create(connection)
        connection.commit()
        self.position = 0
        self.digest = hashlib.sha256(store.encode())

    def write(self, batch: list[tuple[int, Product, Attributes]]) -> None:
        kept = self._given_once(batch)
        for _, state, _ in kept:
            self.digest.update(json.dumps(state, sort_keys=True, default=str).encode())
        if kept:
            self.connection.execute(
                insert(self.seen), [{"id": p.id, "line": line} for p, _, line in kept]
            )
        stored = _stored(self.connection, self.store, [p.id for p, _, _ in kept])
        changed = []
        for product, state, _ in kept:
            self.position += 1
            old = stored.get(product.id)
            if old == state:
                self.summary.unchanged += 1
                continue
            if old is None:
                self.summary.new += 1
            else:
                self.summary.updated += 1
            changed.append((self.position - 1, product, state))
        if changed:
            self._replace(changed)
        self.connection.commit()

    def _given_once(
        self, batch: list[tuple[int, Product, Attributes]]
    ) -> list[tuple[Product, State, int]]:
        """The batch's products, less those whose id or a variant SKU an earlier product of
        this run (this batch or one before) already gave; those are reported."""
        ids = [product.id for _, product, _ in batch]
        skus = [v.sku for _, product, _ in batch for v in product.variants]
        earlier = dict(self.connection.execute(
            select(self.seen.c.id, self.seen.c.line).where(self.seen.c.id.in_(ids))
        ).all())
        owners = dict(self.connection.execute(
            select(VariantRow.sku, VariantRow.product_id).where(
                VariantRow.store == self.store, VariantRow.sku.in_(skus),
                VariantRow.product_id.in_(select(self.seen.c.id)))
        ).all()) if skus else {}
        kept = []
        for line, product, attributes in batch:
            taken = [(v.sku, owners[v.sku]) for v in product.variants
                     if owners.get(v.sku, product.id) != product.id]
            if product.id in earlier:
                reason = f"product {product.id} already given on line {earlier[product.id]}"
            elif taken:
                reason = (f"product {product.id}: variant SKU {taken[0][0]} already belongs to "
                          f"product {taken[0][1]}")
            else:
                earlier[product.id] = line
                owners.update((v.sku, product.id) for v in product.variants)
                kept.append((product, product_state(product, attributes), line))
                continue
            self.report(ImportIssue("", line, reason))
        return kept

    def _replace(self, changed: list[tuple[int, Product, State]]) -> None:
        store, ids = self.store, [p.id for _, p, _ in changed]
        skus = [v["sku"] for _, _, (_, variants, _) in changed for v in variants]
        for table, column in (
            (ProductRow, ProductRow.id),
            (VariantRow, VariantRow.product_id),
            (ProductAttributeRow, ProductAttributeRow.product_id),
        ):
            self.connection.execute(
                delete(table).where(table.store == store, column.in_(ids))  # type: ignore[attr-defined]
            )
        if skus:  # a SKU that moved from another product goes with it
            self.connection.execute(
                delete(VariantRow).where(VariantRow.store == store, VariantRow.sku.in_(skus))
            )
        self.connection.execute(
            insert(ProductRow),
            [{"store": store, "position": pos, **row} for pos, _, (row, _, _) in changed],
        )
        variants = [{"store": store, **v} for _, _, (_, vs, _) in changed for v in vs]
        if variants:
            self.connection.execute(insert(VariantRow), variants)
        attributes = [
            {"store": store, "product_id": p.id, "name": name, "value": value}
            for _, p, (_, _, attrs) in changed
            for name, value in attrs
        ]
        if attributes:
            self.connection.execute(insert(ProductAttributeRow), attributes)
        self.summary.variants_written += len(variants)

    def prune(self) -> None:
        """Remove the store's products the file did not give, unless a row was skipped (it
        may have been one of them) or the file gave none."""
        summary = self.summary
        if summary.skipped or not summary.changed + summary.unchanged:
            summary.not_pruned = (f"{summary.skipped} rows were skipped" if summary.skipped
                                  else "the file has no products")
            return
        given = select(self.seen.c.id)
        for table, column in ((VariantRow, VariantRow.product_id),
                              (ProductAttributeRow, ProductAttributeRow.product_id),
                              (ProductRow, ProductRow.id)):
            result = self.connection.execute(
                delete(table).where(table.store == self.store, column.not_in(given))  # type: ignore[attr-defined]
            )
        summary.removed = result.rowcount
        self.connection.commit()

    def finish(self) -> None:
        """Record the import (fingerprint and counts) unless it equals the one stored."""
        digest = self.digest.hexdigest()
        stored = self.connection.execute(
            select(ImportMetaRow.fingerprint).where(ImportMetaRow.store == self.store)
        ).scalar()
        if stored != digest or self.summary.changed or self.summary.removed:
            counts = {
                "products": self._count(ProductRow),
                "variants": self._count(VariantRow),
            }
            self.connection.execute(delete(ImportMetaRow).where(ImportMetaRow.store == self.store))
            self.connection.execute(insert(ImportMetaRow).values(
                store=self.store, fingerprint=digest, counts=counts,
                imported_at=datetime.now(UTC).replace(tzinfo=None),
            ))
        self.connection.commit()
        self.seen.drop(self.connection)
        self.connection.commit()

    def _count(self, table: type) -> int:
        return int(self.connection.execute(
            select(func.count()).select_from(table).where(table.store == self.store)  # type: ignore[attr-defined]
        ).scalar() or 0)


def write_records(
    items: Iterable[Item],
    store: str,
    engine: Engine,
    *,
    batch_size: int = BATCH,
    on_issue: Callable[[ImportIssue], None] | None = None,
    file_name: str = "",
    prune: bool = False,
) -> StreamSummary:
    """Upsert the valid records of ``items`` into ``store``; report and skip the issues.

    With ``prune``, the store's products that ``items`` did not give are removed at the end,
    when every row was read cleanly (see :meth:`_Writer.prune`).
    """
    check_store_name(store)
    summary = StreamSummary(store=store)

    def report(issue: ImportIssue) -> None:
        issue.file = issue.file or file_name
        summary.skipped += 1
        if len(summary.issues) < MAX_ISSUES:
            summary.issues.append(issue)
        if on_issue is not None:
            on_issue(issue)

    Base.metadata.create_all(engine)
    with engine.connect() as connection:
        writer = _Writer(connection, store, summary, report)
        batch: list[tuple[int, Product, Attributes]] = []
        for item in items:
            if not isinstance(item, SourceRow):
                report(item)
                continue
            product, attributes = to_product(item.record)
            summary.synthetic += ("synthetic", "true") in attributes
            batch.append((item.line, product, attributes))
            if len(batch) >= batch_size:
                writer.write(batch)
                batch = []
        if batch:
            writer.write(batch)
        if prune:
            writer.prune()
        writer.finish()
    return summary


def import_catalog_file(
    path: Path,
    store: str,
    url: str,
    *,
    fmt: str | None = None,
    progress: bool = False,
    on_issue: Callable[[ImportIssue], None] | None = None,
    prune: bool = False,
) -> StreamSummary:
    """Import one JSONL or CSV catalog file into ``store`` of the database at ``url``.

    ``prune`` removes the store's products missing from the file (see :func:`write_records`).

    Raises:
        CatalogSourceMissing: the file does not exist.
        CatalogFileError: the file as a whole cannot be read (format, header, columns).
        ValueError: the store name is not valid.
    """
    check_store_name(store)
    source = CatalogFile(path, fmt)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # pysqlite keeps 128 prepared statements per connection by default; each batch's
    # multi-row INSERT has its own length, so the cache would hold ~40 MB of one-off ones.
    options = {"connect_args": {"cached_statements": 16}} if url.startswith("sqlite") else {}
    engine = make_engine(url, **options)
    try:
        items = tqdm(source, desc=f"importing {path.name}", unit=" records",
                     disable=not progress)
        return write_records(items, store, engine, on_issue=on_issue, file_name=path.name,
                             prune=prune)
    finally:
        engine.dispose()
