"""What the shopper asked for, as remembered across turns, and how it reads back to them.

The constraints themselves are :class:`catalog.filters.ProductFilters` (field names = slot names).
"""

from __future__ import annotations

import re

from aisle.measures import respell_measures
from catalog.filters import ProductFilters

#: Slot names that hold search constraints, in the order they read best.
CONSTRAINT_SLOTS: tuple[str, ...] = (
    "gender",
    "color",
    "material",
    "activity",
    "product_type",
    "size",
    "price_min",
    "price_max",
    "eco_friendly",
)

#: How each constraint is named when the assistant offers to drop it.
CONSTRAINT_LABELS: dict[str, str] = {
    "gender": "the men's/women's filter",
    "color": "the colour",
    "material": "the material",
    "activity": "the activity",
    "product_type": "the product type",
    "size": "the size",
    "price_min": "the minimum price",
    "price_max": "the price limit",
    "eco_friendly": "the eco-friendly filter",
}


def describe(filters: ProductFilters, noun: str = "products") -> str:
    """Read the filters back, e.g. ``women's black jackets in size M under $80``."""
    words: list[str] = ["eco-friendly"] if filters.eco_friendly else []
    if filters.gender in {"men", "women"}:
        words.append(f"{filters.gender}'s")
    elif filters.gender:
        words.append(filters.gender)
    words += [w for w in (filters.color, filters.material) if w]
    words.append(filters.product_type or noun)
    text = " ".join(words)
    if filters.activity:
        text += f" for {filters.activity}"
    if filters.size:
        text += f" in size {filters.size.upper()}"
    if filters.price_min is not None and filters.price_max is not None:
        text += f" between ${filters.price_min:g} and ${filters.price_max:g}"
    elif filters.price_max is not None:
        text += f" under ${filters.price_max:g}"
    elif filters.price_min is not None:
        text += f" over ${filters.price_min:g}"
    return text


def query_text(filters: ProductFilters) -> str:
    """Words for the relevance ranking when the shopper's own words don't describe products."""
    parts = [filters.gender, filters.color, filters.material, filters.activity,
             filters.product_type]
    return " ".join(p for p in parts if p)


_PRICE_WORDS = re.compile(
    r"(?:\b(?:under|below|less than|cheaper than|more than|over|above|at least|at most|max|min"
    r"|between|from|to|and|or less|or more)\s+)?\$?\d+(?:\.\d+)?\s*(?:dollars?|bucks|usd)?",
    re.IGNORECASE,
)


_FILLER = re.compile(
    r"\b(?:i\s*'?\s*m looking for|i am looking for|looking for|i need|i want|i'd like|"
    r"show me|can you|could you|find me|do you have|have you got|please|some|any)\b",
    re.IGNORECASE,
)


def query_words(text: str) -> str:
    """The shopper's words without price phrases and filler, for relevance ranking. Measures
    stay, in their canonical spelling: in "80 grit sandpaper under 20" only the 20 is a price."""
    return " ".join(respell_measures(text, _without_prices).split())


def _without_prices(text: str) -> str:
    return _FILLER.sub(" ", _PRICE_WORDS.sub(" ", text))
