"""Texts and typed payloads for carts, quotes and orders (shared by the commerce actions).

Money goes into payloads as numbers with two decimals plus a ``currency`` field; texts use
:func:`commerce.money.format_money`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from commerce.money import format_money
from commerce.orders import OrderSummary
from commerce.pricing import CartLine, CartView
from dialogue.payloads import (
    AppliedPromotion,
    CartItem,
    CartPayload,
    OrderItem,
    OrderPayload,
    QuotePayload,
    ReturnDetail,
    ShippingOption,
    given,
)

PAYMENT_TEXT = (
    "I can't take payment in this chat and I never ask for card details: the order is "
    "recorded as pending, and payment would be completed on Luma's secure checkout page "
    "before anything ships."
)


def amount(value: Decimal | None) -> float | None:
    """A two-decimal number for a payload (``None`` stays ``None``)."""
    return None if value is None else round(float(value), 2)


def variant_label(size: str | None, color: str | None) -> str:
    """``" (M, Black)"``, ``" (Black)"`` or ``""``."""
    parts = [p for p in (size, color) if p]
    return f" ({', '.join(parts)})" if parts else ""


def line_text(line: CartLine, currency: str = "USD") -> str:
    return (f"{line.quantity} × {line.name}{variant_label(line.size, line.color)} — "
            f"{format_money(line.line_total, currency)}")


def _cart_fields(cart: CartView) -> dict[str, Any]:
    """The fields a cart and a quote share, as payload parts."""
    return dict(
        items=[CartItem(sku=line.sku, product_id=line.product_id, name=line.name,
                        size=line.size, color=line.color, quantity=line.quantity,
                        unit_price=amount(line.unit_price), line_total=amount(line.line_total))
               for line in cart.lines],
        subtotal=amount(cart.subtotal),
        shipping=amount(cart.shipping),
        discount=amount(cart.discount),
        total=amount(cart.total),
        promotions=[AppliedPromotion(name=p.name, amount=amount(p.amount),
                                     free_shipping=p.free_shipping) for p in cart.promotions],
        currency=cart.currency,
    )


def cart_payload(cart: CartView) -> dict[str, Any]:
    """``{"type": "cart", "items", "subtotal", "shipping", "discount", "total", "promotions",
    "currency"}``; ``shipping`` is ``None`` when the chosen method does not ship there
    (:class:`CartPayload`)."""
    return CartPayload(**_cart_fields(cart)).to_payload()


def quote_payload(cart: CartView) -> dict[str, Any]:
    """The cart payload typed ``quote``, with the delivery choices and the payment note
    (:class:`QuotePayload`)."""
    return QuotePayload(
        **_cart_fields(cart),
        shipping_method=cart.shipping_method,
        shipping_options=[ShippingOption(method=o.method, label=o.label, days=o.days,
                                         price=amount(o.price))
                          for o in cart.shipping_options],
        payment="not taken by the assistant",
    ).to_payload()


def cart_text(cart: CartView) -> str:
    """The cart as lines, promotions and totals (one per line)."""
    if cart.is_empty:
        return "Your cart is empty."
    money = lambda value: format_money(value, cart.currency)  # noqa: E731
    rows = [f"Your cart ({cart.item_count} item{'s' if cart.item_count != 1 else ''}):"]
    rows += [f"{i}. {line_text(line, cart.currency)}" for i, line in enumerate(cart.lines, 1)]
    rows.append(f"Subtotal: {money(cart.subtotal)}")
    rows += [f"Promotion: {p.name} (−{money(p.amount)})" if p.amount else f"Promotion: {p.name}"
             for p in cart.promotions]
    shipping = "not available to this address" if cart.shipping is None else (
        "free" if cart.shipping == 0 else money(cart.shipping))
    rows.append(f"Shipping ({cart.shipping_method}): {shipping}")
    rows.append(f"Total: {money(cart.total)}")
    return "\n".join(rows)


def carted_ids(cart: CartView) -> list[str]:
    """Product ids in the cart, in line order, once each (the recommender reads them)."""
    return list(dict.fromkeys(line.product_id for line in cart.lines))


def order_model(order: OrderSummary, returned: ReturnDetail | None = None) -> OrderPayload:
    """A verified owner's order, with the outcome of a return request when there was one."""
    return OrderPayload(
        number=order.number,
        status=order.status,
        placed_at=order.placed_at.isoformat(),
        shipped_at=order.shipped_at.isoformat() if order.shipped_at else None,
        items=[OrderItem(sku=line.sku, name=line.name, size=line.size, color=line.color,
                         quantity=line.quantity, unit_price=amount(line.unit_price))
               for line in order.lines],
        subtotal=amount(order.subtotal),
        discount=amount(order.discount),
        shipping=amount(order.shipping),
        total=amount(order.total),
        currency=order.currency,
        payment=order.payment,
        **given(return_=returned),
    )


def order_payload(order: OrderSummary) -> dict[str, Any]:
    """``{"type": "order", "number", "status", "placed_at", "items", "subtotal", "discount",
    "shipping", "total", "currency", "payment"}`` — only ever for a verified owner
    (:class:`OrderPayload`)."""
    return order_model(order).to_payload()


def order_lines_text(order: OrderSummary) -> str:
    return "; ".join(
        f"{line.quantity} × {line.name}{variant_label(line.size, line.color)}"
        for line in order.lines
    )
