"""Test doubles shared by the test suites."""

from __future__ import annotations

from collections.abc import Iterable

from catalog.domain import PolicySection, Product, ProductLink, Review


class InMemoryCatalog:
    """A :class:`catalog.domain.CatalogReader` over products held in memory."""

    def __init__(self, products: Iterable[Product], reviews: Iterable[Review] = (),
                 policies: Iterable[PolicySection] = ()) -> None:
        self._products = list(products)
        self._reviews = list(reviews)
        self._policies = list(policies)

    def products(self) -> list[Product]:
        return list(self._products)

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self._products if p.id == product_id), None)

    def reviews(self, product_id: str | None = None) -> list[Review]:
        return [r for r in self._reviews if product_id in (None, r.product_id)]

    def policy_sections(self) -> list[PolicySection]:
        return list(self._policies)

    def links(self, product_id: str) -> list[ProductLink]:
        return []
