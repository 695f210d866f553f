"""Build the judged search set of the Scientific catalog from its own category paths.

    python -m scripts.build_relevance_set [--min-items 5] [--out tests/relevance/scientific.json]

**Category queries.** The catalog is parsed from ``../shared/data/amazon-scientific`` by the
importer the store uses (``catalog.importers.load.parse_store``), so the paths are the imported
store's. A product's leaf is the last level of its category path (its product type). For each
leaf name held by at least ``--min-items`` products, one query, made by :func:`leaf_query`
from the leaf name alone, never from search results:

1. lower case; ``&`` becomes ``and``; a word repeated at once is said once ("rubber rubber");
2. where the importer glued two levels into one leaf ("Valves Check Valves", "Lamps LED
   Lamps"), which shows as the leaf's last word also appearing earlier in it, only the words
   after that earlier occurrence ("check valves", "led lamps"), leading "and" dropped;
3. the shop's plural is kept (shoppers type "digital calipers"; search compares lemmas).

Relevant = every product whose leaf has that name (a name under several parents, such as
"Accessories", counts them all: the query cannot tell them apart). Left out: products with no
category, and leaf names that are also an inner level of some path (those products sit in a
broad category next to its subcategories, e.g. "Test, Measure & Inspect", so "the items in that
leaf" is not what a shopper asking for it means).

**Absent queries.** :data:`ABSENT_QUERIES` was written before any search was run: kinds of
product an industrial and scientific supplier does not sell. Each is checked against the
catalog (:func:`present_in_catalog`): one whose content words (lemmas) all appear in one
product's name, or in one category level, is dropped and listed as ``dropped_absent`` with the
reason, so the set claims absence only where the catalog bears it out.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: Kinds of product an industrial & scientific shop does not carry (written before any run).
ABSENT_QUERIES = (
    "smartphone", "sofa", "running shoes", "dog food", "novel", "lipstick", "television",
    "laptop", "wedding dress", "perfume", "acoustic guitar", "bicycle", "baby stroller",
    "espresso machine", "video game console", "handbag", "mattress", "red wine", "cat litter",
    "board game", "diamond ring", "jeans", "winter coat", "wireless earbuds", "refrigerator",
    "car tires", "golf clubs", "camping tent", "hair dryer", "nail polish", "baseball cap",
    "wristwatch", "teddy bear", "office chair", "bed sheets", "breakfast cereal",
    "potted plant", "swimsuit", "skateboard", "sunscreen",
)
DEFAULT_OUT = Path("tests/relevance/scientific.json")


def leaf_query(leaf: str) -> str:
    """The shopper's query for a leaf category name (the rule in the module docstring)."""
    words = leaf.lower().replace("&", " and ").replace(",", " ").split()
    words = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
    last = words[-1]
    earlier = [i for i, w in enumerate(words[:-1]) if w == last]
    if earlier:
        words = words[earlier[-1] + 1:]
        while words and words[0] == "and":
            words = words[1:]
    return " ".join(words)


def _levels(path: str) -> list[str]:
    return [level.strip() for level in path.split("/") if level.strip()]


def category_queries(products: Iterable[Any], min_items: int) -> list[dict[str, Any]]:
    """One judged query per leaf name with at least ``min_items`` products, most items first."""
    by_leaf: dict[str, list[str]] = {}
    inner: set[str] = set()
    for p in products:
        levels = _levels(p.category)
        if not levels:
            continue
        by_leaf.setdefault(levels[-1], []).append(p.id)
        inner.update(levels[:-1])
    queries = []
    for leaf, ids in sorted(by_leaf.items(), key=lambda item: (-len(item[1]), item[0])):
        if len(ids) < min_items or leaf in inner:
            continue
        queries.append({"query": leaf_query(leaf), "leaf": leaf, "relevant": sorted(ids)})
    return queries


def present_in_catalog(query: str, products: list[Any], terms: Any) -> str | None:
    """Why ``query`` is not absent (a product name or category level holding all its content
    lemmas), or ``None`` when the catalog has no such thing."""
    wanted = set(terms(query))
    for p in products:
        if wanted <= set(terms(p.name)):
            return f"product {p.id} is named {p.name[:80]!r}"
    for level in sorted({lv for p in products for lv in _levels(p.category)}):
        if wanted <= set(terms(level)):
            return f"category level {level!r}"
    return None


def build(data_dir: Path, min_items: int) -> dict[str, Any]:
    """The judged set as a JSON-ready dict."""
    from catalog.importers.load import parse_store
    from catalog.text import terms

    products = parse_store("scientific", data_dir).products
    absent, dropped = [], []
    for query in ABSENT_QUERIES:
        reason = present_in_catalog(query, products, terms)
        if reason is None:
            absent.append(query)
        else:
            dropped.append({"query": query, "because": reason})
    categories = category_queries(products, min_items)
    return {
        "store": "scientific",
        "made_by": f"python -m scripts.build_relevance_set --min-items {min_items}",
        "rule": __doc__.split("**Category queries.**", 1)[1].strip(),
        "min_items": min_items,
        "products": len(products),
        "category_queries": categories,
        "absent_queries": absent,
        "dropped_absent": dropped,
    }


def main(argv: list[str] | None = None) -> None:
    from aisle.settings import load_settings

    parser = argparse.ArgumentParser(prog="python -m scripts.build_relevance_set")
    parser.add_argument("--min-items", type=int, default=5)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    judged = build(load_settings().data_dir, args.min_items)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(judged, indent=1, ensure_ascii=False) + "\n")
    print(f"{args.out}: {len(judged['category_queries'])} category queries, "
          f"{len(judged['absent_queries'])} absent queries "
          f"({len(judged['dropped_absent'])} dropped as present: "
          f"{', '.join(d['query'] for d in judged['dropped_absent']) or 'none'})")
    for entry in judged["category_queries"]:
        if not re.search(r"[a-z]", entry["query"]):
            raise SystemExit(f"empty query for leaf {entry['leaf']!r}")


if __name__ == "__main__":
    main()
