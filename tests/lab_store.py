"""The test store ``lab``: real Amazon Scientific lab products as a catalog file, plus its pages.

The catalog is built at test time from ``AISLE_DATA_DIR/amazon-scientific`` (real products:
the ``Lab & Scientific Products`` and ``Science Education`` categories) and written in the
documented record format (docs/catalog-schema.md), so the store goes through the same file
import any store uses. Its pages (tests/fixtures/stores/lab/pages) are test data.
"""

from __future__ import annotations

import json
from pathlib import Path

from aisle.settings import REPO_ROOT
from catalog.domain import Product
from catalog.importers.amazon import parse_scientific

LAB_PAGES = REPO_ROOT / "tests" / "fixtures" / "stores" / "lab" / "pages"
LAB_CATEGORIES = ("Lab & Scientific Products", "Science Education")
ROOT = "Industrial & Scientific/"


def lab_products(data_dir: Path, limit: int = 300) -> list[Product]:
    """The first ``limit`` Amazon Scientific products (by id) of the lab categories."""
    catalog = parse_scientific(data_dir / "amazon-scientific")
    chosen = [p for p in catalog.products
              if any(f"/{name}" in p.category for name in LAB_CATEGORIES)]
    return sorted(chosen, key=lambda p: p.id)[:limit]


def record(product: Product) -> dict[str, object]:
    """``product`` as a catalog-file record (the Amazon data has no prices or variants)."""
    line: dict[str, object] = {"id": product.id, "name": product.name,
                               "category": product.category.removeprefix(ROOT)}
    if product.description:
        line["description"] = product.description
    if product.brand:
        line["brand"] = product.brand
    return line


def write_lab_catalog(data_dir: Path, path: Path, limit: int = 300) -> list[Product]:
    """Write the lab store's JSONL catalog file to ``path``; return the products written."""
    products = lab_products(data_dir, limit)
    with path.open("w", encoding="utf-8") as out:
        out.write(json.dumps({"catalog": {"format": "aisle-catalog", "version": 1}}) + "\n")
        for product in products:
            out.write(json.dumps(record(product), ensure_ascii=False) + "\n")
    return products
