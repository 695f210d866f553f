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
from collections.abc import Callable, Iterable, Sequence
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
    and_,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

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
    Index("ix_search_products_price", "store", "price"),
    Index("ix_search_products_gender", "store", "gender"),
    Index("ix_search_products_type", "store", "product_type"),
    Index("ix_search_products_position", "store", "position"),
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
    Column("fingerprint", String(64), nullable=False),
    Column("types", JSON, nullable=False),
    Column("capable", JSON, nullable=False),
)
#: The keyword table; created by hand because its shape depends on the database.
search_text = Table(
    "search_text", MetaData(),
    Column("store", String(32)), Column("product_id", String(64)), Column("terms", String),
)

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
            "terms, store UNINDEXED, product_id UNINDEXED, tokenize='unicode61')"))
    else:
        connection.execute(text(
            "CREATE TABLE IF NOT EXISTS search_text (store varchar(32) NOT NULL, "
            "product_id varchar(64) NOT NULL, terms text NOT NULL, "
            "document tsvector GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED, "
            "PRIMARY KEY (store, product_id))"))
        connection.execute(text(
            "CREATE INDEX IF NOT EXISTS ix_search_text_document "
            "ON search_text USING GIN (document)"))


def indexed_fingerprint(connection: Connection, store: str) -> str | None:
    """The catalog fingerprint the store's index was built from (``None``: no index)."""
    if not connection.dialect.has_table(connection, "search_index_meta"):
        return None
    return connection.execute(select(search_index_meta.c.fingerprint)
                              .where(search_index_meta.c.store == store)).scalar()


