"""ORM tables of the commerce database (SQLAlchemy 2.x; SQLite and PostgreSQL).

Money is stored as integer cents and lists as JSON, both portable. Emails are stored
trimmed and lower-cased so the ownership check is a plain comparison.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from aisle.db import make_engine


class CommerceBase(DeclarativeBase):
    """Declarative base of the commerce tables (separate from the catalog's)."""


class CartRow(CommerceBase):
    """A conversation's cart: where it ships and the coupon entered."""

    __tablename__ = "commerce_carts"

    sender_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    country: Mapped[str] = mapped_column(String(2), default="US")
    region: Mapped[str] = mapped_column(String(64), default="*")
    coupon_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CartItemRow(CommerceBase):
    """One line of a cart: a variant (or simple product) and what it cost when added."""

    __tablename__ = "commerce_cart_items"
    __table_args__ = (Index("ix_commerce_cart_items_sender", "sender_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sender_id: Mapped[str] = mapped_column(ForeignKey("commerce_carts.sender_id"))
    sku: Mapped[str] = mapped_column(String(64))
    product_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(512))
    size: Mapped[str | None] = mapped_column(String(32), nullable=True)
    color: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    on_sale: Mapped[bool] = mapped_column(Boolean, default=False)


class CustomerRow(CommerceBase):
    """A store customer (imported sample customer). No password, birth date or phone."""

    __tablename__ = "commerce_customers"

    email: Mapped[str] = mapped_column(String(255), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(128))
    last_name: Mapped[str] = mapped_column(String(128))
    street: Mapped[str] = mapped_column(String(512), default="")
    city: Mapped[str] = mapped_column(String(128), default="")
    region: Mapped[str] = mapped_column(String(64), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    postcode: Mapped[str] = mapped_column(String(32), default="")
    source: Mapped[str] = mapped_column(String(32), default="assistant")


class OrderRow(CommerceBase):
    """A placed order. ``number`` is the order number shoppers quote (shown zero-padded)."""

    __tablename__ = "commerce_orders"
    __table_args__ = (Index("ix_commerce_orders_email", "email"),)

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: NULL once the shopper's data is erased (:mod:`commerce.erasure`), like ``sender_id``.
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    sender_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    placed_at: Mapped[datetime] = mapped_column(DateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    shipping_method: Mapped[str] = mapped_column(String(64))
    subtotal_cents: Mapped[int] = mapped_column(Integer)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    shipping_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    promotions: Mapped[list[str]] = mapped_column(JSON, default=list)
    payment: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(32), default="assistant")


class OrderItemRow(CommerceBase):
    """One line of an order."""

    __tablename__ = "commerce_order_items"
    __table_args__ = (Index("ix_commerce_order_items_order", "order_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[int] = mapped_column(ForeignKey("commerce_orders.number"))
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(512))
    size: Mapped[str | None] = mapped_column(String(32), nullable=True)
    color: Mapped[str | None] = mapped_column(String(64), nullable=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)


class ReturnRow(CommerceBase):
    """A return request the assistant recorded."""

    __tablename__ = "commerce_returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[int] = mapped_column(ForeignKey("commerce_orders.number"), unique=True)
    requested_on: Mapped[datetime] = mapped_column(DateTime)


class ContactRow(CommerceBase):
    """The email a conversation gave at checkout, kept here (not in the tracker, which holds
    only its keyed hash) until the order is placed; erased with the shopper's data."""

    __tablename__ = "commerce_contacts"

    sender_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class VerificationAttemptRow(CommerceBase):
    """One try at proving who owns an order (see :mod:`commerce.verification`).

    The email is kept only as its keyed hash; ``order_number`` is whatever number was tried,
    known or not. Rows older than the lock-out window are deleted as new ones come in.
    """

    __tablename__ = "commerce_verification_attempts"
    __table_args__ = (
        Index("ix_commerce_verification_order", "order_number", "attempted_at"),
        Index("ix_commerce_verification_email", "email_hash", "attempted_at"),
        Index("ix_commerce_verification_sender", "sender_id", "attempted_at"),
        Index("ix_commerce_verification_time", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    email_hash: Mapped[str] = mapped_column(String(128))
    sender_id: Mapped[str] = mapped_column(String(255))
    #: ``pending`` while checked, then ``verified``, ``failed`` or ``locked`` (refused unchecked).
    outcome: Mapped[str] = mapped_column(String(16))
    attempted_at: Mapped[datetime] = mapped_column(DateTime)


class CommerceImportRow(CommerceBase):
    """Fingerprint of the last sample import, so reruns with the same files change nothing."""

    __tablename__ = "commerce_import_meta"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


def commerce_engine(url: str) -> Engine:
    """An engine on ``url`` with the commerce tables created (SQLite folders made as needed)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    CommerceBase.metadata.create_all(engine)
    from commerce.erasure import allow_erased_emails  # it imports this module

    allow_erased_emails(engine)  # databases made before erasure set emails to NULL
    return engine
