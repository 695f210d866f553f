"""Importers turning a store's source files into catalog value types, and the loader."""
