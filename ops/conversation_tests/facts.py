"""What the assertions are checked against: the catalog database and the shop database.

Cards, citations, carts and orders are checked against these rows, never against the text of
the reply that is being tested.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.domain import CatalogReader, Product
from commerce.schema import CartItemRow, OrderRow, ReturnRow, commerce_engine


def squeeze(text: str) -> str:
    """Whitespace collapsed, so a quote matches across the source's line breaks."""
    return " ".join(text.split())


@dataclass
class CatalogFacts:
    """The store's catalog, read from its database (products cached once read)."""

    catalog: CatalogReader
    _products: dict[str, Product | None] = field(default_factory=dict)

    def product(self, product_id: str) -> Product | None:
        if product_id not in self._products:
            self._products[product_id] = self.catalog.product(product_id)
        return self._products[product_id]

    @cached_property
    def ids_by_name(self) -> dict[str, str]:
        """Lower-cased product name → id (the first product of that name)."""
        names: dict[str, str] = {}
        for product in self.catalog.products():
            names.setdefault(product.name.lower(), product.id)
        return names

    def resolve(self, name_or_id: str) -> str | None:
        """The product id a script names by name or id; ``None`` when the catalog has neither."""
        if self.product(name_or_id) is not None:
            return name_or_id
        return self.ids_by_name.get(name_or_id.strip().lower())

    def product_texts(self, product_id: str) -> dict[str, list[str]]:
        """Every text a citation of ``product_id`` may quote, by citation source."""
        product = self.product(product_id)
        if product is None:
            return {}
        reviews = self.catalog.reviews(product_id)
        return {
            "description": [squeeze(product.description), squeeze(product.name)],
            "attribute": [squeeze(line) for line in product.attribute_lines()],
            "review": [squeeze(f"{r.title} {r.text}") for r in reviews],
        }

    @cached_property
    def policy_texts(self) -> list[str]:
        return [squeeze(f"{s.page_title} {s.heading} {s.text}")
                for s in self.catalog.policy_sections()]


@dataclass
class ShopFacts:
    """The shop database (carts, orders, returns) the action server writes."""

    engine: Engine

    @classmethod
    def at(cls, url: str) -> ShopFacts:
        return cls(commerce_engine(url))

    def cart_lines(self, sender: str) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(CartItemRow)
                                      .where(CartItemRow.sender_id == sender)) or 0)

    def orders_placed(self, sender: str) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(OrderRow)
                                      .where(OrderRow.sender_id == sender)) or 0)

    def order_status(self, number: str) -> str | None:
        with Session(self.engine) as session:
            return session.scalar(select(OrderRow.status).where(OrderRow.number == int(number)))

    def return_recorded(self, number: str) -> bool:
        with Session(self.engine) as session:
            return session.scalar(select(ReturnRow.id)
                                  .where(ReturnRow.order_number == int(number))) is not None

    def close(self) -> None:
        self.engine.dispose()
