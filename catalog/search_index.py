"""Indexed product filters and full-text keyword ranking, inside the catalog database.

Search must not scan the catalog in Python, so what a shopper can filter on is kept in small
indexed side tables, next to the catalog rows and written by the same load step:

* ``search_products``: one row per product (price, lower-cased gender, product type, stock,
  eco-friendliness, whether it has variants, catalog position);
* ``search_variants``: one row per variant (lower-cased colour and size, stock), so colour,
  size and stock are checked together on one variant, as a shopper means them;
* ``search_facets``: (facet, value) pairs per product: category path keys, material keys, and
  the product-level colours and sizes used when a product has no variants;
* ``search_text``: the product's keyword document as the shop's normalised terms
  (:func:`catalog.text.terms`, so "hoodies" finds "hoodie"), in an FTS5 table ranked with
  ``bm25()`` on SQLite, or a ``tsvector`` column under a GIN index ranked with ``ts_rank_cd``
  on PostgreSQL;
* ``search_index_meta``: per store, the catalog fingerprint the index was built from, the
  product types and which filters the catalog has data for.

:class:`Criteria` is a resolved filter (gender families and type-or-category already decided by
``knowledge.search.FilterCheck``); :class:`ProductIndex` answers it with ``EXISTS``/``COUNT``
queries, and ranks keyword hits among the products it allows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from copy import copy
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine

from catalog import text as text_normaliser
from catalog.domain import Product

metadata = MetaData()

search_products = Table(
    "search_products", metadata,
    Column("store", String(32), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("price", Float, nullable=True),
    Column("gender", String(16), nullable=True),
    Column("product_type", String(255), nullable=False, default=""),
    Column("in_stock", Boolean, nullable=False),
    Column("eco_friendly", Boolean, nullable=False),
    Column("has_variants", Boolean, nullable=False),
    Column("doc", Integer, nullable=False),  # the keyword row's id (FTS5 rowid)
    Index("ix_search_products_price", "store", "price"),
    Index("ix_search_products_gender", "store", "gender"),
    Index("ix_search_products_type", "store", "product_type"),
    Index("ix_search_products_position", "store", "position"),
    Index("ix_search_products_doc", "doc", unique=True),
)
search_variants = Table(
    "search_variants", metadata,
    Column("store", String(32), nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("color", String(64), nullable=False),
    Column("size", String(32), nullable=False),
    Column("in_stock", Boolean, nullable=False),
    Index("ix_search_variants_color", "store", "color", "size", "in_stock", "product_id"),
    Index("ix_search_variants_size", "store", "size", "in_stock", "product_id"),
    Index("ix_search_variants_product", "store", "product_id"),
)
search_facets = Table(
    "search_facets", metadata,
    Column("store", String(32), primary_key=True),
    Column("facet", String(16), primary_key=True),
    Column("value", String(512), primary_key=True),
    Column("product_id", String(64), primary_key=True),
)
search_index_meta = Table(
    "search_index_meta", metadata,
    Column("store", String(32), primary_key=True),
    Column("fingerprint", String(96), nullable=False),  # the catalog's, "@" the version
    Column("types", JSON, nullable=False),
    Column("capable", JSON, nullable=False),
)
#: The keyword table, created by hand because its shape depends on the database: on SQLite an
#: FTS5 table whose rowid is the product's ``doc``, on PostgreSQL a table keyed by ``doc``.
_fts_rows = Table("search_text", MetaData(), Column("rowid", Integer),
                  Column("store", String(32)), Column("product_id", String(64)),
                  Column("terms", String))
_pg_rows = Table("search_text", MetaData(), Column("doc", Integer),
                 Column("store", String(32)), Column("product_id", String(64)),
                 Column("terms", String))
#: Bumped when the index tables change shape; an index of another version is rebuilt.
#: 3: terms keep their inner "." and "'" in FTS5 (:data:`FTS5_TOKENIZER`).
INDEX_VERSION = 3
#: FTS5 reads the stored terms (the normaliser's, space-separated) with the point and the
#: apostrophe as word characters, so a term kept whole ("3.5", "o'neill") stays one token: split
#: in two it matched "3 5" as a phrase and lengthened its document, which moved bm25() away
#: from the BM25 it replaced (same top 10 on 103 of the 203 Scientific leaf queries of
#: tests/relevance/scientific.json before, 189 after).
FTS5_TOKENIZER = "\"unicode61 tokenchars '.'''\""

_BATCH = 500
_TAG = re.compile(r"<[^>]+>")
#: Filters whose data a catalog may lack (then they are reported unsupported, not applied).
CAPABILITIES = ("price_min", "price_max", "color", "size", "gender", "material", "eco_friendly")


def keyword_document(product: Product) -> str:
    """The text keyword search matches: the name (twice, so names weigh more), the category
    path, brand, description without HTML, and the attribute lines."""
    description = html.unescape(_TAG.sub(" ", product.description))
    parts = [product.name, product.name, product.category.replace("/", " > "),
             f"Brand: {product.brand}." if product.brand else "", description,
             *product.attribute_lines()]
    return "\n".join(p for p in parts if p)


def keyword_terms(text_: str) -> list[str]:
    """The shop's normalised terms of ``text_``: lemmas, stop words dropped, hyphenated words
    also joined (``gore-tex`` -> ``gore``, ``tex``, ``goretex``)."""
    return text_normaliser.terms(text_, keep_stopwords=False, join_hyphenated=True)


def category_keys(paths: Sequence[str]) -> list[str]:
    """Lower-cased prefixes and segments of category paths ("men/tops", "tops")."""
    keys: dict[str, None] = {}
    for path in paths:
        segments = [s.strip().lower() for s in path.split("/") if s.strip()]
        for i, segment in enumerate(segments):
            keys["/".join(segments[: i + 1])] = None
            keys[segment] = None
    return list(keys)


def material_keys(materials: Sequence[str]) -> list[str]:
    """Lower-cased materials and their single words (``Organic Cotton`` -> also ``cotton``)."""
    keys: dict[str, None] = {}
    for material in materials:
        keys[material.lower()] = None
        keys.update((w, None) for w in material.lower().replace("-", " ").split())
    return list(keys)


@dataclass(frozen=True)
class Criteria:
    """Exact constraints, resolved: every set field must hold."""

    in_stock_only: bool = False
    price_min: float | None = None
    price_max: float | None = None
    genders: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    category: str | None = None
    material: str | None = None
    eco_friendly: bool = False
    color: str | None = None
    size: str | None = None


@dataclass(frozen=True)
class IndexFacts:
    """What the index knows of the whole store: its product types and filterable data."""

    types: tuple[str, ...]
    capable: dict[str, bool]


def _is_sqlite(bind: Connection | Engine) -> bool:
    return bind.dialect.name == "sqlite"


def create_tables(connection: Connection) -> None:
    """Create the index tables that are missing (the keyword table per database kind)."""
    metadata.create_all(connection)
    if _is_sqlite(connection):
        connection.execute(text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_text USING fts5("
            f"terms, store UNINDEXED, product_id UNINDEXED, tokenize={FTS5_TOKENIZER})"))
    else:
        connection.execute(text(
            "CREATE TABLE IF NOT EXISTS search_text (doc integer PRIMARY KEY, "
            "store varchar(32) NOT NULL, product_id varchar(64) NOT NULL, terms text NOT NULL, "
            "document tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED)"))
        connection.execute(text(
            "CREATE INDEX IF NOT EXISTS ix_search_text_document "
            "ON search_text USING GIN (document)"))


def indexed_fingerprint(connection: Connection, store: str) -> str | None:
    """The catalog fingerprint the store's index was built from (``None``: no index, or one
    of another :data:`INDEX_VERSION`)."""
    if not connection.dialect.has_table(connection, "search_index_meta"):
        return None
    stored = connection.execute(select(search_index_meta.c.fingerprint)
                                .where(search_index_meta.c.store == store)).scalar()
    fingerprint, _, version = (stored or "").rpartition("@")
    return fingerprint if stored and version == str(INDEX_VERSION) else None


def _drop_outdated(connection: Connection) -> None:
    """Drop index tables of another version (derived data: each store's index is rebuilt
    on its next import or open)."""
    if not connection.dialect.has_table(connection, "search_index_meta"):
        return
    versions = {f.rpartition("@")[2] for f in connection.execute(
        select(search_index_meta.c.fingerprint)).scalars()}
    if versions <= {str(INDEX_VERSION)}:
        return
    for table in ("search_text", "search_facets", "search_variants", "search_products",
                  "search_index_meta"):
        connection.execute(text(f"DROP TABLE IF EXISTS {table}"))


def _product_rows(store: str, position: int, doc: int, p: Product,
                  document: Callable[[Product], str]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {
        "products": [{"store": store, "product_id": p.id, "position": position, "price": p.price,
                      "gender": p.gender.lower() if p.gender else None,
                      "product_type": p.product_type or "", "in_stock": bool(p.in_stock),
                      "eco_friendly": bool(p.eco_friendly), "has_variants": bool(p.variants),
                      "doc": doc}],
        "variants": [{"store": store, "product_id": p.id, "color": (v.color or "").lower(),
                      "size": (v.size or "").lower(), "in_stock": bool(v.in_stock)}
                     for v in p.variants],
        "text": [{"doc": doc, "store": store, "product_id": p.id,
                  "terms": " ".join(keyword_terms(document(p)))}],
    }
    facets = {("category", k) for k in category_keys([p.category, *p.categories])}
    facets |= {("material", k) for k in material_keys(p.materials)}
    facets |= {("color", c.lower()) for c in p.colors}
    facets |= {("size", s.lower()) for s in p.sizes}
    rows["facets"] = [{"store": store, "facet": f, "value": v, "product_id": p.id}
                      for f, v in sorted(facets)]
    return rows


_TABLES = {"products": search_products, "variants": search_variants, "facets": search_facets}


def write_index(connection: Connection, store: str, products: Iterable[Product],
                fingerprint: str, document: Callable[[Product], str] = keyword_document) -> None:
    """Replace the store's index with one over ``products`` (in catalog order), in batches,
    inside the caller's transaction."""
    _drop_outdated(connection)
    create_tables(connection)
    key = "rowid" if _is_sqlite(connection) else "doc"
    connection.execute(text("DELETE FROM search_text WHERE store = :store"), {"store": store})
    for table in (*_TABLES.values(), search_index_meta):
        connection.execute(delete(table).where(table.c.store == store))
    first_doc = 1 + max(  # keyword rows' ids are unique across the stores of one database
        connection.execute(select(func.max(search_products.c.doc))).scalar() or 0,
        connection.execute(text(f"SELECT max({key}) FROM search_text")).scalar() or 0)
    types: set[str] = set()
    capable = dict.fromkeys(CAPABILITIES, False)
    pending: dict[str, list[dict[str, Any]]] = {name: [] for name in (*_TABLES, "text")}
    for position, p in enumerate(products):
        types.update([p.product_type] if p.product_type else [])
        capable["price_min"] = capable["price_max"] = capable["price_min"] or p.price is not None
        capable["color"] |= bool(p.colors) or any(v.color for v in p.variants)
        capable["size"] |= bool(p.sizes) or any(v.size for v in p.variants)
        capable["gender"] |= bool(p.gender)
        capable["material"] |= bool(p.materials)
        capable["eco_friendly"] |= bool(p.eco_friendly)
        for name, rows in _product_rows(store, position, first_doc + position, p,
                                        document).items():
            pending[name].extend(rows)
        if len(pending["products"]) >= _BATCH:
            _flush(connection, pending)
    _flush(connection, pending)
    connection.execute(insert(search_index_meta).values(
        store=store, fingerprint=f"{fingerprint}@{INDEX_VERSION}", types=sorted(types),
        capable=capable))


