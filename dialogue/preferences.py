"""What the shopper prefers but the catalog cannot filter on: measures and brands.

"80 grit sandpaper", "1/2 inch staples", "dewalt cutting wheels": catalogs write measures in free
text ("80-Grit", '1/2"', "1/2-Inch") and many products list none, and a brand is one field among
thousands of values. So neither is a hard filter: from a pool of the search's best products, those
that state every measure asked for (both sides read with :func:`aisle.measures.find_measures`,
so they compare in one spelling) and are of the brand named go first, the others keep their
order after them, and the reply says how many fit. When the shopper named a kind of product, a
product counts only when its name has the kind's head word: a 250 ml flask is no answer to
"250 ml graduated cylinders".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from aisle.measures import find_measures
from catalog.domain import Product
from catalog.text import is_dictionary_word, terms
from knowledge.search import SearchHit, SearchResult

#: How many products a search with preferences looks through for the ones that fit them.
PREFERENCE_POOL = 20


@dataclass(frozen=True)
class Preferences:
    """Measures in one spelling ("80 grit") and the catalog's spelling of a brand named."""

    measures: tuple[str, ...] = ()
    brand: str | None = None

    def __bool__(self) -> bool:
        return bool(self.measures or self.brand)

    def described(self) -> str:
        parts = [" and ".join(self.measures)] if self.measures else []
        if self.brand:
            parts.append(f"by {self.brand}")
        return " ".join(parts)


@dataclass(frozen=True)
class PreferenceRanking:
    result: SearchResult
    preferences: Preferences
    matching: int

    def note(self) -> str:
        """``All of them are 80 grit by 3M.`` / ``The first 2 are 80 grit.`` / ``None of them
        is 80 grit; these come closest.``; empty without preferences or results."""
        if not self.preferences or not self.result.hits:
            return ""
        asked = self.preferences.described()
        if self.matching == 0:
            return f"None of them is {asked}; these come closest."
        if self.matching >= len(self.result.hits):
            return f"It is {asked}." if len(self.result.hits) == 1 else f"All of them are {asked}."
        if self.matching == 1:
            return f"The first one is {asked}."
        return f"The first {self.matching} are {asked}."


def brand_in_text(text: str, brands: tuple[str, ...]) -> str | None:
    """The catalog brand ``text`` names: in any case when the brand is no English word
    ("dewalt", "hatchbox", "3m"), with its capital when it is one ("Gorilla", not "gorilla");
    the longest name wins ("3M Dual Lock" over "3M")."""
    lowered = text.lower()
    named = [b for b in brands if len(b) >= 2 and b.lower() in lowered]  # cheap first pass
    for brand in sorted(named, key=len, reverse=True):
        if not re.search(r"[A-Za-z]", brand):
            continue
        pattern = re.compile(rf"(?<![\w-]){re.escape(brand)}(?![\w-])", re.IGNORECASE)
        for match in pattern.finditer(text):
            words = re.findall(r"[a-z]+", brand.lower())
            common = all(is_dictionary_word(w) for w in words)
            if not common or match.group(0)[0].isupper() or match.group(0)[0].isdigit():
                return brand
    return None


def asked_preferences(query: str, brands: tuple[str, ...]) -> Preferences:
    """The measures in the words searched with, each once, and the brand they name."""
    measures = tuple(dict.fromkeys(m.value for m in find_measures(query)))
    return Preferences(measures, brand_in_text(query, brands) if brands else None)


def product_measures(product: Product) -> set[str]:
    return {m.value for m in find_measures(f"{product.name}\n{product.description}")}


def _fits(hit: SearchHit, preferences: Preferences, head: str | None) -> bool:
    product = hit.product
    if head is not None and head not in terms(product.name):
        return False
    if preferences.brand:
        brand = preferences.brand.lower()
        if (product.brand or "").lower() != brand and not product.name.lower().startswith(brand):
            return False
    return set(preferences.measures) <= product_measures(product)


def prefer(result: SearchResult, preferences: Preferences, k: int,
           kind: str | None = None) -> PreferenceRanking:
    """``result`` cut to ``k`` hits, those that fit ``preferences`` (and are of the ``kind``
    asked for, by the last word of its name) first."""
    if not preferences:
        return PreferenceRanking(replace(result, hits=result.hits[:k]), preferences, 0)
    head = (terms(kind) or [None])[-1] if kind else None
    fitting = [h for h in result.hits if _fits(h, preferences, head)]
    others = [h for h in result.hits if h not in fitting]
    hits = (fitting + others)[:k]
    return PreferenceRanking(replace(result, hits=hits), preferences, min(len(fitting), len(hits)))
