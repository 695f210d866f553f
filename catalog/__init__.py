"""The store's catalog: domain value types, the relational schema and the SQL-backed
:class:`SqlCatalog`, the importers of each store's source files."""

from __future__ import annotations

from catalog.repository import SqlCatalog

__all__ = ["SqlCatalog"]
