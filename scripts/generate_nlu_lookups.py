"""Generate ``bot/data/nlu/lookups.yml`` (Rasa 3.x lookup tables and synonyms) from the catalog.

    python scripts/generate_nlu_lookups.py [--db URL] [--out bot/data/nlu/lookups.yml]

Reads the imported Luma catalog through :class:`SqlCatalog` (run
``python -m catalog.import_catalog`` first). Canonical slot values are lower case catalog
values: product type ``hoodies & sweatshirts``, colour ``gray``, material ``polyester``,
activity ``yoga``, gender ``men``/``women``/``unisex``; sizes keep catalog case (``XS``,
``XL``, ``32``, ``55 cm``); product names keep catalog spelling.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from aisle.settings import load_settings  # noqa: E402
from catalog import SqlCatalog  # noqa: E402

HEADER = """\
# GENERATED FILE - do not edit by hand. Regenerate after a catalog import with:
#   python scripts/generate_nlu_lookups.py
# Source: the Luma catalog (SqlCatalog.vocabulary()).
#
# Canonical slot values (what search filters on, compared case-insensitively):
#   product_type, color, material, activity, gender: the catalog value in lower case,
#     e.g. "hoodies & sweatshirts", "jackets", "gray", "polyester", "yoga", "women".
#   size: catalog case, "XS" "S" "M" "L" "XL", waist sizes "28".."36", gear sizes "55 cm".
#     Single-letter sizes are left out of the lookup table (they would match inside words
#     such as "men's"); "small", "medium", "large" map to them through synonyms.
#   product: the catalog product name as spelled in the shop.
# Synonyms map shopper words (singular/plural, possessives, everyday names) to these values.
"""

# Shopper words per catalog product type (lower-cased catalog value).
TYPE_WORDS: dict[str, list[str]] = {
    "hoodies & sweatshirts": [
        "hoodie",
        "hoodies",
        "hoody",
        "sweatshirt",
        "sweatshirts",
        "pullover",
        "pullovers",
    ],
    "jackets": ["jacket", "jackets", "coat", "coats", "windbreaker", "windbreakers"],
    "tees": ["tee", "tees", "t-shirt", "t-shirts", "tshirt", "tshirts", "t shirt", "t shirts"],
    "tanks": ["tank", "tanks", "tank top", "tank tops"],
    "bras & tanks": ["bra", "bras", "sports bra", "sports bras"],
    "pants": ["pant", "pants", "trousers", "leggings", "tights", "capri", "capris"],
    "shorts": ["short", "shorts"],
    "bags": ["bag", "bags", "backpack", "backpacks", "duffle", "duffel", "tote", "totes"],
    "watches": ["watch", "watches"],
    "fitness equipment": [
        "fitness equipment",
        "equipment",
        "yoga mat",
        "exercise ball",
        "water bottle",
    ],
}
GENDER_WORDS = {
    "women": ["women", "woman", "women's", "womens", "ladies", "lady", "female"],
    "men": ["men", "man", "men's", "mens", "gents", "male"],
    "unisex": ["unisex"],
}
COLOR_WORDS = {"gray": ["grey"], "purple": ["violet"]}
SIZE_WORDS = {
    "XS": ["xs", "extra small", "x-small", "xsmall"],
    "S": ["small"],
    "M": ["medium", "med"],
    "L": ["large"],
    "XL": ["xl", "extra large", "x-large", "xlarge"],
}


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _block(kind: str, name: str, values: list[str]) -> list[str]:
    lines = [f"- {kind}: {_quote(name)}", "  examples: |"]
    lines += [f"    - {v}" for v in values]
    return lines


def render(vocabulary: dict[str, list[str]]) -> str:
    """The YAML text for a catalog vocabulary (see :meth:`SqlCatalog.vocabulary`)."""
    lower = {
        k: sorted({v.lower() for v in vocabulary.get(k, [])})
        for k in ("product_type", "color", "material", "activity")
    }
    sizes = [s for s in vocabulary.get("size", []) if len(s) > 1]
    tables = {
        "product_type": lower["product_type"],
        "color": lower["color"],
        "size": sizes
        + [
            w for words in SIZE_WORDS.values() for w in words if w not in {s.lower() for s in sizes}
        ],
        "material": lower["material"],
        "activity": lower["activity"],
        "gender": sorted({w for words in GENDER_WORDS.values() for w in words}),
        "product": sorted(set(vocabulary.get("product", [])), key=str.lower),
    }
    lines = [HEADER.rstrip(), 'version: "3.1"', "", "nlu:"]
    for name, values in tables.items():
        lines += _block("lookup", name, values)
    synonyms: dict[str, list[str]] = {}
    for value in lower["product_type"]:
        synonyms[value] = [w for w in TYPE_WORDS.get(value, []) if w != value]
    for value, words in {**GENDER_WORDS, **COLOR_WORDS}.items():
        synonyms[value] = [w for w in words if w != value]
    for value, words in SIZE_WORDS.items():
        synonyms[value] = list(words)
    for value, words in synonyms.items():
        if words:
            lines += _block("synonym", value, words)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Read the catalog at ``--db`` and write the lookups file."""
    settings = load_settings()
    parser = argparse.ArgumentParser(
        description="Generate Rasa lookup tables from the Luma catalog."
    )
    parser.add_argument("--db", default=settings.model_copy(update={"store": "luma"}).catalog_url)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "bot/data/nlu/lookups.yml")
    args = parser.parse_args(argv)
    try:
        vocabulary = SqlCatalog(args.db, store="luma").vocabulary()
    except SQLAlchemyError:
        vocabulary = {"product": []}
    if not vocabulary["product"]:
        print(
            f"error: no Luma catalog in {args.db}; run python -m catalog.import_catalog first",
            file=sys.stderr,
        )
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(vocabulary), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
