"""Typed results of the shopper-facing commerce operations (what actions turn into replies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from commerce.orders import OrderSummary
from commerce.pricing import CartLine, CartView
from commerce.variants import VariantOption

AddStatus = Literal[
    "added",
    "unknown_product",
    "needs_options",
    "unknown_option",
    "out_of_stock",
    "not_enough_stock",
    "bad_quantity",
    "no_price",
]
ChangeStatus = Literal[
    "updated", "removed", "not_in_cart", "ambiguous", "bad_quantity", "not_enough_stock"
]
CouponStatus = Literal["applied", "removed", "unknown_code"]
QuoteStatus = Literal["ok", "empty_cart", "unknown_method", "no_shipping"]
PlaceStatus = Literal[
    "placed", "empty_cart", "invalid_email", "unknown_method", "no_shipping", "unavailable"
]
PAYMENT_NOTE = "payment: not taken by the assistant"


@dataclass(frozen=True)
class AddResult:
    """Outcome of adding a product.

    ``missing``/``unknown`` name ``size``/``color``; ``sizes``/``colors`` are the in-stock
    choices on offer; ``alternatives`` are in-stock variants near an unavailable one.
    """

    status: AddStatus
    product_id: str = ""
    product_name: str = ""
    line: CartLine | None = None
    missing: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    colors: tuple[str, ...] = ()
    alternatives: tuple[VariantOption, ...] = ()
    available: int | None = None
    cart: CartView | None = None


@dataclass(frozen=True)
class CartChange:
    """Outcome of removing a line or changing its quantity; ``matches`` when ambiguous."""

    status: ChangeStatus
    cart: CartView
    matches: tuple[CartLine, ...] = ()
    available: int | None = None


@dataclass(frozen=True)
class CouponResult:
    """Outcome of entering a coupon code; the cart shows whether it earns anything yet."""

    status: CouponStatus
    cart: CartView


@dataclass(frozen=True)
class Quote:
    """What the order would cost; ``cart.shipping_options`` lists the delivery choices."""

    status: QuoteStatus
    cart: CartView


@dataclass(frozen=True)
class PlacedOrder:
    """Outcome of placing an order; ``unavailable`` lists SKUs no longer in stock."""

    status: PlaceStatus
    order: OrderSummary | None = None
    cart: CartView | None = None
    unavailable: tuple[str, ...] = ()
    payment_note: str = PAYMENT_NOTE
