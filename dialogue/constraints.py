"""What the shopper asked for, as remembered across turns, and how it reads back to them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from knowledge.search import SearchFilters

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


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class ShopperConstraints:
    """Hard constraints of a product search; ``None`` means "any"."""

    product_type: str | None = None
    color: str | None = None
    size: str | None = None
    material: str | None = None
    gender: str | None = None
    activity: str | None = None
    price_min: float | None = None
    price_max: float | None = None
    eco_friendly: bool | None = None

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> ShopperConstraints:
        """Read constraints from slot values (numbers may arrive as strings)."""
        return cls(
            product_type=_text(slots.get("product_type")),
            color=_text(slots.get("color")),
            size=_text(slots.get("size")),
            material=_text(slots.get("material")),
            gender=None if _text(slots.get("gender")) == "any" else _text(slots.get("gender")),
            activity=_text(slots.get("activity")),
            price_min=_number(slots.get("price_min")),
            price_max=_number(slots.get("price_max")),
            eco_friendly=True if slots.get("eco_friendly") in (True, "true", "True") else None,
        )

    def active(self) -> list[str]:
        """Names of the constraints that are set."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def without(self, name: str) -> ShopperConstraints:
        """The same constraints with one of them dropped."""
        if name not in CONSTRAINT_LABELS:
            raise ValueError(f"unknown constraint {name!r}")
        return replace(self, **{name: None})

    def as_slots(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONSTRAINT_SLOTS}

    def describe(self, noun: str = "products") -> str:
        """Read the constraints back, e.g. ``women's black jackets in size M under $80``."""
        words: list[str] = ["eco-friendly"] if self.eco_friendly else []
        if self.gender in {"men", "women"}:
            words.append(f"{self.gender}'s")
        elif self.gender:
            words.append(self.gender)
        words += [w for w in (self.color, self.material) if w]
        words.append(self.product_type or noun)
        text = " ".join(words)
        if self.activity:
            text += f" for {self.activity}"
        if self.size:
            text += f" in size {self.size.upper()}"
        if self.price_min is not None and self.price_max is not None:
            text += f" between ${self.price_min:g} and ${self.price_max:g}"
        elif self.price_max is not None:
            text += f" under ${self.price_max:g}"
        elif self.price_min is not None:
            text += f" over ${self.price_min:g}"
        return text

    def query_text(self) -> str:
        """Words for the relevance ranking when the shopper's own words don't describe products."""
        parts = [self.gender, self.color, self.material, self.activity, self.product_type]
        return " ".join(p for p in parts if p)


#: How a :class:`SearchFilters` field is named as a slot (for offers to relax it).
FILTER_TO_SLOT: dict[str, str] = {
    "colors": "color",
    "sizes": "size",
    "category": "product_type",
    "product_type": "product_type",
    "gender": "gender",
    "material": "material",
    "price_min": "price_min",
    "price_max": "price_max",
    "eco_friendly": "eco_friendly",
}


def to_filters(constraints: ShopperConstraints, is_product_type: Callable[[str], bool]) -> SearchFilters:
    """Search filters for the constraints.

    A ``product_type`` the catalog knows as a product type ("jackets") filters on the type; a
    broader word ("tops", "gear") filters on the category path instead. Activity is not a hard
    filter: it ranks (the shopper's words are part of the query).
    """
    product_type = constraints.product_type
    as_type = product_type if product_type and is_product_type(product_type) else None
    return SearchFilters(
        price_min=constraints.price_min,
        price_max=constraints.price_max,
        colors=(constraints.color,) if constraints.color else (),
        sizes=(constraints.size,) if constraints.size else (),
        gender=constraints.gender,
        product_type=as_type,
        category=product_type.lower() if product_type and not as_type else None,
        material=constraints.material,
        eco_friendly=bool(constraints.eco_friendly),
    )


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
    """The shopper's words without price phrases and filler, for relevance ranking."""
    return " ".join(_FILLER.sub(" ", _PRICE_WORDS.sub(" ", text)).split())
