"""Typed ``custom`` payloads the widget, the terminal chat and the tests read."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from catalog.domain import Product

if TYPE_CHECKING:
    from dialogue.compare import Comparison

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


def products_payload(cards: list[dict[str, Any]],
                     search: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"type": "products", "products": [cards]}``, plus ``"search"`` (see
    :func:`search_summary`) when the cards answer a search."""
    payload: dict[str, Any] = {"type": "products", "products": cards}
    if search is not None:
        payload["search"] = search
    return payload


def search_summary(constraints: dict[str, Any], query: str, results: int,
                   top_score: float | None) -> dict[str, Any]:
    """What a search asked and found, for insights: ``{"constraints", "query", "results",
    "top_score"}`` (the constraints are slot name → value, unset ones left out)."""
    return {"constraints": {k: v for k, v in constraints.items() if v is not None},
            "query": query, "results": results,
            "top_score": None if top_score is None else round(float(top_score), 4)}


def no_results_payload(search: dict[str, Any]) -> dict[str, Any]:
    """``{"type": "search", "search": ...}``: a search that found nothing (the text says so)."""
    return {"type": "search", "search": search}


def comparison_payload(comparison: Comparison) -> dict[str, Any]:
    """``{"type": "comparison", "products": [cards], "rows": [{"attribute", "values"}]}``."""
    return {
        "type": "comparison",
        "products": [product_card(p) for p in comparison.products],
        "rows": [{"attribute": row.attribute, "values": list(row.values), "differs": row.differs}
                 for row in comparison.rows],
    }
