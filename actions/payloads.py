"""Typed ``custom`` payloads the widget, the terminal chat and the tests read."""

from __future__ import annotations

from typing import Any

from knowledge.domain import Product

IMAGE_ROUTE = "/images/"


def product_card(product: Product, reason: str = "") -> dict[str, Any]:
    """One product card: ``{"id", "name", "price", "currency", "category", "colors", "sizes",
    "image", "reason"}``; ``price`` is ``None`` when the catalog has no prices."""
    return {
        "id": product.id,
        "name": product.name,
        "price": product.price,
        "currency": product.currency,
        "category": product.category,
        "colors": list(product.colors),
        "sizes": list(product.sizes),
        "image": f"{IMAGE_ROUTE}{product.image}" if product.image else None,
        "reason": reason,
    }


def products_payload(cards: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "products", "products": cards}
