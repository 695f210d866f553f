"""Erasing one shopper's personal data from the commerce tables (``insights forget``).

The conversation's cart and its remembered checkout email are deleted. Orders stay (they are
the shop's books) but lose what identifies the shopper: the email becomes ``ERASED_EMAIL``
and the conversation id is cleared, so the order can no longer be looked up by anyone.
"""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine

from commerce.schema import CartItemRow, CartRow, ContactRow, OrderRow

ERASED_EMAIL = "erased"


def erase_shopper(engine: Engine, sender_id: str) -> dict[str, int]:
    """Delete the cart and contact of ``sender_id`` and anonymise its orders; counts by kind."""
    with engine.begin() as connection:
        items = connection.execute(
            delete(CartItemRow).where(CartItemRow.sender_id == sender_id)).rowcount
        carts = connection.execute(delete(CartRow).where(CartRow.sender_id == sender_id)).rowcount
        contacts = connection.execute(
            delete(ContactRow).where(ContactRow.sender_id == sender_id)).rowcount
        orders = connection.execute(
            update(OrderRow).where(OrderRow.sender_id == sender_id)
            .values(email=ERASED_EMAIL, sender_id=None)).rowcount
    return {"cart lines": items, "carts": carts, "checkout emails": contacts,
            "orders anonymised": orders}
