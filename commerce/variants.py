"""Which purchasable variant a shopper means: size and colour checks against the catalog.

The catalog is read through :class:`ProductLookup`, which ``catalog.SqlCatalog``
and the tests' in-memory catalog both satisfy.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from catalog.domain import Product, Variant
from commerce.money import money

SelectionStatus = Literal[
    "ok", "unknown_product", "needs_options", "unknown_option", "out_of_stock", "not_enough_stock"
]


class ProductLookup(Protocol):
    """The one catalog read commerce needs."""

    def product(self, product_id: str) -> Product | None:
        """One parent product by id, variants included, or ``None``."""
        ...


@dataclass(frozen=True)
class VariantOption:
    """An in-stock variant offered instead of the one asked for."""

    sku: str
    size: str | None
    color: str | None


@dataclass(frozen=True)
class Selection:
    """The outcome of choosing a product's variant; ``status == "ok"`` means it can be added.

    ``sizes`` and ``colors`` list what is offered in stock (given the other choice, when
    made); ``missing`` and ``unknown`` name ``size`` / ``color`` the shopper must (re)choose.
    """

    status: SelectionStatus
    product: Product | None = None
    variant: Variant | None = None
    missing: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    alternatives: tuple[VariantOption, ...] = ()
    available: int | None = None

    @property
    def sku(self) -> str:
        return self.variant.sku if self.variant else self.product.id if self.product else ""

    @property
    def unit_price(self) -> Decimal | None:
        price = (self.variant.price if self.variant else None) or (
            self.product.price if self.product else None
        )
        return money(price) if price is not None else None


def find_product(catalog: ProductLookup, product_id: str) -> tuple[Product | None, Variant | None]:
    """The parent product of a product id or a variant SKU (``WS03-XS-Red`` -> ``WS03``)."""
    wanted = product_id.strip()
    candidate = wanted
    while candidate:
        product = catalog.product(candidate)
        if product is not None:
            variant = next((v for v in product.variants if v.sku.lower() == wanted.lower()), None)
            return product, variant
        candidate = candidate.rpartition("-")[0]
    return None, None


def _match(value: str | None, offered: list[str]) -> str | None:
    text = (value or "").strip().lower()
    return next((o for o in offered if o.lower() == text), None)


def _in_stock(v: Variant, quantity: int = 1) -> bool:
    return v.in_stock and v.qty >= quantity


def select_variant(
    catalog: ProductLookup,
    product_id: str,
    size: str | None = None,
    color: str | None = None,
    quantity: int = 1,
) -> Selection:
    """Resolve ``product_id`` (and size/colour for configurable products) to one variant."""
    product, by_sku = find_product(catalog, product_id)
    if product is None:
        return Selection("unknown_product")
    if by_sku is not None:
        size, color = size or by_sku.size, color or by_sku.color
    if not product.variants:
        if not product.in_stock:
            return Selection("out_of_stock", product)
        return Selection("ok", product)
    variants = product.variants
    all_sizes = list(dict.fromkeys(v.size for v in variants if v.size))
    all_colors = list(dict.fromkeys(v.color for v in variants if v.color))
    chosen_size, chosen_color = _match(size, all_sizes), _match(color, all_colors)
    stocked = [v for v in variants if _in_stock(v)]
    sizes = tuple(dict.fromkeys(
        v.size for v in stocked if v.size and (chosen_color is None or v.color == chosen_color)
    ))
    colors = tuple(dict.fromkeys(
        v.color for v in stocked if v.color and (chosen_size is None or v.size == chosen_size)
    ))
    unknown = tuple(
        name
        for name, asked, chosen in (("size", size, chosen_size), ("color", color, chosen_color))
        if asked and chosen is None
    )
    if unknown:
        return Selection("unknown_option", product, unknown=unknown, sizes=sizes, colors=colors)
    missing = tuple(
        name
        for name, offered, chosen in (("size", all_sizes, chosen_size), ("color", all_colors, chosen_color))
        if offered and chosen is None
    )
    if missing:
        return Selection("needs_options", product, missing=missing, sizes=sizes, colors=colors)
    variant = next(
        (v for v in variants if v.size == chosen_size and v.color == chosen_color), None
    )
    alternatives = tuple(
        VariantOption(v.sku, v.size, v.color)
        for v in sorted(stocked, key=lambda v: (v.color != chosen_color, v.size != chosen_size))
        if v.color == chosen_color or v.size == chosen_size
    )
    if variant is None:
        return Selection("unknown_option", product, unknown=("size", "color"), sizes=sizes,
                         colors=colors, alternatives=alternatives)
    if not _in_stock(variant):
        return Selection("out_of_stock", product, variant, sizes=sizes, colors=colors,
                         alternatives=alternatives)
    if not _in_stock(variant, quantity):
        return Selection("not_enough_stock", product, variant, available=int(variant.qty))
    return Selection("ok", product, variant)


def on_sale(product: Product) -> bool:
    """Whether a product counts as a sale item for promotions (special price or sale category)."""
    reduced = product.regular_price is not None and product.price is not None and (
        product.price < product.regular_price
    )
    return reduced or any("sale" in c.lower().split("/")[-1].split() for c in product.categories)
