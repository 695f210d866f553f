"""Streaming readers of the documented catalog formats (docs/catalog-schema.md).

:class:`CatalogFile` yields one :class:`SourceRow` per valid product or one
:class:`ImportIssue` (``file:line: reason``) per bad one, reading a line (JSONL) or one
product's group of rows (CSV) at a time, so memory does not grow with the file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from catalog.domain import ImportIssue
from catalog.importers.base import CatalogSourceMissing
from catalog.importers.record import FileHeader, ProductRecord, validation_reason

FORMATS = ("jsonl", "csv")
PRODUCT_COLUMNS = (
    "id", "name", "description", "category", "categories", "brand", "price",
    "regular_price", "currency", "image", "in_stock",
)
VARIANT_COLUMNS = {
    "variant_sku": "sku", "variant_color": "color", "variant_size": "size",
    "variant_stock": "stock", "variant_in_stock": "in_stock", "variant_price": "price",
}
ATTRIBUTE_PREFIX = "attr:"
LIST_SEPARATOR = "|"


class CatalogFileError(ValueError):
    """The file as a whole cannot be read (wrong format, unknown CSV columns)."""


@dataclass(frozen=True)
class SourceRow:
    """A valid product record and the line it starts on."""

    line: int
    record: ProductRecord


Item = SourceRow | ImportIssue


def format_of(path: Path, given: str | None = None) -> str:
    """The file's format: ``given``, else from its suffix (``.jsonl``/``.ndjson``, ``.csv``)."""
    if given:
        if given not in FORMATS:
            raise CatalogFileError(f"unknown format {given!r}; expected one of {FORMATS}")
        return given
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    raise CatalogFileError(f"cannot tell the format of {path.name}: pass --format jsonl|csv")


