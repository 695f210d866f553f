"""Read access to the imported catalog: :class:`SqlCatalog` implements ``CatalogReader``."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA
from sqlalchemy import Select, func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aisle.db import make_engine
from aisle.measures import find_measures
from catalog import text as text_normaliser
from catalog.domain import PolicySection, Product, ProductLink, Review, Variant
from catalog.importers.luma_rows import size_key
from catalog.schema import (
    ImportMetaRow,
    PolicySectionRow,
    ProductLinkRow,
    ProductRow,
    ReviewRow,
    VariantRow,
)
from catalog.search_index import ProductIndex, indexed_fingerprint, write_index
from catalog.vocabulary import CatalogVocabulary
from catalog.vocabulary_tables import (
    SqlNameIndex,
    read_values,
    stored_fingerprint,
    write_vocabulary,
)


@lru_cache(maxsize=16384)
def _name_words(name: str) -> tuple[str, ...]:
    """Words of a product name; cached because every name look-up reads every name."""
    return tuple(text_normaliser.tokens(name))


def _content_lemmas(words: Sequence[str]) -> list[str]:
    """Lemmas of the words that can name something: no stop words ("the", "first", "one"),
    and no number a word became ("first" is lemmatised to "1")."""
    lemmas = []
    for word in words:
        lemma = text_normaliser.lemma(word)
        if text_normaliser.is_stopword(word) or (lemma.isdigit() and not word.isdigit()):
            continue
        lemmas.append(lemma)
    return lemmas


@lru_cache(maxsize=16384)
def _name_lemmas(name: str) -> tuple[str, ...]:
    """:func:`_content_lemmas` of a product name; cached like :func:`_name_words`."""
    return tuple(_content_lemmas(_name_words(name)))


def _token_matches(query: str, name_words: tuple[str, ...]) -> bool:
    """A query word matches a name word it starts ("hood" -> "hoodie") or shares a lemma with."""
    return any(
        w.startswith(query) or text_normaliser.lemma(query) == text_normaliser.lemma(w)
        for w in name_words
    )


#: Name words of at least this many letters may be misspelt by one edit in a look-up.
FUZZY_FROM = 4


def _token_near(query: str, name_words: tuple[str, ...]) -> bool:
    """:func:`_token_matches`, or one edit away (a swap counts as one) with the same first
    letter, for words of :data:`FUZZY_FROM` letters or more ("tetin" → "teton")."""
    if _token_matches(query, name_words):
        return True
    if len(query) < FUZZY_FROM:
        return False
    base = text_normaliser.lemma(query)  # "hodies" is one edit from "hoodie" as "hodie"
    return any(
        w[:1] == query[:1] and len(w) >= FUZZY_FROM
        and min(OSA.distance(query, w), OSA.distance(base, text_normaliser.lemma(w))) <= 1
        for w in name_words)


#: Most products :meth:`SqlCatalog.find_products_in_text` returns.
NAMED_IN_TEXT = 4
#: A model code: letters and digits together ("PH600", "DW8062B5", "PH-80", "N95").
_CODE = re.compile(r"(?<![\w-])(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[A-Za-z\d]+(?:-[A-Za-z\d]+)*")
#: Shortest model code read from a message (shorter ones, like "3M", are brands or sizes).
MIN_CODE = 3


def model_codes(text: str) -> set[str]:
    """The model codes of ``text``, lower case without hyphens; measures ("30V", "1.75mm") are
    not codes."""
    measured = [(m.start, m.end) for m in find_measures(text)]
    codes = set()
    for match in _CODE.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in measured):
            continue
        code = match.group(0).replace("-", "").lower()
        if len(code) >= MIN_CODE:
            codes.add(code)
    return codes


@lru_cache(maxsize=16384)
def _name_codes(name: str) -> frozenset[str]:
    return frozenset(model_codes(name))


def names_a_code_of(text: str, name: str) -> bool:
    """Whether ``text`` gives a model code of the product ``name`` ("the PH-80" names the
    "HM Digital PH-80 pH HydroTester")."""
    return any(_code_matches(code, _name_codes(name)) for code in model_codes(text))


def _code_matches(code: str, name_codes: frozenset[str]) -> bool:
    """A code the shopper gives matches the same code, or one it starts that is at most two
    characters longer ("PH600" is the "PH600AQ"; "DW806" is not the "DW8062B5")."""
    return any(c == code or (len(code) >= 4 and c.startswith(code) and len(c) - len(code) <= 2)
               for c in name_codes)


class SqlCatalog:
    """The catalog in a SQL database, read as domain value types.

    Args:
        url: SQLAlchemy URL (``sqlite:///state/catalog-luma.sqlite``, ``postgresql://...``).
        store: Only read this store's rows (``luma`` or ``scientific``); ``None`` reads all.
        engine: An existing engine to share instead of creating one from ``url``.
    """

    def __init__(self, url: str, store: str | None = None, *, engine: Engine | None = None) -> None:
        self.url = url
        self.store = store
        self.engine = engine or make_engine(url)

    def _where(self, stmt: Select, table: type) -> Select:
        return stmt.where(table.store == self.store) if self.store else stmt  # type: ignore[attr-defined]

    def products(self) -> list[Product]:
        """Every parent product with its variants, rating average and review count."""
        return self._load(None)

    def product(self, product_id: str) -> Product | None:
        """One parent product by id (SKU or ASIN), or ``None``."""
        found = self._load([product_id])
        return found[0] if found else None

    def find_products_by_name(self, text: str) -> list[Product]:
        """Products whose name contains every word of ``text`` but stopwords (case-insensitive).

        ``chaz hoodie`` finds *Chaz Kangeroo Hoodie*; query words may be prefixes or other forms
        (:func:`catalog.text.lemma`) of name words, or, when no name has them all, one typo
        away ("Tetin Pullover Hoodies"). Exact names come first, then shorter names.
        """
        said = text_normaliser.tokens(text)
        # "the Affirm Water Bottle": words like "the" need not be in the name
        query = [w for w in said if not text_normaliser.is_stopword(w)] or said
        if not query:
            return []
        wanted = text.strip().lower()
        names = self._names()
        for matches in (_token_matches, _token_near):  # misspellings only when nothing matches
            hits = []
            for pid, name in names:
                name_words = _name_words(name)
                if all(matches(q, name_words) for q in query):
                    hits.append((name.lower() != wanted, len(name_words), name, pid))
            if hits:
                return self._in_order([pid for *_, pid in sorted(hits)])
        return []

    def find_products_in_text(self, text: str) -> list[Product]:
        """Products a whole message names, however it is cased: its first word and all the
        others, or all but one of three or more ("the joust duffle"); or a first word that is
        no dictionary word ("chaz") with one more word or on a single product. Whole names
        first, then most words matched; at most :data:`NAMED_IN_TEXT` products. A model code
        ("PH600", "DW8062B5") that names at most that many products decides alone."""
        codes = model_codes(text)
        all_names = self._names()
        if codes:  # "the milwaukee PH600": a model code names a product outright
            coded = [pid for pid, name in all_names
                     if any(_code_matches(code, _name_codes(name)) for code in codes)]
            if 0 < len(coded) <= NAMED_IN_TEXT:
                return self._in_order(coded)
        said = set(_content_lemmas(text_normaliser.tokens(text)))
        if not said:
            return []
        names = [(pid, _name_lemmas(name)) for pid, name in all_names]
        firsts = Counter(words[0] for _, words in names if words)
        hits = []
        for pid, words in names:
            if not words or words[0] not in said:
                continue
            shared = sum(1 for w in set(words) if w in said)
            whole = shared >= len(set(words)) - (1 if len(set(words)) >= 3 else 0)
            coined = words[0].isalpha() and not text_normaliser.is_dictionary_word(words[0])
            if whole or (coined and (shared >= 2 or firsts[words[0]] == 1)):
                hits.append((not whole, -shared, len(words), pid))
        return self._in_order([pid for *_, pid in sorted(hits)[:NAMED_IN_TEXT]])

    def _names(self) -> list[tuple[str, str]]:
        """(id, name) of every product, for the name look-ups."""
        with Session(self.engine) as session:
            return [tuple(row) for row in session.execute(
                self._where(select(ProductRow.id, ProductRow.name), ProductRow))]

    def products_by_ids(self, ids: list[str]) -> list[Product]:
        """The products ``ids`` names that exist, loaded together, in that order."""
        return self._in_order(ids)

    def _in_order(self, ids: list[str]) -> list[Product]:
        """The products ``ids`` names, loaded at once, in that order."""
        by_id = {p.id: p for p in self._load(ids)}
        return [by_id[i] for i in ids if i in by_id]

    def reviews(self, product_id: str | None = None) -> list[Review]:
        """Reviews of one product, or of all products when ``product_id`` is ``None``."""
        stmt = self._where(select(ReviewRow), ReviewRow).order_by(ReviewRow.id)
        if product_id is not None:
            stmt = stmt.where(ReviewRow.product_id == product_id)
        with Session(self.engine) as session:
            return [
                Review(r.product_id, r.rating, r.title, r.text, r.reviewer)
                for r in session.scalars(stmt)
            ]

    def policy_sections(self) -> list[PolicySection]:
        """The store pages as headed sections, in page order."""
        stmt = self._where(select(PolicySectionRow), PolicySectionRow).order_by(PolicySectionRow.id)
        with Session(self.engine) as session:
            return [
                PolicySection(r.page_id, r.page_title, r.heading, r.text)
                for r in session.scalars(stmt)
            ]

    def links(self, product_id: str) -> list[ProductLink]:
        """Merchandiser links from one product."""
        stmt = (
            self._where(select(ProductLinkRow), ProductLinkRow)
            .where(ProductLinkRow.product_id == product_id)
            .order_by(ProductLinkRow.id)
        )
        with Session(self.engine) as session:
            return [ProductLink(r.product_id, r.linked_id, r.kind) for r in session.scalars(stmt)]

    def links_from(self, product_ids: Sequence[str]) -> dict[str, list[ProductLink]]:
        """Merchandiser links from each of ``product_ids`` that has any (in link order), read
        together: a request's few history items, not the whole catalog."""
        found: dict[str, list[ProductLink]] = {}
        with Session(self.engine) as session:
            for ids in _id_chunks(product_ids):
                stmt = (self._where(select(ProductLinkRow), ProductLinkRow)
                        .where(ProductLinkRow.product_id.in_(ids)).order_by(ProductLinkRow.id))
                for r in session.scalars(stmt):
                    found.setdefault(r.product_id, []).append(
                        ProductLink(r.product_id, r.linked_id, r.kind))
        return found

    def review_counts(self, product_ids: Sequence[str]) -> dict[str, int]:
        """Number of reviews of each of ``product_ids`` that has any (indexed by product)."""
        counts: dict[str, int] = {}
        with Session(self.engine) as session:
            for ids in _id_chunks(product_ids):
                stmt = self._where(select(ReviewRow.product_id, func.count(ReviewRow.id)),
                                   ReviewRow).where(ReviewRow.product_id.in_(ids)).group_by(
                    ReviewRow.product_id)
                counts.update((pid, int(n)) for pid, n in session.execute(stmt))
        return counts

    def max_review_count(self) -> int:
        """The most reviews any one product has (0 without reviews)."""
        per_product = self._where(select(func.count(ReviewRow.id).label("n")), ReviewRow
                                  ).group_by(ReviewRow.store, ReviewRow.product_id).subquery()
        with Session(self.engine) as session:
            return int(session.scalar(select(func.max(per_product.c.n))) or 0)

    def most_reviewed(self, n: int) -> list[str]:
        """Ids of the ``n`` products with the most reviews, ties (and the unreviewed) in
        catalog order."""
        counts = self._where(
            select(ReviewRow.store, ReviewRow.product_id, func.count(ReviewRow.id).label("n")),
            ReviewRow).group_by(ReviewRow.store, ReviewRow.product_id).subquery()
        stmt = (self._where(select(ProductRow.id), ProductRow)
                .outerjoin(counts, (counts.c.product_id == ProductRow.id)
                           & (counts.c.store == ProductRow.store))
                .order_by(func.coalesce(counts.c.n, 0).desc(), ProductRow.position).limit(n))
        with Session(self.engine) as session:
            return list(session.scalars(stmt))

    def positions(self, product_ids: Sequence[str]) -> dict[str, int]:
        """Catalog position of each of ``product_ids`` that exists."""
        found: dict[str, int] = {}
        with Session(self.engine) as session:
            for ids in _id_chunks(product_ids):
                stmt = self._where(select(ProductRow.id, ProductRow.position),
                                   ProductRow).where(ProductRow.id.in_(ids))
                found.update((pid, int(position)) for pid, position in session.execute(stmt))
        return found

    def fingerprint(self) -> str | None:
        """Content fingerprint of the last import of this store (``None`` if never imported)."""
        stmt = self._where(select(ImportMetaRow.fingerprint), ImportMetaRow)
        with Session(self.engine) as session:
            return session.scalars(stmt).first()

    def search_index(self) -> ProductIndex | None:
        """The store's filter and keyword index (:mod:`catalog.search_index`); built here when
        it is missing or older than the last import (a state database from before the index
        existed). ``None`` when this reader spans all stores."""
        if self.store is None:
            return None
        current = self.fingerprint() or "empty"
        with self.engine.connect() as connection:
            indexed = indexed_fingerprint(connection, self.store)
        if indexed != current:
            with self.engine.begin() as connection:  # checked again: another worker may have
                if indexed_fingerprint(connection, self.store) != current:  # just built it
                    with Session(bind=connection) as session:  # read in the same transaction
                        write_index(connection, self.store, self.iter_products(session=session),
                                    current)
        return ProductIndex(self.engine, self.store)

    def catalog_vocabulary(self) -> CatalogVocabulary:
        """The store's words (:class:`CatalogVocabulary`) from what its import stored
        (:mod:`catalog.vocabulary_tables`): distinct values, not every product. Stored here
        when missing or older than the last import, once (a state database from before, or
        an import that did not store it). A reader spanning all stores builds it from every
        product."""
        if self.store is None:
            return CatalogVocabulary.from_products(self.iter_products())
        current = self.fingerprint() or "empty"
        with self.engine.connect() as connection:
            stored = stored_fingerprint(connection, self.store)
        if stored != current:
            with self.engine.begin() as connection:  # checked again: another worker may have
                if stored_fingerprint(connection, self.store) != current:  # just written it
                    with Session(bind=connection) as session:
                        write_vocabulary(connection, self.store,
                                         self.iter_products(session=session), current)
        with self.engine.connect() as connection:
            values = read_values(connection, self.store)
        return CatalogVocabulary.from_values(values, SqlNameIndex(self.engine, self.store))

    def offered_types(self, gender: str | None) -> list[str]:
        """Product types in stock for ``gender`` (``men``, ``women``; ``None`` or ``unisex``:
        everyone), most products first, ties in catalog order; unisex and ungendered products
        count for everyone. One ``GROUP BY``, no product loaded."""
        count = func.count(ProductRow.id)
        stmt = self._where(select(ProductRow.product_type, count), ProductRow).where(
            ProductRow.in_stock.is_(True), ProductRow.product_type.is_not(None),
            ProductRow.product_type != "")
        if gender not in (None, "unisex"):
            stmt = stmt.where(or_(ProductRow.gender.is_(None), ProductRow.gender == "",
                                  ProductRow.gender.in_([gender, "unisex"])))
        stmt = stmt.group_by(ProductRow.product_type).order_by(
            count.desc(), func.min(ProductRow.position))
        with Session(self.engine) as session:
            return [product_type for product_type, _ in session.execute(stmt)]

    def iter_products(self, batch: int = 1000, *,
                      session: Session | None = None) -> Iterator[Product]:
        """Every product in catalog order, loaded ``batch`` at a time (memory flat in N)."""
        stmt = self._where(select(ProductRow.id), ProductRow).order_by(ProductRow.position)
        with Session(self.engine) as own:
            ids = list((session or own).scalars(stmt))
        for start in range(0, len(ids), batch):
            yield from self._load(ids[start:start + batch], session=session)

    def vocabulary(self) -> dict[str, list[str]]:
        """Distinct catalog values for NLU lookups, keyed by entity name.

        Keys: ``product_type``, ``color``, ``size``, ``material``, ``gender``, ``activity``,
        ``product``. Values are in catalog case; sizes in shopping order, the rest sorted.
        """
        values: dict[str, set[str]] = {
            k: set()
            for k in ("product_type", "color", "size", "material", "gender", "activity", "product")
        }
        with Session(self.engine) as session:
            for row in session.scalars(self._where(select(ProductRow), ProductRow)):
                values["product_type"].update([row.product_type] if row.product_type else [])
                values["gender"].update([row.gender] if row.gender else [])
                values["product"].add(row.name)
                values["color"].update(row.colors or [])
                values["size"].update(row.sizes or [])
                values["material"].update(row.materials or [])
                values["activity"].update(row.activities or [])
        vocabulary = {k: sorted(v, key=str.lower) for k, v in values.items()}
        vocabulary["size"] = sorted(values["size"], key=size_key)
        return vocabulary

    def _load(self, ids: list[str] | None, *, session: Session | None = None) -> list[Product]:
        # Plain rows, not ORM objects: a search loads its hits' variants for every reply, and
        # building ORM instances took most of that time (Luma: ~70 variants for 5 hits).
        products = self._where(select(*ProductRow.__table__.columns), ProductRow).order_by(
            ProductRow.position)
        variants = self._where(select(*VariantRow.__table__.columns), VariantRow).order_by(
            VariantRow.position)
        ratings = self._where(
            select(ReviewRow.product_id, func.avg(ReviewRow.rating), func.count(ReviewRow.id)),
            ReviewRow,
        ).group_by(ReviewRow.product_id)
        if ids is not None:
            if not ids:
                return []
            products = products.where(ProductRow.id.in_(ids))
            variants = variants.where(VariantRow.product_id.in_(ids))
            ratings = ratings.where(ReviewRow.product_id.in_(ids))
        with Session(self.engine) as own:
            reader = session or own
            rows = list(reader.execute(products))
            by_parent: dict[str, list[Variant]] = {}
            for v in reader.execute(variants):
                by_parent.setdefault(v.product_id, []).append(
                    Variant(v.sku, v.product_id, v.size, v.color, v.qty, v.in_stock, v.price)
                )
            stats = {pid: (float(avg), int(n)) for pid, avg, n in reader.execute(ratings)}
        return [_product(row, by_parent.get(row.id, []), stats.get(row.id)) for row in rows]


#: Ids bound per ``IN`` list (SQLite allows 32,766 parameters a statement, PostgreSQL 65,535).
_ID_CHUNK = 5000


def _id_chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _ID_CHUNK):
        yield unique[start:start + _ID_CHUNK]


def _product(row: Any, variants: list[Variant], stats: tuple[float, int] | None) -> Product:
    return Product(
        id=row.id,
        name=row.name,
        description=row.description,
        category=row.category,
        categories=tuple(row.categories or ()),
        product_type=row.product_type,
        gender=row.gender,
        price=row.price,
        regular_price=row.regular_price,
        currency=row.currency,
        colors=tuple(row.colors or ()),
        sizes=tuple(row.sizes or ()),
        materials=tuple(row.materials or ()),
        climates=tuple(row.climates or ()),
        activities=tuple(row.activities or ()),
        patterns=tuple(row.patterns or ()),
        eco_friendly=row.eco_friendly,
        performance_fabric=row.performance_fabric,
        in_stock=row.in_stock,
        image=row.image,
        brand=row.brand,
        rating=round(stats[0], 2) if stats else None,
        review_count=stats[1] if stats else 0,
        variants=tuple(variants),
    )
