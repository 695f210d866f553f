"""What the shopper asked for, as remembered across turns, and how it reads back to them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

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

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> ShopperConstraints:
        """Read constraints from slot values (numbers may arrive as strings)."""
        return cls(
            product_type=_text(slots.get("product_type")),
            color=_text(slots.get("color")),
            size=_text(slots.get("size")),
            material=_text(slots.get("material")),
            gender=_text(slots.get("gender")),
            activity=_text(slots.get("activity")),
            price_min=_number(slots.get("price_min")),
            price_max=_number(slots.get("price_max")),
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
        words: list[str] = []
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