class CatalogFile:
    """One catalog file; iterate it for its products.

    Opening it reads the JSONL header line or the CSV header row, so a file that cannot be
    imported at all fails here, before anything is written.
    """

    def __init__(self, path: Path, fmt: str | None = None) -> None:
        if not path.is_file():
            raise CatalogSourceMissing(f"catalog file not found: {path}")
        self.path = path
        self.format = format_of(path, fmt)
        self.header: FileHeader | None = None
        if self.format == "jsonl":
            self.header = self._jsonl_header()
        else:
            with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
                _check_columns(path.name, [h.strip() for h in next(csv.reader(handle), [])])

    def __iter__(self) -> Iterator[Item]:
        return self._jsonl() if self.format == "jsonl" else self._csv()

    def _issue(self, line: int, reason: str) -> ImportIssue:
        return ImportIssue(self.path.name, line, reason)

    def _record(self, line: int, data: Any, lines: list[int] | None = None) -> Item:
        if not isinstance(data, dict):
            return self._issue(line, f"expected a JSON object, got {type(data).__name__}")
        try:
            return SourceRow(line, ProductRecord.model_validate(data))
        except ValidationError as error:
            where = _variant_line(error, lines) if lines else None
            return self._issue(where or line, _with_id(data, validation_reason(error)))

    def _jsonl(self) -> Iterator[Item]:
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    text = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
                except UnicodeDecodeError:
                    yield self._issue(number, "not UTF-8 text")
                    continue
                if not text:
                    continue
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as error:
                    yield self._issue(number, f"not valid JSON ({error.msg}, column {error.colno})")
                    continue
                if number == 1 and self.header is not None:
                    continue
                yield self._record(number, data)

    def _jsonl_header(self) -> FileHeader | None:
        """The header on line 1 (``{"catalog": {...}}``), if there is one."""
        with self.path.open("rb") as handle:
            try:
                data = json.loads(handle.readline().decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError):
                return None  # reported as line 1's issue when the file is read
        if not (isinstance(data, dict) and set(data) == {"catalog"}):
            return None
        try:
            return FileHeader.model_validate(data["catalog"])
        except ValidationError as error:
            raise CatalogFileError(
                f"{self.path.name}:1: bad header ({validation_reason(error)})"
            ) from None

    def _csv(self) -> Iterator[Item]:
        group: list[tuple[int, dict[str, str]]] = []
        held: list[ImportIssue] = []  # bad rows inside an open group, reported after it
        for line, row in self._csv_rows():
            if isinstance(row, str) or not row.get("id"):
                held.append(self._issue(line, row if isinstance(row, str) else "missing id"))
                continue
            if group and row["id"] != group[0][1]["id"]:
                yield self._group(group)
                group = []
            yield from held
            held = []
            group.append((line, row))
        if group:
            yield self._group(group)
        yield from held

    def _csv_rows(self) -> Iterator[tuple[int, dict[str, str] | str]]:
        """``(line, row)`` per non-blank row, or ``(line, reason)`` for an unreadable one."""
        # surrogateescape keeps going past bytes that are not UTF-8; such rows are reported.
        with self.path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            _check_columns(self.path.name, header)
            while True:
                start = reader.line_num + 1
                try:
                    values = next(reader)
                except StopIteration:
                    return
                if not any(v.strip() for v in values):
                    continue
                if any("\udc80" <= ch <= "\udcff" for v in values for ch in v):
                    yield start, "not UTF-8 text"
                elif len(values) > len(header):
                    yield start, f"{len(values)} cells but {len(header)} columns"
                else:
                    values += [""] * (len(header) - len(values))
                    yield start, {k: v.strip() for k, v in zip(header, values, strict=True)}

    def _group(self, rows: list[tuple[int, dict[str, str]]]) -> Item:
        """One product from its consecutive rows: product cells of the first, a variant each."""
        line, first = rows[0]
        product: dict[str, Any] = {}
        for column in PRODUCT_COLUMNS:
            if first.get(column):
                product[column] = first[column]
        if "categories" in product:
            product["categories"] = _split(product["categories"])
        attributes = {
            key[len(ATTRIBUTE_PREFIX):].strip(): _cell_value(value)
            for key, value in first.items()
            if key.startswith(ATTRIBUTE_PREFIX) and value
        }
        if attributes:
            product["attributes"] = attributes
        for other_line, row in rows[1:]:
            for key, value in row.items():
                if key not in VARIANT_COLUMNS and value and value != first.get(key):
                    return self._issue(
                        other_line,
                        f"product {first['id']}: {key} differs from line {line} "
                        "(a product's rows must repeat its cells or leave them empty)",
                    )
        variants = [(n, _variant(row)) for n, row in rows]
        with_sku = [(n, v) for n, v in variants if v.get("sku")]
        without = [n for n, v in variants if v and not v.get("sku")]
        if without or (len(rows) > 1 and len(with_sku) < len(rows)):
            bad = without[0] if without else next(n for n, v in variants if not v.get("sku"))
            return self._issue(bad, f"product {first['id']}: variant row without variant_sku")
        if with_sku:
            product["variants"] = [v for _, v in with_sku]
        return self._record(line, product, [n for n, _ in with_sku])


def _check_columns(name: str, header: list[str]) -> None:
    if not header:
        raise CatalogFileError(f"{name}: empty file (expected a header row)")
    known = {*PRODUCT_COLUMNS, *VARIANT_COLUMNS}
    unknown = [h for h in header if h not in known and not h.startswith(ATTRIBUTE_PREFIX)]
    missing = [c for c in ("id", "name") if c not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column {', '.join(unknown)} "
                         f"(attributes are written attr:<name>)")
        raise CatalogFileError(f"{name}:1: {'; '.join(parts)}")
    if len(set(header)) != len(header):
        raise CatalogFileError(f"{name}:1: a column is named twice")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def _cell_value(cell: str) -> str | list[str]:
    parts = _split(cell)
    return parts if len(parts) > 1 else (parts[0] if parts else "")


def _variant(row: dict[str, str]) -> dict[str, str]:
    return {field: row[column] for column, field in VARIANT_COLUMNS.items() if row.get(column)}


def _variant_line(error: ValidationError, lines: list[int]) -> int | None:
    for item in error.errors():
        loc = item["loc"]
        if len(loc) > 1 and loc[0] == "variants" and isinstance(loc[1], int):
            return lines[loc[1]] if loc[1] < len(lines) else None
    return None


def _with_id(data: dict[str, Any], reason: str) -> str:
    product_id = data.get("id")
    if isinstance(product_id, str) and product_id.strip() and not reason.startswith("id:"):
        return f"product {product_id.strip()}: {reason}"
    return reason
