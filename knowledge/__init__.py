"""Catalog, knowledge store (Chroma) and grounded answers."""