def _flush(connection: Connection, pending: dict[str, list[dict[str, Any]]]) -> None:
    sqlite = _is_sqlite(connection)
    for name, rows in pending.items():
        if rows and name == "text":
            table = _fts_rows if sqlite else _pg_rows
            connection.execute(insert(table), [
                {**r, "rowid": r.pop("doc")} if sqlite else r for r in rows])
        elif rows:
            connection.execute(insert(_TABLES[name]), rows)
        rows.clear()


def _in(column: str, name: str, values: Sequence[str], params: dict[str, Any]) -> str:
    """``column IN (:name0, :name1, ...)`` with the values bound."""
    names = [f"{name}{i}" for i in range(len(values))]
    params.update(zip(names, values, strict=True))
    return f"{column} IN ({', '.join(':' + n for n in names)})"


#: The products with a facet value (the facet name is ours, the value a bound parameter); an
#: ``IN`` list rather than a correlated ``EXISTS``, so that a selective facet drives the query
#: through its index instead of being probed for every product of the store.
_FACET = ("p.product_id IN (SELECT f.product_id FROM search_facets f WHERE f.store = :store "
          "AND f.facet = '{facet}' AND f.value = :{name})")


class ProductIndex:
    """Exact filtering, counting and keyword ranking of one store's products, by index.

    The statements are plain SQL with bound parameters (the same on SQLite and PostgreSQL but
    for the keyword match): building them as SQLAlchemy expressions cost about ten times what
    the database took to answer them.

    Args:
        engine: the catalog database (SQLite or PostgreSQL) holding the index tables.
        store: the store whose products are searched.
    """

    def __init__(self, engine: Engine, store: str) -> None:
        self.engine = engine
        self.store = store
        self._connection: Connection | None = None

    @contextmanager
    def reading(self) -> Iterator[ProductIndex]:
        """This index on one connection, for the few queries of one search."""
        with self._read() as connection:
            bound = copy(self)
            bound._connection = connection
            yield bound

    def _read(self) -> AbstractContextManager[Connection]:
        """A connection for reading: no transaction of its own, so a search never takes the
        write lock that SQLite engines (:func:`aisle.db.make_engine`) take on ``BEGIN``."""
        if self._connection is not None:
            return nullcontext(self._connection)
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def facts(self) -> IndexFacts:
        """The store's product types and which filters its data supports."""
        with self._read() as connection:
            row = connection.execute(
                select(search_index_meta.c.types, search_index_meta.c.capable)
                .where(search_index_meta.c.store == self.store)).first()
        if row is None:
            return IndexFacts((), dict.fromkeys(CAPABILITIES, False))
        return IndexFacts(tuple(row.types), dict(row.capable))

    def _condition(self, c: Criteria) -> tuple[str, dict[str, Any]]:
        """The SQL condition on ``search_products p`` equivalent to ``c``, and its parameters."""
        params: dict[str, Any] = {"store": self.store}
        clauses = ["p.store = :store"]
        if c.in_stock_only:
            clauses.append("p.in_stock")
        if c.price_min is not None:
            clauses.append("p.price >= :price_min")
            params["price_min"] = c.price_min
        if c.price_max is not None:
            clauses.append("p.price <= :price_max")
            params["price_max"] = c.price_max
        if c.genders:
            clauses.append(_in("p.gender", "gender", c.genders, params))
        if c.types:
            clauses.append(_in("p.product_type", "type", c.types, params))
        for facet, value in (("category", c.category), ("material", c.material)):
            if value:
                clauses.append(_FACET.format(facet=facet, name=facet))
                params[facet] = value
        if c.eco_friendly:
            clauses.append("p.eco_friendly")
        if c.color or c.size:
            clauses.append(self._variant(c, params))
        return " AND ".join(clauses), params

    @staticmethod
    def _variant(c: Criteria, params: dict[str, Any]) -> str:
        """A variant with the colour and the size (in stock, when asked); a product without
        variants needs the colour and the size among its own lists."""
        on_variant = ["v.store = :store"]
        own: list[str] = []
        for name, value in (("color", c.color), ("size", c.size)):
            if value:
                on_variant.append(f"v.{name} = :{name}")
                own.append(f"q.product_id IN (SELECT g.product_id FROM search_facets g WHERE "
                           f"g.store = :store AND g.facet = '{name}' AND g.value = :{name})")
                params[name] = value
        if c.in_stock_only:
            on_variant.append("v.in_stock")
        return (f"p.product_id IN (SELECT v.product_id FROM search_variants v WHERE "
                f"{' AND '.join(on_variant)} UNION ALL SELECT q.product_id FROM search_products q "
                f"WHERE q.store = :store AND NOT q.has_variants AND {' AND '.join(own)})")

    def _rows(self, sql: str, params: dict[str, Any]) -> list[Any]:
        with self._read() as connection:
            return list(connection.execute(text(sql), params))

    def exists(self, c: Criteria) -> bool:
        """Whether any product satisfies ``c``."""
        where, params = self._condition(c)
        return bool(self._rows(
            f"SELECT EXISTS (SELECT 1 FROM search_products p WHERE {where})", params)[0][0])

    def count(self, c: Criteria) -> int:
        """How many products satisfy ``c``."""
        where, params = self._condition(c)
        return int(self._rows(f"SELECT count(*) FROM search_products p WHERE {where}",
                              params)[0][0])

    def first(self, c: Criteria, n: int) -> list[str]:
        """Ids of the first ``n`` products satisfying ``c``, in catalog order."""
        where, params = self._condition(c)
        return [r[0] for r in self._rows(
            f"SELECT p.product_id FROM search_products p WHERE {where} "
            "ORDER BY p.position LIMIT :limit", {**params, "limit": n})]

    def among(self, c: Criteria, ids: Sequence[str]) -> list[str]:
        """The ``ids`` that satisfy ``c``, in the order given."""
        if not ids:
            return []
        where, params = self._condition(c)
        wanted = _in("p.product_id", "id", list(dict.fromkeys(ids)), params)
        allowed = {r[0] for r in self._rows(
            f"SELECT p.product_id FROM search_products p WHERE {where} AND {wanted}", params)}
        return [i for i in ids if i in allowed]

    def keyword(self, query: str, c: Criteria, limit: int) -> list[tuple[str, float]]:
        """Products satisfying ``c`` that share a term with ``query``, best first, with a
        positive score (FTS5 ``bm25()`` negated, or ``ts_rank_cd``); ties in catalog order.

        Every term is quoted (FTS5 phrase, tsquery lexeme) and bound as a parameter, so the
        shopper's text is never read as query syntax."""
        terms = list(dict.fromkeys(keyword_terms(query)))
        if not terms:
            return []
        where, params = self._condition(c)
        sqlite = _is_sqlite(self.engine)
        if sqlite:
            params["match"] = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
            score, match = "-bm25(search_text)", "search_text MATCH :match"
        else:
            params["match"] = " | ".join(
                "'" + t.replace("\\", "").replace("'", "''") + "'" for t in terms)
            score = "ts_rank_cd(search_text.document, to_tsquery('simple', :match))"
            match = "search_text.document @@ to_tsquery('simple', :match)"
        rows = self._rows(
            f"SELECT p.product_id, {score} AS score FROM search_text JOIN search_products p "
            f"ON p.doc = search_text.{'rowid' if sqlite else 'doc'} WHERE {match} AND {where} "
            "ORDER BY score DESC, p.position LIMIT :limit", {**params, "limit": limit})
        return [(pid, float(score_)) for pid, score_ in rows]

    def terms_of(self, ids: Sequence[str]) -> dict[str, set[str]]:
        """The indexed terms of each of ``ids`` (to say which query words a hit matched)."""
        if not ids:
            return {}
        params: dict[str, Any] = {"store": self.store}
        wanted = _in("p.product_id", "id", list(dict.fromkeys(ids)), params)
        key = "rowid" if _is_sqlite(self.engine) else "doc"
        return {pid: set(terms.split()) for pid, terms in self._rows(
            f"SELECT p.product_id, t.terms FROM search_products p JOIN search_text t "
            f"ON t.{key} = p.doc WHERE p.store = :store AND {wanted}", params)}


def build_index(engine: Engine, store: str, products: Iterable[Product], fingerprint: str,
                document: Callable[[Product], str] = keyword_document) -> ProductIndex:
    """Write the store's index into ``engine`` in one transaction and open it."""
    with engine.begin() as connection:
        write_index(connection, store, products, fingerprint, document)
    return ProductIndex(engine, store)


def in_memory_index(products: Iterable[Product], store: str = "memory") -> ProductIndex:
    """An index over ``products`` in a private in-memory SQLite database (catalogs that are
    not in SQL, such as tests' in-memory catalogs)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    return build_index(engine, store, products, "memory")
