"""ORM tables of the relational catalog (SQLAlchemy 2.x; SQLite and PostgreSQL).

Every table carries a ``store`` column so one database can hold both catalogs; lists
(colours, sizes, categories, materials...) are JSON columns, which both back ends support.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    """Declarative base of the catalog tables."""


class ProductRow(Base):
    """A parent product (a Magento configurable or simple product, or an Amazon item)."""

    __tablename__ = "products"

    store: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(512))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(512), default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_type: Mapped[str] = mapped_column(String(255), default="")
    gender: Mapped[str | None] = mapped_column(String(16), nullable=True)
    price: Mapped[float | None] = mapped_column(Float, nullable=True)
    regular_price: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str] = mapped_column(String(8), default="USD")
    colors: Mapped[list[str]] = mapped_column(JSON, default=list)
    sizes: Mapped[list[str]] = mapped_column(JSON, default=list)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    climates: Mapped[list[str]] = mapped_column(JSON, default=list)
    activities: Mapped[list[str]] = mapped_column(JSON, default=list)
    patterns: Mapped[list[str]] = mapped_column(JSON, default=list)
    eco_friendly: Mapped[bool] = mapped_column(Boolean, default=False)
    performance_fabric: Mapped[bool] = mapped_column(Boolean, default=False)
    in_stock: Mapped[bool] = mapped_column(Boolean, default=True)
    image: Mapped[str | None] = mapped_column(String(255), nullable=True)
    brand: Mapped[str | None] = mapped_column(String(255), nullable=True)


class VariantRow(Base):
    """One purchasable size x colour of a parent product."""

    __tablename__ = "variants"
    __table_args__ = (Index("ix_variants_product", "store", "product_id"),)

    store: Mapped[str] = mapped_column(String(32), primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    size: Mapped[str | None] = mapped_column(String(32), nullable=True)
    color: Mapped[str | None] = mapped_column(String(64), nullable=True)
    qty: Mapped[float] = mapped_column(Float, default=0.0)
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False)
    price: Mapped[float | None] = mapped_column(Float, nullable=True)


class ProductAttributeRow(Base):
    """An attribute of a product with no column of its own (one row per value, as text).

    Written by the importer of the documented record (docs/catalog-schema.md); a table of
    its own so databases made before it still open (``create_all`` adds missing tables).
    """

    __tablename__ = "product_attributes"
    __table_args__ = (Index("ix_product_attributes_value", "store", "name", "value"),)

    store: Mapped[str] = mapped_column(String(32), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)


class ReviewRow(Base):
    """A shopper review (no e-mail address is ever stored)."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_product", "store", "product_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(512), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(128), default="")


class ProductLinkRow(Base):
    """A merchandiser link: ``related``, ``upsell`` or ``crosssell``."""

    __tablename__ = "product_links"
    __table_args__ = (Index("ix_links_product", "store", "product_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[str] = mapped_column(String(64))
    linked_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))


class PolicySectionRow(Base):
    """One headed section of a store page."""

    __tablename__ = "policy_sections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store: Mapped[str] = mapped_column(String(32), index=True)
    page_id: Mapped[str] = mapped_column(String(128))
    page_title: Mapped[str] = mapped_column(String(255))
    heading: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)


class ImportMetaRow(Base):
    """What was last imported per store: the content fingerprint and row counts."""

    __tablename__ = "import_meta"

    store: Mapped[str] = mapped_column(String(32), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    imported_at: Mapped[datetime] = mapped_column(DateTime)


TABLES = (ProductRow, VariantRow, ReviewRow, ProductLinkRow, PolicySectionRow)
