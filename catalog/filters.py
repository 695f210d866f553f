"""What a shopper asks of the products, from the dialogue's slots to the search's exact filters.

One type, one name per field: the field names are the Rasa slot names (domain.yml), so an
empty result can offer to drop a filter by the slot it came from, and a new filter is one new
field here plus its check in ``knowledge.search``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

#: Fields that only rank (they are part of the query words), never exclude a product.
RANKING_ONLY = frozenset({"activity"})


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
class ProductFilters:
    """Hard constraints on products; ``None``/``False`` means "any".

    ``product_type`` is a catalog product type ("jackets") or a broader word the catalog uses
    as a category ("tops", "gear"): the search decides which. ``activity`` ranks only.
    ``in_stock_only`` is not a slot: the shopper never sees sold-out products, but the search
    can name it as the constraint that emptied a result.
    """

    # In the order the search tries relaxing them (a tie in results goes to the first).
    price_min: float | None = None
    price_max: float | None = None
    color: str | None = None
    size: str | None = None
    gender: str | None = None
    product_type: str | None = None
    in_stock_only: bool = True
    material: str | None = None
    eco_friendly: bool = False
    activity: str | None = None

    def __post_init__(self) -> None:
        if None not in (self.price_min, self.price_max) and self.price_min > self.price_max:
            raise ValueError("price_min is above price_max")

    @classmethod
    def from_slots(cls, slots: Mapping[str, Any]) -> ProductFilters:
        """Read the filters from slot values (numbers may arrive as strings, gender "any")."""
        gender = _text(slots.get("gender"))
        return cls(
            gender=None if gender == "any" else gender,
            color=_text(slots.get("color")),
            material=_text(slots.get("material")),
            activity=_text(slots.get("activity")),
            product_type=_text(slots.get("product_type")),
            size=_text(slots.get("size")),
            price_min=_number(slots.get("price_min")),
            price_max=_number(slots.get("price_max")),
            eco_friendly=slots.get("eco_friendly") in (True, "true", "True"),
        )

    def active(self) -> list[str]:
        """Names of the constraints that are set (``activity`` included)."""
        return [f.name for f in fields(self) if getattr(self, f.name) not in (None, False)]

    def restricting(self) -> list[str]:
        """Names of the constraints that exclude products (``activity`` only ranks)."""
        return [name for name in self.active() if name not in RANKING_ONLY]

    def without(self, name: str) -> ProductFilters:
        """The same filters with constraint ``name`` dropped."""
        defaults = {f.name: f.default for f in fields(self)}
        if name not in defaults:
            raise ValueError(f"unknown constraint {name!r}")
        return replace(self, **{name: False if isinstance(defaults[name], bool) else None})
