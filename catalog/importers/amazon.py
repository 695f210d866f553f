"""Importer of the Amazon "Industrial and Scientific" items in the UniSRec atomic format.

``Scientific.text`` holds ``ASIN<TAB>title. category path. brand.`` per item. The category
path is flattened with spaces (``Industrial & Scientific Tapes, Adhesives & Sealants Adhesive
Tapes Duct Tape``), so its levels are recovered from the data itself (see :func:`category_levels`); levels
without such evidence stay joined. Descriptions come from ``industrial_items_with_descriptions.json`` by exact title.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from catalog.domain import ImportIssue, Product
from catalog.importers.base import CatalogSourceMissing, ParsedCatalog, require
from catalog.importers.html_text import html_to_text

TEXT_FILE = "Scientific.text"
INDEX_FILE = "Scientific.item2index"
DESCRIPTIONS_FILE = "industrial_items_with_descriptions.json"
ROOT = "Industrial & Scientific"


def split_item_text(text: str) -> tuple[str, str, str]:
    """``title. category path. brand.`` -> ``(title, flat category, brand)``.

    Titles may contain ``. `` themselves, so the split anchors on the category root (or on
    the empty category ``. . `` that some items have).
    """
    text = text.strip()
    marker = text.rfind(". " + ROOT)
    if marker >= 0:
        title, rest = text[:marker], text[marker + 2 :]
        category, _, brand = rest.partition(". ")
    else:
        empty = text.rfind(". . ")
        title, category, brand = (
            (text[:empty], "", text[empty + 4 :]) if empty >= 0 else (text, "", "")
        )
    return title.strip(), category.strip(), brand.strip().removesuffix(".").strip()


def category_levels(flat_paths: set[str]) -> set[str]:
    """Level boundaries found in the data.

    Every item's whole path is a real node. The common word prefix of two neighbouring
    paths is one too, unless it adds a single word to a known node: one shared word is
    usually the start of two names (``Industrial`` Electrical / ``Industrial`` Hardware).
    """
    boundaries = {ROOT, *flat_paths}
    ordered = sorted(flat_paths)
    extra: set[str] = set()
    for left, right in zip(ordered, ordered[1:], strict=False):
        common: list[str] = []
        for a, b in zip(left.split(" "), right.split(" "), strict=False):
            if a != b:
                break
            common.append(a)
        known = max(
            (n for n in range(1, len(common)) if " ".join(common[:n]) in boundaries), default=0
        )
        if len(common) - known >= 2:
            extra.add(" ".join(common))
    return boundaries | extra


def split_category(flat: str, boundaries: set[str]) -> str:
    """A flattened path as ``Industrial & Scientific/Tapes, Adhesives & Sealants/...``."""
    if not flat:
        return ""
    words = flat.split(" ")
    levels: list[str] = []
    start = 0
    for end in range(1, len(words) + 1):
        prefix = " ".join(words[:end])
        if prefix in boundaries or end == len(words):
            levels.append(" ".join(words[start:end]))
            start = end
    return "/".join(level for level in levels if level)


def _descriptions(path: Path) -> dict[str, str]:
    """Title -> description text from the JSON of another processing of the same category."""
    if not path.exists():
        return {}
    items = json.loads(path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for item in items.values():
        title = (item.get("title") or "").strip()
        raw = item.get("description") or ""
        try:
            parts = ast.literal_eval(raw) if raw.startswith("[") else [raw]
        except (ValueError, SyntaxError):
            parts = [raw]
        text = " ".join(html_to_text(str(p)) for p in parts if str(p).strip())
        if title and text and title not in found:
            found[title] = text
    return found


def parse_scientific(folder: Path) -> ParsedCatalog:
    """Parse the Scientific items into products (id = ASIN; no prices, variants or reviews)."""
    if not folder.is_dir():
        raise CatalogSourceMissing(f"Amazon Scientific data folder not found: {folder}")
    text_path, index_path = require(folder / TEXT_FILE), require(folder / INDEX_FILE)
    indexed = {
        line.split("\t", 1)[0].strip()
        for line in index_path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    catalog = ParsedCatalog(store="scientific")
    items: list[tuple[str, str, str, str]] = []
    lines = text_path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], start=2):  # line 1 is the atomic-format header
        if not line.strip():
            continue
        asin, _, text = line.partition("\t")
        asin = asin.strip()
        title, flat, brand = split_item_text(text)
        if not asin or not title:
            catalog.issues.append(ImportIssue(TEXT_FILE, number, "missing ASIN or title"))
        elif asin not in indexed:
            catalog.issues.append(
                ImportIssue(TEXT_FILE, number, f"ASIN {asin} not in {INDEX_FILE}")
            )
        else:
            items.append((asin, title, flat, brand))

    boundaries = category_levels({flat for _, _, flat, _ in items if flat})
    descriptions = _descriptions(folder / DESCRIPTIONS_FILE)
    for asin, title, flat, brand in items:
        category = split_category(flat, boundaries)
        catalog.products.append(
            Product(
                id=asin,
                name=title,
                description=descriptions.get(title, ""),
                category=category,
                categories=(category,) if category else (),
                product_type=category.rsplit("/", 1)[-1] if "/" in category else "",
                brand=brand or None,
            )
        )
    return catalog