def _product_rows(store: str, position: int, p: Product,
                  document: Callable[[Product], str]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {
        "products": [{"store": store, "product_id": p.id, "position": position, "price": p.price,
                      "gender": p.gender.lower() if p.gender else None,
                      "product_type": p.product_type or "", "in_stock": bool(p.in_stock),
                      "eco_friendly": bool(p.eco_friendly), "has_variants": bool(p.variants)}],
        "variants": [{"store": store, "product_id": p.id, "color": (v.color or "").lower(),
                      "size": (v.size or "").lower(), "in_stock": bool(v.in_stock)}
                     for v in p.variants],
        "text": [{"store": store, "product_id": p.id,
                  "terms": " ".join(keyword_terms(document(p)))}],
    }
    facets = {("category", k) for k in category_keys([p.category, *p.categories])}
    facets |= {("material", k) for k in material_keys(p.materials)}
    facets |= {("color", c.lower()) for c in p.colors}
    facets |= {("size", s.lower()) for s in p.sizes}
    rows["facets"] = [{"store": store, "facet": f, "value": v, "product_id": p.id}
                      for f, v in sorted(facets)]
    return rows


_TABLES = {"products": search_products, "variants": search_variants,
           "facets": search_facets, "text": search_text}


def write_index(connection: Connection, store: str, products: Iterable[Product],
                fingerprint: str, document: Callable[[Product], str] = keyword_document) -> None:
    """Replace the store's index with one over ``products`` (in catalog order), in batches,
    inside the caller's transaction."""
    create_tables(connection)
    for table in (*_TABLES.values(), search_index_meta):
        connection.execute(delete(table).where(table.c.store == store))
    types: set[str] = set()
    capable = dict.fromkeys(CAPABILITIES, False)
    pending: dict[str, list[dict[str, Any]]] = {name: [] for name in _TABLES}
    for position, p in enumerate(products):
        types.update([p.product_type] if p.product_type else [])
        capable["price_min"] = capable["price_max"] = capable["price_min"] or p.price is not None
        capable["color"] |= bool(p.colors) or any(v.color for v in p.variants)
        capable["size"] |= bool(p.sizes) or any(v.size for v in p.variants)
        capable["gender"] |= bool(p.gender)
        capable["material"] |= bool(p.materials)
        capable["eco_friendly"] |= bool(p.eco_friendly)
        for name, rows in _product_rows(store, position, p, document).items():
            pending[name].extend(rows)
        if len(pending["products"]) >= _BATCH:
            _flush(connection, pending)
    _flush(connection, pending)
    connection.execute(insert(search_index_meta).values(
        store=store, fingerprint=fingerprint, types=sorted(types), capable=capable))


def _flush(connection: Connection, pending: dict[str, list[dict[str, Any]]]) -> None:
    for name, rows in pending.items():
        if rows:
            connection.execute(insert(_TABLES[name]), rows)
        rows.clear()


class ProductIndex:
    """Exact filtering, counting and keyword ranking of one store's products, by index.

    Args:
        engine: the catalog database (SQLite or PostgreSQL) holding the index tables.
        store: the store whose products are searched.
    """

    def __init__(self, engine: Engine, store: str) -> None:
        self.engine = engine
        self.store = store

    def facts(self) -> IndexFacts:
        """The store's product types and which filters its data supports."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(search_index_meta.c.types, search_index_meta.c.capable)
                .where(search_index_meta.c.store == self.store)).first()
        if row is None:
            return IndexFacts((), dict.fromkeys(CAPABILITIES, False))
        return IndexFacts(tuple(row.types), dict(row.capable))

    def _condition(self, c: Criteria) -> ColumnElement[bool]:
        """The SQL condition on ``search_products`` equivalent to ``c``."""
        p = search_products.c
        clauses: list[ColumnElement[bool]] = [p.store == self.store]
        if c.in_stock_only:
            clauses.append(p.in_stock.is_(True))
        if c.price_min is not None:
            clauses.append(p.price >= c.price_min)
        if c.price_max is not None:
            clauses.append(p.price <= c.price_max)
        if c.genders:
            clauses.append(p.gender.in_(c.genders))
        if c.types:
            clauses.append(p.product_type.in_(c.types))
        if c.category:
            clauses.append(self._facet("category", c.category))
        if c.material:
            clauses.append(self._facet("material", c.material))
        if c.eco_friendly:
            clauses.append(p.eco_friendly.is_(True))
        if c.color or c.size:
            clauses.append(self._variant(c))
        return and_(*clauses)

    def _facet(self, facet: str, value: str) -> ColumnElement[bool]:
        f = search_facets.c
        return exists().where(f.store == self.store, f.facet == facet, f.value == value,
                              f.product_id == search_products.c.product_id)

    def _variant(self, c: Criteria) -> ColumnElement[bool]:
        """A variant with the colour and the size (in stock, when asked); a product without
        variants needs the colour and the size among its own lists."""
        v = search_variants.c
        on_variant = [v.store == self.store, v.product_id == search_products.c.product_id]
        if c.color:
            on_variant.append(v.color == c.color)
        if c.size:
            on_variant.append(v.size == c.size)
        if c.in_stock_only:
            on_variant.append(v.in_stock.is_(True))
        own = [self._facet(name, value) for name, value in (("color", c.color), ("size", c.size))
               if value]
        return or_(and_(search_products.c.has_variants.is_(True), exists().where(*on_variant)),
                   and_(search_products.c.has_variants.is_(False), *own))

    def exists(self, c: Criteria) -> bool:
        """Whether any product satisfies ``c``."""
        stmt = select(exists().where(self._condition(c)))
        with self.engine.connect() as connection:
            return bool(connection.execute(stmt).scalar())

    def count(self, c: Criteria) -> int:
        """How many products satisfy ``c``."""
        stmt = select(func.count()).select_from(search_products).where(self._condition(c))
        with self.engine.connect() as connection:
            return int(connection.execute(stmt).scalar() or 0)

    def first(self, c: Criteria, n: int) -> list[str]:
        """Ids of the first ``n`` products satisfying ``c``, in catalog order."""
        stmt = (select(search_products.c.product_id).where(self._condition(c))
                .order_by(search_products.c.position).limit(n))
        with self.engine.connect() as connection:
            return list(connection.execute(stmt).scalars())

    def among(self, c: Criteria, ids: Sequence[str]) -> list[str]:
        """The ``ids`` that satisfy ``c``, in the order given."""
        if not ids:
            return []
        stmt = (select(search_products.c.product_id)
                .where(self._condition(c), search_products.c.product_id.in_(list(ids))))
        with self.engine.connect() as connection:
            allowed = set(connection.execute(stmt).scalars())
        return [i for i in ids if i in allowed]

    def keyword(self, query: str, c: Criteria, limit: int) -> list[tuple[str, float]]:
        """Products satisfying ``c`` that share a term with ``query``, best first, with a
        positive score (FTS5 ``bm25()`` negated, or ``ts_rank_cd``); ties in catalog order."""
        terms = list(dict.fromkeys(keyword_terms(query)))
        if not terms:
            return []
        t = search_text.c
        if _is_sqlite(self.engine):
            match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
            score = (-literal_column("bm25(search_text)")).label("score")
            condition = text("search_text MATCH :match").bindparams(match=match)
        else:
            query_ = func.to_tsquery("simple", " | ".join(
                "'" + term.replace("'", "''").replace("\\", "") + "'" for term in terms))
            score = func.ts_rank_cd(literal_column("search_text.document"), query_).label("score")
            condition = literal_column("search_text.document").op("@@")(query_)
        stmt = (select(t.product_id, score)
                .join(search_products, and_(search_products.c.store == t.store,
                                            search_products.c.product_id == t.product_id))
                .where(condition, t.store == self.store, self._condition(c))
                .order_by(score.desc(), search_products.c.position).limit(limit))
        with self.engine.connect() as connection:
            return [(pid, float(s)) for pid, s in connection.execute(stmt)]

    def terms_of(self, ids: Sequence[str]) -> dict[str, set[str]]:
        """The indexed terms of each of ``ids`` (to say which query words a hit matched)."""
        if not ids:
            return {}
        t = search_text.c
        stmt = select(t.product_id, t.terms).where(t.store == self.store,
                                                   t.product_id.in_(list(ids)))
        with self.engine.connect() as connection:
            return {pid: set(terms.split()) for pid, terms in connection.execute(stmt)}


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
