"""Side-by-side comparison of catalog products: a table of attributes and what differs, and the
turn that compares the products the shopper points at."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from catalog.domain import Product
from dialogue.cards import comparison_payload
from dialogue.pointing import pointed_products
from dialogue.reply import Reply
from dialogue.turn import Turn


@dataclass(frozen=True)
class ComparisonRow:
    """One attribute across the compared products (``values`` in product order)."""

    attribute: str
    values: tuple[str, ...]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


@dataclass(frozen=True)
class Comparison:
    """The compared products, their rows, and a text summary of the differences."""

    products: tuple[Product, ...]
    rows: tuple[ComparisonRow, ...] = field(default_factory=tuple)

    def differences(self) -> list[ComparisonRow]:
        return [row for row in self.rows if row.differs]

    def summary(self) -> str:
        """Plain-text summary: prices first, then every attribute that differs."""
        names = [p.name for p in self.products]
        differing = [row for row in self.differences() if row.attribute != "Price"]
        price = next((row for row in self.rows if row.attribute == "Price"), None)
        parts = []
        if price is not None and price.differs:
            ranked = sorted(zip(names, self.products, strict=True),
                            key=lambda pair: (pair[1].price is None, pair[1].price or 0.0))
            cheapest = ranked[0]
            parts.append(f"The {cheapest[0]} is the cheapest at "
                         f"{_money(cheapest[1].price)}.")
        elif price is not None:
            parts.append(f"They cost the same ({price.values[0]}).")
        if differing:
            details = "; ".join(
                f"{row.attribute.lower()}: " + " vs ".join(row.values) for row in differing[:5])
            parts.append(f"They differ in {details}.")
        else:
            parts.append("Apart from that, their catalog details are the same.")
        return " ".join(parts)


def _money(value: float | None) -> str:
    return "no price" if value is None else f"${value:,.2f}"


def _listed(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "—"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def _rating(product: Product) -> str:
    return f"{product.rating:.1f}/5" if product.rating is not None else "no ratings"


ATTRIBUTES: tuple[tuple[str, Callable[[Product], str]], ...] = (
    ("Price", lambda p: _money(p.price)),
    ("Material", lambda p: _listed(p.materials)),
    ("Colours", lambda p: _listed(p.colors)),
    ("Sizes", lambda p: _listed(p.sizes)),
    ("Rating", _rating),
    ("Reviews", lambda p: str(p.review_count)),
    ("Category", lambda p: p.category.replace("/", " › ")),
    ("Climate", lambda p: _listed(p.climates)),
    ("Activity", lambda p: _listed(p.activities)),
    ("Pattern", lambda p: _listed(p.patterns)),
    ("Eco collection", lambda p: _yes_no(p.eco_friendly)),
    ("Performance fabric", lambda p: _yes_no(p.performance_fabric)),
    ("In stock", lambda p: _yes_no(p.in_stock)),
)
#: Always shown, even when equal; the rest appear only where the products differ.
CORE_ROWS = frozenset({"Price", "Material", "Colours", "Sizes", "Rating", "Reviews"})


def compare_products(products: Sequence[Product]) -> Comparison:
    """Compare two or more products (in the order given)."""
    if len(products) < 2:
        raise ValueError("a comparison needs at least two products")
    rows = []
    for attribute, value in ATTRIBUTES:
        row = ComparisonRow(attribute, tuple(value(p) for p in products))
        if attribute in CORE_ROWS or row.differs:
            rows.append(row)
    return Comparison(tuple(products), tuple(rows))


MAX_COMPARED = 4
WHICH_PRODUCTS = ("Which products shall I compare? Point at two I showed you (“the first two”, "
                  "“the second and the last”) or name them (“the Chaz hoodie and the Mach Street "
                  "sweatshirt”).")


class ProductCatalog(Protocol):
    def product(self, product_id: str) -> Product | None: ...
    def find_products_by_name(self, name: str) -> Sequence[Product]: ...


def compare_turn(turn: Turn, catalog: ProductCatalog) -> Reply:
    """Resolve "the first two" / "A vs B" to products, then compare them."""
    ids = pointed_products(turn, catalog)
    products = [p for p in (catalog.product(pid) for pid in ids[:MAX_COMPARED]) if p]
    if len(products) < 2:
        return Reply().say(turn.noticed(WHICH_PRODUCTS))
    comparison = compare_products(products)
    names = " and ".join(f"the {p.name}" for p in products)
    return (Reply().say(turn.noticed(f"Comparing {names}. {comparison.summary()}"),
                        comparison_payload(comparison))
            .set("compared_products", [p.id for p in products]))
