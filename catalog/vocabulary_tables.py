"""A store's :class:`~catalog.vocabulary.CatalogVocabulary`, stored in the catalog database.

Written once per import (side tables beside the catalog's, like :mod:`catalog.search_index`),
so a process start reads the distinct values — product types and category segments with their
product counts, colours, sizes, materials, brands and name words — instead of every product.
Which product names hold a set of words is answered by a postings table (name lemma → product
number), counted in SQL.

Tables: ``vocabulary_values`` (store, kind, value, count, first: the catalog position of the
first product that has it, so ties keep catalog order as the in-memory build does),
``vocabulary_name_terms`` (store, term, product) and ``vocabulary_meta`` (store, the catalog
fingerprint it was built from and :data:`VOCABULARY_VERSION`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select, text
from sqlalchemy.engine import Connection, Engine

from catalog.domain import Product
from catalog.vocabulary import VALUE_KINDS, VocabularyValues, product_values

metadata = MetaData()

vocabulary_values = Table(
    "vocabulary_values", metadata,
    Column("store", String(32), primary_key=True),
    Column("kind", String(16), primary_key=True),  # VALUE_KINDS, or "name" for name lemmas
    Column("value", String, primary_key=True),
    Column("count", Integer, nullable=False),
    Column("first", Integer, nullable=False),
)
vocabulary_name_terms = Table(
    "vocabulary_name_terms", metadata,
    Column("store", String(32), primary_key=True),
    Column("term", String, primary_key=True),
    Column("product", Integer, primary_key=True),  # the product's number in catalog order
)
vocabulary_meta = Table(
    "vocabulary_meta", metadata,
    Column("store", String(32), primary_key=True),
    Column("fingerprint", String(96), nullable=False),  # the catalog's, "@" the version
)
#: Bumped when what the tables hold changes; a vocabulary of another version is rebuilt.
VOCABULARY_VERSION = 1
_BATCH = 2000
_NAME = "name"


def stored_fingerprint(connection: Connection, store: str) -> str | None:
    """The catalog fingerprint the store's vocabulary was built from (``None``: none, or one
    of another :data:`VOCABULARY_VERSION`)."""
    if not connection.dialect.has_table(connection, "vocabulary_meta"):
        return None
    stored = connection.execute(select(vocabulary_meta.c.fingerprint)
                                .where(vocabulary_meta.c.store == store)).scalar()
    fingerprint, _, version = (stored or "").rpartition("@")
    return fingerprint if stored and version == str(VOCABULARY_VERSION) else None


def write_vocabulary(connection: Connection, store: str, products: Iterable[Product],
                     fingerprint: str) -> None:
    """Replace the store's vocabulary with that of ``products`` (in catalog order), inside
    the caller's transaction. Memory grows with the distinct values, not with the products."""
    metadata.create_all(connection)
    for table in (vocabulary_name_terms, vocabulary_values, vocabulary_meta):
        connection.execute(delete(table).where(table.c.store == store))
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in (*VALUE_KINDS, _NAME)}
    first: dict[tuple[str, str], int] = {}
    postings: list[dict[str, Any]] = []
    for number, product in enumerate(products):
        found, name_terms = product_values(product)
        found[_NAME] = Counter(set(name_terms))
        for kind, added in found.items():
            counts[kind].update(added)
            for value in added:
                first.setdefault((kind, value), number)
        postings.extend({"store": store, "term": term, "product": number}
                        for term in sorted(set(name_terms)))
        if len(postings) >= _BATCH:
            connection.execute(insert(vocabulary_name_terms), postings)
            postings.clear()
    if postings:
        connection.execute(insert(vocabulary_name_terms), postings)
    rows = [{"store": store, "kind": kind, "value": value, "count": n,
             "first": first[(kind, value)]}
            for kind, values in counts.items() for value, n in values.items()]
    for start in range(0, len(rows), _BATCH):
        connection.execute(insert(vocabulary_values), rows[start:start + _BATCH])
    connection.execute(insert(vocabulary_meta).values(
        store=store, fingerprint=f"{fingerprint}@{VOCABULARY_VERSION}"))


def read_values(connection: Connection, store: str) -> VocabularyValues:
    """The store's stored values but for its name words (:class:`SqlNameIndex` reads those)."""
    by_kind: dict[str, dict[str, int]] = {kind: {} for kind in VALUE_KINDS}
    rows = connection.execute(
        select(vocabulary_values.c.kind, vocabulary_values.c.value, vocabulary_values.c.count)
        .where(vocabulary_values.c.store == store, vocabulary_values.c.kind != _NAME)
        .order_by(vocabulary_values.c.kind, vocabulary_values.c.first,
                  vocabulary_values.c.value))
    for kind, value, count in rows:
        by_kind[kind][value] = count
    return VocabularyValues(by_kind["type"], by_kind["category"],
                            *(frozenset(by_kind[k]) for k in VALUE_KINDS[2:]))


class SqlNameIndex:
    """The :class:`~catalog.vocabulary.NameIndex` of one store's stored vocabulary.

    Args:
        engine: the catalog database holding the vocabulary tables.
        store: the store whose product names are asked about.
    """

    def __init__(self, engine: Engine, store: str) -> None:
        self.engine = engine
        self.store = store

    def words(self) -> list[str]:
        """Every lemma of the store's product names, each once."""
        with self.engine.connect() as connection:
            return list(connection.execute(
                select(vocabulary_values.c.value).where(
                    vocabulary_values.c.store == self.store, vocabulary_values.c.kind == _NAME)
            ).scalars())

    def count_holding(self, words: frozenset[str]) -> int:
        """How many of the store's product names hold every one of ``words``."""
        wanted = sorted(words)
        params: dict[str, Any] = {"store": self.store, "n": len(wanted)}
        names = [f"w{i}" for i in range(len(wanted))]
        params.update(zip(names, wanted, strict=True))
        # (term, product) is the key, so a product holding them all has one row per word
        statement = text(
            "SELECT count(*) FROM (SELECT product FROM vocabulary_name_terms "
            f"WHERE store = :store AND term IN ({', '.join(':' + n for n in names)}) "
            "GROUP BY product HAVING count(*) = :n) AS holding")
        with self.engine.connect() as connection:
            return int(connection.execute(statement, params).scalar() or 0)
