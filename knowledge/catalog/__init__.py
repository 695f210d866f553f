"""The relational catalog: ORM tables and the SQL-backed :class:`CatalogReader`."""

from __future__ import annotations

from knowledge.catalog.repository import SqlCatalog

__all__ = ["SqlCatalog"]
