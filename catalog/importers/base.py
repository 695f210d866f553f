"""What every importer produces, and CSV reading that keeps physical line numbers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from catalog.domain import ImportIssue, PolicySection, Product, ProductLink, Review


class CatalogSourceMissing(FileNotFoundError):
    """The store's data folder or one of its required files does not exist."""


@dataclass
class ParsedCatalog:
    """A store's content as parsed from its source files, before it is written anywhere."""

    store: str
    products: list[Product] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    links: list[ProductLink] = field(default_factory=list)
    sections: list[PolicySection] = field(default_factory=list)
    issues: list[ImportIssue] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per kind, in the order the summary prints them."""
        return {
            "products": len(self.products),
            "variants": sum(len(p.variants) for p in self.products),
            "reviews": len(self.reviews),
            "links": len(self.links),
            "policy sections": len(self.sections),
        }


def require(path: Path) -> Path:
    """Return ``path`` if it exists, else raise :class:`CatalogSourceMissing`."""
    if not path.exists():
        raise CatalogSourceMissing(f"catalog source not found: {path}")
    return path


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line, row)`` with the physical line on which each row starts.

    Rows may span several lines (multi-line HTML in quoted fields), so the line comes from
    the reader's ``line_num`` before each row rather than from counting rows.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        while True:
            start = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            if not any(v.strip() for v in values):
                continue
            values += [""] * (len(header) - len(values))
            yield start, {key: (value or "") for key, value in zip(header, values, strict=False)}
