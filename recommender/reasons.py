"""One-line reasons for recommended products, taken from the signals that ranked them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from catalog.domain import Product
from knowledge.search import SearchFilters

LINK_PHRASE = {
    "crosssell": "often bought with the {name}",
    "related": "goes well with the {name}",
    "upsell": "a step up from the {name}",
}
_FILLER = """a an and for i im i'm me my the to of in on with something some what would you
recommend need want looking show find any good best please who is are it that this"""
STOPWORDS = frozenset(_FILLER.split())  # noqa: SIM905 - a word list reads better as prose
_SUFFIXES = ("ing", "ers", "er", "es", "s")


@dataclass(frozen=True)
class Signals:
    """The score components of one (shopper, item) pair and what they point at."""

    tower: float = 0.0
    link: float = 0.0
    link_kind: str | None = None
    link_source: str | None = None
    popularity: float = 0.0
    nearest: str | None = None
    nearest_similarity: float = 0.0
    query: str = ""
    query_similarity: float = 0.0
    in_cart: bool = False

    @property
    def total(self) -> float:
        return self.tower + self.link + self.popularity


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())


def matched_words(query: str, product: Product) -> list[str]:
    """Request words (not filler) that the product's name, type or description contains."""
    haystack = set(_words(" ".join([product.name, product.product_type, product.category,
                                    product.description, *product.activities,
                                    *product.materials, *product.climates])))
    stems = {stem(w) for w in haystack}
    return [w for w in dict.fromkeys(_words(query))
            if w not in STOPWORDS and (w in haystack or stem(w) in stems)]


def stem(word: str) -> str:
    """A crude English stem, enough to match "runs" with "running" and "hikers" with "hiking"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2]:
        word = word[:-1]  # runn(ing) -> run
    return word


def _constraints(product: Product, filters: SearchFilters) -> str:
    parts = []
    sizes = {s.lower() for s in (*product.sizes, *(v.size or "" for v in product.variants))}
    wanted = [s for s in filters.sizes if s.lower() in sizes]
    if wanted:
        parts.append(f"in your size {'/'.join(wanted)}")
    colours = {c.lower() for c in (*product.colors, *(v.color or "" for v in product.variants))}
    shown = [c.lower() for c in filters.colors if c.lower() in colours]
    if shown:
        parts.append(f"in {' or '.join(shown)}")
    return " and ".join(parts)


def build_reason(product: Product, signals: Signals, filters: SearchFilters,
                 products: Mapping[str, Product]) -> str:
    """The reason for the strongest signal, plus the shopper's constraints it meets."""
    def name(pid: str | None) -> str:
        found = products.get(pid or "")
        return found.name if found else "item"

    where = "in your cart" if signals.in_cart else "you looked at"
    history_share = signals.nearest_similarity if signals.nearest else 0.0
    if signals.link_kind and signals.link >= signals.popularity:
        reason = LINK_PHRASE.get(signals.link_kind, "goes with the {name}").format(
            name=name(signals.link_source)) + f" {where}"
    elif signals.query and signals.query_similarity >= history_share:
        words = matched_words(signals.query, product)
        reason = (f"matches {', '.join(repr(w) for w in words[:3])}" if words
                  else f"close to '{signals.query}'")
    elif signals.nearest:
        reason = f"similar to the {name(signals.nearest)} {where}"
    elif product.review_count:
        rating = f"rated {product.rating:.1f}/5 by " if product.rating else "reviewed by "
        reason = f"popular: {rating}{product.review_count} shoppers"
    elif signals.popularity > 0:
        reason = "popular with other shoppers"
    else:
        reason = f"one of our {(product.product_type or 'products').lower()}"
    extra = _constraints(product, filters)
    return f"{reason}; {extra}" if extra else reason
