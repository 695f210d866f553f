"""The store's gazetteer (:mod:`aisle.gazetteer`) built from its imported products.

Written by ``python -m catalog.import_catalog`` after every import, so the Rasa process can
tag the names this catalog uses for kinds of product, brands and materials whatever the store
sells, with no store's words in the training data. Terms are the catalog's own values, cut to
what a shopper would type: a product type's alternatives ("Hoodies & Sweatshirts" → "hoodies",
"sweatshirts") and the head noun of a longer one ("Analytical Balances" → "balances"); brands
and materials as the catalog spells them. Words that name nothing on their own (stop words,
"accessories", "supplies", English words used as brand names) are left out, so the tagger does
not read them as a product.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from aisle.gazetteer import GENERAL_MATERIALS, Gazetteer, gazetteer_path, match_key
from catalog.domain import Product
from catalog.text import is_dictionary_word, is_stopword, lemma

#: Heads of product types too general to name a kind on their own.
GENERIC_HEADS = frozenset({
    "accessory", "accessorie", "part", "supply", "supplie", "product", "equipment", "item",
    "kit", "set", "material", "system", "component", "unit", "tool", "other", "misc",
    "miscellaneous", "general", "type", "style", "pack", "collection", "sale", "new", "gear",
    "board", "strip", "lead", "hook", "poly",
})
#: A type alternative, brand or material of more words than this is a description, not a name.
MAX_WORDS = 4
_ALTERNATIVES = re.compile(r"\s*(?:&|,|/|\band\b)\s*", re.IGNORECASE)
_MARKS = re.compile(r"[®™©]")


def build_gazetteer(store: str, products: Iterable[Product]) -> Gazetteer:
    """The gazetteer of ``store``'s ``products``."""
    types: Counter[str] = Counter()
    brands: Counter[str] = Counter()
    materials: set[str] = set()
    colors: set[str] = set()
    sizes: set[str] = set()
    products = list(products)
    for p in products:
        if p.product_type:
            types[p.product_type] += 1
        if p.brand:
            brands[p.brand.strip()] += 1
        materials.update(p.materials)
        colors.update(c for c in (*p.colors, *(v.color for v in p.variants)) if c)
        sizes.update(s for s in (*p.sizes, *(v.size for v in p.variants)) if s)
    if not materials:
        named = [f" {match_key(p.name)} {match_key(p.product_type)} " for p in products]
        materials.update(m for m in GENERAL_MATERIALS
                         if any(f" {match_key(m)} " in text for text in named))
    type_terms = _unique(t for kind, _ in types.most_common() for t in type_terms_of(kind))
    taken = {match_key(t) for t in type_terms}
    return Gazetteer(store, {
        "product_type": type_terms,
        "brand": _unique(b for b, _ in brands.most_common() if is_brand_name(b)
                         and match_key(b) not in taken),
        "material": _unique(_clean(m).lower() for m in sorted(materials)
                            if _names_something(_clean(m))),
        "color": _unique(c.lower() for c in sorted(colors) if _names_something(c)),
        "size": _unique(sorted(sizes)),
    })


def write_store_gazetteer(state_dir: Path, store: str, products: Iterable[Product]) -> Path:
    """Build and write ``store``'s gazetteer under ``state_dir``; return its path."""
    return build_gazetteer(store, products).write(gazetteer_path(state_dir, store))


def gazetteer_dir(catalog_url: str, state_dir: Path) -> Path:
    """Where the gazetteer of a catalog at ``catalog_url`` goes: beside a SQLite file (the
    development catalog lives in ``state_dir``, so the Rasa process finds it there; a test's
    catalog in a temporary folder keeps its gazetteer there too), else in ``state_dir``."""
    prefix = "sqlite:///"
    if catalog_url.startswith(prefix) and catalog_url[len(prefix):] not in ("", ":memory:"):
        return Path(catalog_url[len(prefix):]).parent
    return state_dir


def type_terms_of(product_type: str) -> list[str]:
    """What a shopper may call a product type: each alternative, lower case, and the head noun
    (last word) of an alternative of several words unless it is too general."""
    found: list[str] = []
    for part in _ALTERNATIVES.split(_clean(product_type)):
        words = part.lower().split()
        if not words or len(words) > MAX_WORDS or not _names_something(part):
            continue
        found.append(" ".join(words))
        head = words[-1]
        if len(words) > 1 and len(head) > 3 and head.isalpha() and lemma(head) not in GENERIC_HEADS:
            found.append(head)
    return found


def is_brand_name(brand: str) -> bool:
    """Whether ``brand`` can be tagged as a brand: a name of at most :data:`MAX_WORDS` words,
    with a letter, of three characters or more (or two with a digit: "3M"), not made of English
    words and stop words alone ("Generic", "Universal", "Small Parts")."""
    text = _clean(brand)
    if not text or len(text.split()) > MAX_WORDS or not any(c.isalpha() for c in text):
        return False
    if len(text) < 3 and not (len(text) == 2 and any(c.isdigit() for c in text)):
        return False
    words = text.lower().split()
    return not all(is_stopword(w) or (w.isalpha() and is_dictionary_word(lemma(w)))
                   for w in words)


def _names_something(text: str) -> bool:
    key = match_key(text)
    return bool(key) and any(c.isalpha() for c in key) and not all(
        is_stopword(w) or lemma(w) in GENERIC_HEADS for w in key.split())


def _clean(text: str) -> str:
    return " ".join(_MARKS.sub("", text).split())


def _unique(terms: Iterable[str]) -> list[str]:
    """``terms`` without a second one of the same :func:`match_key`, in order."""
    seen: set[str] = set()
    kept: list[str] = []
    for term in terms:
        key = match_key(term)
        if key and key not in seen:
            seen.add(key)
            kept.append(term)
    return kept
