"""One-line reasons for recommended products, taken from the signals that ranked them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from catalog import text as text_normaliser
from catalog.domain import Product
from catalog.filters import ProductFilters

LINK_PHRASE = {
    "crosssell": "often bought with the {name}",
    "related": "goes well with the {name}",
    "upsell": "a step up from the {name}",
}
#: Request words that never explain a match, beyond the normaliser's stop words.
REQUEST_FILLER = "im recommend need want looking find good best"


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
    seen_before: bool = False  # the shopper looked at this product earlier in the session

    @property
    def total(self) -> float:
        return self.tower + self.link + self.popularity


@lru_cache(maxsize=1)
def _filler() -> frozenset[str]:
    return frozenset(text_normaliser.terms(REQUEST_FILLER, keep_stopwords=True))


def matched_words(query: str, product: Product) -> list[str]:
    """Request words (not filler) whose lemmas the product's name, type or description has."""
    haystack = set(text_normaliser.terms(
        " ".join([product.name, product.product_type, product.category, product.description,
                  *product.activities, *product.materials, *product.climates]),
        keep_stopwords=True))
    matched = []
    for word in dict.fromkeys(text_normaliser.words(query)):
        lemmas = set(text_normaliser.terms(word)) - _filler()
        if lemmas and lemmas <= haystack:
            matched.append(word)
    return matched


def _constraints(product: Product, filters: ProductFilters) -> str:
    parts = []
    sizes = {s.lower() for s in (*product.sizes, *(v.size or "" for v in product.variants))}
    if filters.size and filters.size.lower() in sizes:
        parts.append(f"in your size {filters.size}")
    colours = {c.lower() for c in (*product.colors, *(v.color or "" for v in product.variants))}
    if filters.color and filters.color.lower() in colours:
        parts.append(f"in {filters.color.lower()}")
    return " and ".join(parts)


def build_reason(product: Product, signals: Signals, filters: ProductFilters,
                 products: Mapping[str, Product]) -> str:
    """The reason for the strongest signal, plus the shopper's constraints it meets."""
    def name(pid: str | None) -> str:
        found = products.get(pid or "")
        return found.name if found else "item"

    where = "in your cart" if signals.in_cart else "you looked at"
    history_share = signals.nearest_similarity if signals.nearest else 0.0
    if signals.seen_before:
        reason = "you looked at this earlier"
    elif signals.link_kind and signals.link >= signals.popularity:
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
