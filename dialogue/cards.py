"""Typed ``custom`` payloads the widget, the terminal chat and the tests read.

Each builder constructs the payload's model (``dialogue.payloads``) and sends its
``to_payload()`` dict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from catalog.domain import Product
from dialogue.payloads import (
    AnswerPayload,
    Citation,
    ComparisonPayload,
    ComparisonRow,
    ProductCard,
    ProductsPayload,
    SearchConstraints,
    SearchPayload,
    SearchSummary,
    given,
)
from knowledge.answers import Answer
from knowledge.answers import Citation as Quote

if TYPE_CHECKING:
    from dialogue.compare import Comparison

IMAGE_ROUTE = "/images/"


def card_model(product: Product, reason: str = "") -> ProductCard:
    """One product as a card; ``price`` is ``None`` when the catalog has no prices."""
    return ProductCard(
        id=product.id,
        name=product.name,
        price=product.price,
        currency=product.currency,
        category=product.category,
        colors=list(product.colors),
        sizes=list(product.sizes),
        image=f"{IMAGE_ROUTE}{product.image}" if product.image else None,
        reason=reason,
    )


def product_card(product: Product, reason: str = "") -> dict[str, Any]:
    """One product card: ``{"id", "name", "price", "currency", "category", "colors", "sizes",
    "image", "reason"}`` (:class:`ProductCard`)."""
    return card_model(product, reason).to_payload()


def products_payload(cards: Sequence[Mapping[str, Any] | ProductCard],
                     search: SearchSummary | None = None) -> dict[str, Any]:
    """``{"type": "products", "products": [cards]}``, plus ``"search"`` (see
    :func:`search_summary`) when the cards answer a search (:class:`ProductsPayload`)."""
    return ProductsPayload(products=[ProductCard.model_validate(card) for card in cards],
                           **given(search=search)).to_payload()


def search_summary(constraints: Mapping[str, Any], query: str, results: int,
                   top_score: float | None) -> SearchSummary:
    """What a search asked and found, for insights (the constraints are slot name → value,
    unset ones left out; ``top_score`` to 4 decimals)."""
    return SearchSummary(
        constraints=SearchConstraints(**given(**constraints)),
        query=query, results=results,
        top_score=None if top_score is None else round(float(top_score), 4))


def no_results_payload(search: SearchSummary) -> dict[str, Any]:
    """``{"type": "search", "search": ...}``: a search that found nothing (the text says so)."""
    return SearchPayload(search=search).to_payload()


def citation(quote: Quote) -> Citation:
    """A knowledge citation as the payload's :class:`Citation`."""
    return Citation(source=quote.source, product_id=quote.product_id, title=quote.title,
                    quote=quote.quote)


def citation_payload(quote: Quote) -> dict[str, Any]:
    """``{"source", "product_id", "title", "quote"}`` (the agent console's snippets too)."""
    return citation(quote).to_payload()


def answer_payload(answer: Answer, product_id: str | None = None) -> dict[str, Any]:
    """``{"type": "answer", "text", "grounded", "citations"}``, plus ``"product_id"`` for a
    question about one product (:class:`AnswerPayload`)."""
    return AnswerPayload(text=answer.text, grounded=answer.grounded,
                         citations=[citation(c) for c in answer.citations],
                         **given(product_id=product_id)).to_payload()


def comparison_payload(comparison: Comparison) -> dict[str, Any]:
    """``{"type": "comparison", "products": [cards], "rows": [{"attribute", "values",
    "differs"}]}`` (:class:`ComparisonPayload`)."""
    return ComparisonPayload(
        products=[card_model(p) for p in comparison.products],
        rows=[ComparisonRow(attribute=row.attribute, values=list(row.values),
                            differs=row.differs) for row in comparison.rows],
    ).to_payload()
