"""Carts persisted per conversation (Rasa sender id) in the commerce database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from commerce.money import from_cents, to_cents
from commerce.pricing import CartLine
from commerce.schema import CartItemRow, CartRow
from commerce.shipping import WILDCARD, Destination


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _line(row: CartItemRow) -> CartLine:
    return CartLine(
        sku=row.sku,
        product_id=row.product_id,
        name=row.name,
        size=row.size,
        color=row.color,
        quantity=row.quantity,
        unit_price=from_cents(row.unit_price_cents),
        categories=tuple(row.categories or ()),
        on_sale=row.on_sale,
    )


class CartStore:
    """Cart lines, destination and coupon of each conversation.

    Args:
        engine: An engine on a database with the commerce tables (see ``commerce_engine``).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def lines(self, sender_id: str, session: Session | None = None) -> list[CartLine]:
        """The cart's lines in the order they were added (empty for an unknown sender)."""
        stmt = select(CartItemRow).where(CartItemRow.sender_id == sender_id).order_by(CartItemRow.id)
        if session is not None:
            return [_line(r) for r in session.scalars(stmt)]
        with Session(self.engine) as own:
            return [_line(r) for r in own.scalars(stmt)]

    def header(self, sender_id: str) -> tuple[Destination, str | None]:
        """Where the cart ships to and the coupon entered (defaults: US, any region, none)."""
        with Session(self.engine) as session:
            cart = session.get(CartRow, sender_id)
            if cart is None:
                return Destination(), None
            return Destination(cart.country, cart.region or WILDCARD), cart.coupon_code

    def add(self, sender_id: str, line: CartLine) -> CartLine:
        """Add ``line``; the same SKU already in the cart gets its quantity increased."""
        with Session(self.engine) as session, session.begin():
            self._cart(session, sender_id)
            row = session.scalars(
                select(CartItemRow).where(
                    CartItemRow.sender_id == sender_id, CartItemRow.sku == line.sku
                )
            ).first()
            if row is None:
                row = CartItemRow(
                    sender_id=sender_id,
                    sku=line.sku,
                    product_id=line.product_id,
                    name=line.name,
                    size=line.size,
                    color=line.color,
                    quantity=0,
                    unit_price_cents=to_cents(line.unit_price),
                    categories=list(line.categories),
                    on_sale=line.on_sale,
                )
                session.add(row)
            row.quantity += line.quantity
            session.flush()
            return _line(row)

    def set_quantity(self, sender_id: str, sku: str, quantity: int) -> bool:
        """Set a line's quantity (0 removes it); ``False`` when the SKU is not in the cart."""
        with Session(self.engine) as session, session.begin():
            row = session.scalars(
                select(CartItemRow).where(CartItemRow.sender_id == sender_id, CartItemRow.sku == sku)
            ).first()
            if row is None:
                return False
            if quantity <= 0:
                session.delete(row)
            else:
                row.quantity = quantity
            self._cart(session, sender_id)
            return True

    def set_coupon(self, sender_id: str, code: str | None) -> None:
        """Remember (or with ``None`` forget) the coupon code entered for this cart."""
        with Session(self.engine) as session, session.begin():
            self._cart(session, sender_id).coupon_code = code

    def set_destination(self, sender_id: str, destination: Destination) -> None:
        """Remember where this cart ships to (prices shipping by region)."""
        with Session(self.engine) as session, session.begin():
            cart = self._cart(session, sender_id)
            cart.country, cart.region = destination.country.upper(), destination.region

    @staticmethod
    def clear(session: Session, sender_id: str) -> None:
        """Empty the cart inside the caller's transaction (order placement)."""
        session.execute(delete(CartItemRow).where(CartItemRow.sender_id == sender_id))
        cart = session.get(CartRow, sender_id)
        if cart is not None:
            cart.coupon_code = None
            cart.updated_at = _now()

    @staticmethod
    def _cart(session: Session, sender_id: str) -> CartRow:
        cart = session.get(CartRow, sender_id)
        if cart is None:
            cart = CartRow(sender_id=sender_id, country="US", region=WILDCARD)
            session.add(cart)
        cart.updated_at = _now()
        return cart
