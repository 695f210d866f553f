"""Product search: exact hard filters, ranked by Reciprocal Rank Fusion of dense and keyword.

Filters are answered by the catalog database's indexes (:mod:`catalog.search_index`), never
by a pass over the products in Python: whether anything matches, how many would match without
one constraint (the relaxations) and which dense hits qualify are ``EXISTS``/``COUNT``/``IN``
queries; keyword ranks come from the database's full-text engine (SQLite FTS5 ``bm25()``, or
PostgreSQL ``ts_rank_cd``) over the shop's normalised terms, restricted to what the filters
allow. Dense ranks come from a Chroma query on ``products`` (with a ``where`` clause). Only
the hits are loaded as :class:`Product`. Filters mean exactly what :class:`FilterCheck` says (a
colour matches only if a variant in that colour exists, prices compare with the current price).
An empty result names the constraint that emptied it, so the assistant can offer to relax it.
When the Chroma store does not answer (a Chroma server down), search carries on with the
keyword ranking alone and marks the result ``keyword_only``; the next search tries Chroma
again, so it recovers by itself when the server is back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from catalog import text
from catalog.domain import CatalogReader, Product
from catalog.filters import ProductFilters
from catalog.search_index import (
    Criteria,
    ProductIndex,
    category_keys,
    in_memory_index,
    keyword_terms,
    material_keys,
)
from catalog.vocabulary import CatalogVocabulary
from knowledge.embedding import Embedder
from knowledge.keyword import tokenize
from knowledge.store import KnowledgeStore, StoreUnavailable

logger = logging.getLogger(__name__)

RRF_K = 60
_CORE = frozenset({"product_type", "gender"})
#: Distinct product words whose matching types a FilterCheck remembers.
_MATCHING_MEMORY = 1024
#: Most keyword hits fused with the dense ones (a hit below rank 300 adds under 1/360 to a
#: fused score: it can reorder near-ties only).
KEYWORD_DEPTH = 300


@runtime_checkable
class IndexedCatalog(Protocol):
    """A catalog that keeps a search index of its products in its database."""

    def search_index(self) -> ProductIndex | None: ...

    def iter_products(self) -> Iterable[Product]: ...

    def catalog_vocabulary(self) -> CatalogVocabulary: ...

    def products_by_ids(self, ids: list[str]) -> list[Product]: ...


@dataclass(frozen=True)
class SearchHit:
    """One found product, its fused score and why it was found."""

    product: Product
    score: float
    reason: str


@dataclass(frozen=True)
class Relaxation:
    """Dropping ``constraint`` (a :class:`ProductFilters` field) would find ``count`` products."""

    constraint: str
    count: int


@dataclass
class SearchResult:
    """Hits best first; for an empty result, ``empty_because`` names the emptying constraint."""

    query: str
    filters: ProductFilters
    hits: list[SearchHit] = field(default_factory=list)
    unsupported_filters: list[str] = field(default_factory=list)
    empty_because: Relaxation | None = None
    relaxations: list[Relaxation] = field(default_factory=list)
    #: True when the vector store was unreachable and only keyword ranking was used.
    keyword_only: bool = False


def _money(value: float) -> str:
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def _words(text: str) -> set[str]:
    return set(tokenize(text, drop_stopwords=False))


class FilterCheck:
    """Exact checks of :class:`ProductFilters` against products, and their Chroma ``where``.

    A ``product_type`` the catalog knows as a product type ("jackets") filters on the type; a
    broader word ("tops", "gear") filters on the category path instead. ``activity`` only ranks.
    """

    def __init__(self, products: list[Product]) -> None:
        capable = {
            "price_min": any(p.price is not None for p in products),
            "color": any(p.colors or any(v.color for v in p.variants) for p in products),
            "size": any(p.sizes or any(v.size for v in p.variants) for p in products),
            "gender": any(p.gender for p in products),
            "material": any(p.materials for p in products),
            "eco_friendly": any(p.eco_friendly for p in products),
        }
        capable["price_max"] = capable["price_min"]
        self._facts({p.product_type for p in products if p.product_type}, capable)

    @classmethod
    def from_facts(cls, types: Iterable[str], capable: dict[str, bool]) -> FilterCheck:
        """A check that knows the catalog only by its product types and filterable data (what
        :meth:`catalog.search_index.ProductIndex.facts` gives), not by its products."""
        check = cls.__new__(cls)
        check._facts(types, capable)
        return check

    def _facts(self, types: Iterable[str], capable: dict[str, bool]) -> None:
        self.types = sorted(set(types))
        self._type_words = [_words(t) for t in self.types]
        self._matching: dict[str, list[str]] = {}
        self.capable = dict(capable)

    def unsupported(self, filters: ProductFilters) -> list[str]:
        """Active constraints on data this catalog does not have."""
        return [n for n in filters.restricting() if not self.capable.get(n, True)]

    def matching_types(self, wanted: str) -> list[str]:
        """Catalog product types named by ``wanted`` (case and plural insensitive); remembered
        per wanted text, since a search checks every product against the same words."""
        found = self._matching.get(wanted)
        if found is None:
            words = _words(wanted)
            found = [t for t, type_words in zip(self.types, self._type_words, strict=True)
                     if t.lower() == wanted.lower() or words <= type_words]
            if len(self._matching) >= _MATCHING_MEMORY:
                self._matching.clear()
            self._matching[wanted] = found
        return found

    def type_or_category(self, f: ProductFilters) -> tuple[list[str], str | None]:
        """The catalog types ``f.product_type`` names, or else the category word it is."""
        if not f.product_type:
            return [], None
        types = self.matching_types(f.product_type)
        return types, None if types else f.product_type.strip("/").lower()

    def matches(self, p: Product, f: ProductFilters) -> bool:
        """Whether ``p`` satisfies every constraint of ``f`` exactly."""
        if f.in_stock_only and not p.in_stock:
            return False
        if f.price_min is not None and (p.price is None or p.price < f.price_min):
            return False
        if f.price_max is not None and (p.price is None or p.price > f.price_max):
            return False
        if f.gender and (p.gender or "").lower() not in _genders(f.gender):
            return False
        types, category = self.type_or_category(f)
        if types and p.product_type not in types:
            return False
        if category and category not in category_keys([p.category, *p.categories]):
            return False
        if f.material and f.material.lower() not in material_keys(p.materials):
            return False
        if f.eco_friendly and not p.eco_friendly:
            return False
        return _variant_ok(p, f)

    def criteria(self, f: ProductFilters) -> Criteria:
        """``f`` resolved for the index: gender families, type or category, lower case."""
        types, category = self.type_or_category(f)
        return Criteria(
            in_stock_only=f.in_stock_only, price_min=f.price_min, price_max=f.price_max,
            genders=tuple(sorted(_genders(f.gender))) if f.gender else (),
            types=tuple(types), category=category,
            material=f.material.lower() if f.material else None,
            eco_friendly=f.eco_friendly,
            color=f.color.lower() if f.color else None,
            size=f.size.lower() if f.size else None)

    def where(self, f: ProductFilters) -> dict[str, Any] | None:
        """The Chroma ``where`` clause equivalent to the filters it can express."""
        clauses: list[dict[str, Any]] = []
        if f.in_stock_only:
            clauses.append({"in_stock": True})
        if f.price_min is not None:
            clauses.append({"price": {"$gte": float(f.price_min)}})
        if f.price_max is not None:
            clauses.append({"price": {"$lte": float(f.price_max)}})
        if f.gender:
            clauses.append({"gender": {"$in": sorted(_genders(f.gender))}})
        types, category = self.type_or_category(f)
        if types:
            clauses.append({"product_type": {"$in": types}})
        if category:
            clauses.append({"categories": {"$contains": category}})
        if f.material:
            clauses.append({"materials": {"$contains": f.material.lower()}})
        if f.eco_friendly:
            clauses.append({"eco_friendly": True})
        for key, value in (("colors", f.color), ("sizes", f.size)):
            if value:
                clauses.append({key: {"$contains": value.lower()}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _genders(gender: str) -> set[str]:
    gender = gender.lower()
    return {gender} if gender == "unisex" else {gender, "unisex"}


def _variant_ok(p: Product, f: ProductFilters) -> bool:
    colors = {f.color.lower()} if f.color else set()
    sizes = {f.size.lower()} if f.size else set()
    if not colors and not sizes:
        return True
    if p.variants:
        return any(
            (not colors or (v.color or "").lower() in colors)
            and (not sizes or (v.size or "").lower() in sizes)
            and (v.in_stock or not f.in_stock_only)
            for v in p.variants
        )
    return ((not colors or bool(colors & {c.lower() for c in p.colors}))
            and (not sizes or bool(sizes & {s.lower() for s in p.sizes})))


def rrf(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    """Reciprocal Rank Fusion: ``sum(1 / (k + rank))`` over the rankings (ranks from 1)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (k + rank)
    return fused


def build_reason(p: Product, f: ProductFilters, matched: list[str], dense_hit: bool) -> str:
    """A short "why" from what matched, e.g. ``matches 'waterproof'; in black; under $60``."""
    parts: list[str] = []
    if matched:
        parts.append("matches " + ", ".join(f"'{w}'" for w in matched[:3]))
    elif dense_hit:
        parts.append("close to what you described")
    have_colors = {c.lower(): c for c in (*p.colors, *(v.color for v in p.variants if v.color))}
    if f.color and f.color.lower() in have_colors:
        parts.append(f"in {have_colors[f.color.lower()].lower()}")
    if f.size:
        parts.append(f"size {f.size}")
    if f.gender and p.gender:
        parts.append(f"for {p.gender}")
    if f.material:
        parts.append(f"made of {', '.join(p.materials).lower()}")
    if p.price is not None and (f.price_min is not None or f.price_max is not None):
        bound = (f"under {_money(f.price_max)}" if f.price_min is None else
                 f"over {_money(f.price_min)}" if f.price_max is None else
                 f"{_money(f.price_min)}–{_money(f.price_max)}")
        parts.append(f"{_money(p.price)}, {bound}")
    return "; ".join(parts)


def matched_words(query: str, terms: set[str]) -> list[str]:
    """Words of ``query`` (as the shopper wrote them) whose terms are among ``terms``."""
    matched: list[str] = []
    for word in text.words(query):
        if any(t in terms for t in keyword_terms(word)) and word not in matched:
            matched.append(word)
    return matched


class ProductSearch:
    """Hybrid product search over a catalog, its search index and its :class:`KnowledgeStore`.

    A catalog that keeps a search index (:class:`IndexedCatalog`, the SQL catalog) is searched
    through it; any other catalog (tests' in-memory ones) is indexed into a private in-memory
    SQLite database first.
    """

    def __init__(self, catalog: CatalogReader, store: KnowledgeStore, embedder: Embedder,
                 dense_depth: int = 100) -> None:
        self._store = store
        self._embedder = embedder
        self._dense_depth = dense_depth
        self.refresh(catalog)

    def refresh(self, catalog: CatalogReader) -> None:
        """Open (or build) the catalog's search index and read its vocabulary (after an
        import)."""
        self._catalog = catalog
        index = catalog.search_index() if isinstance(catalog, IndexedCatalog) else None
        if index is None:
            products = catalog.products()
            index, self.vocabulary = in_memory_index(products), CatalogVocabulary.from_products(
                products)
        else:  # stored by the import: distinct values, not every product
            self.vocabulary = catalog.catalog_vocabulary()  # type: ignore[attr-defined]
        self.index = index
        facts = index.facts()
        self.check = FilterCheck.from_facts(facts.types, facts.capable)
        self.__dict__.pop("products", None)

    @cached_property
    def products(self) -> dict[str, Product]:
        """Every product by id, loaded on first use; search never needs it (the product
        finder form does, to answer which kinds of product exist)."""
        return {p.id: p for p in self._catalog.products()}

    def search(self, query: str, filters: ProductFilters | None = None,
               k: int = 5) -> SearchResult:
        """The ``k`` best products for ``query`` that satisfy ``filters`` exactly."""
        if k <= 0:
            raise ValueError("k must be positive")
        filters = filters or ProductFilters()
        result = SearchResult(query=query, filters=filters,
                              unsupported_filters=self.check.unsupported(filters))
        effective = filters
        for name in result.unsupported_filters:
            effective = effective.without(name)
        criteria = self.check.criteria(effective)
        with self.index.reading() as index:  # one connection for the search's queries
            if not index.exists(criteria):
                result.relaxations = self._relaxations(index, effective)
                result.empty_because = (
                    result.relaxations[0] if result.relaxations else
                    Relaxation("combination", 0) if effective.restricting() else None)
                return result
            dense: list[str] = []
            if query.strip():
                dense, result.keyword_only = self._dense(index, query, k, effective, criteria)
                keyword = [pid for pid, _ in index.keyword(query, criteria, KEYWORD_DEPTH)]
                fused = rrf([dense, keyword])
            else:
                fused = {pid: 0.0 for pid in index.first(criteria, k)}
            top = sorted(fused, key=lambda i: -fused[i])[:k]
            terms = index.terms_of(top) if query.strip() else {}
        dense_set = set(dense[:k])
        for product in self._load(top):  # one that vanished since the index was read is left out
            matched = matched_words(query, terms.get(product.id, set()))
            result.hits.append(SearchHit(product, fused[product.id], build_reason(
                product, effective, matched, product.id in dense_set)))
        return result

    def holds_words(self, words: str, filters: ProductFilters | None = None) -> bool:
        """Whether a product satisfying ``filters`` holds every term of ``words`` in its
        indexed text (name, category, brand, description, attributes): "is there a warm
        jacket?". Read from the full-text index's best :data:`KEYWORD_DEPTH` hits."""
        wanted = set(keyword_terms(words))
        if not wanted:
            return False
        criteria = self.check.criteria(filters or ProductFilters())
        with self.index.reading() as index:
            ids = [pid for pid, _ in index.keyword(words, criteria, KEYWORD_DEPTH)]
            return any(wanted <= held for held in index.terms_of(ids).values())

    def _load(self, ids: list[str]) -> list[Product]:
        """The products ``ids`` names, in that order: together when the catalog can."""
        if isinstance(self._catalog, IndexedCatalog):
            return self._catalog.products_by_ids(ids)
        return [p for p in map(self._catalog.product, ids) if p is not None]

    def keyword_ranking(self, query: str, filters: ProductFilters | None = None) -> list[str]:
        """Ids the keyword engine alone finds for ``query`` under ``filters``, best first."""
        criteria = self.check.criteria(filters or ProductFilters())
        return [pid for pid, _ in self.index.keyword(query, criteria, KEYWORD_DEPTH)]

    def _dense(self, index: ProductIndex, query: str, k: int, filters: ProductFilters,
               criteria: Criteria) -> tuple[list[str], bool]:
        """Dense ranking of the allowed products, and whether it had to be skipped."""
        vector = self._embedder.embed([query])[0]
        try:
            hits = self._store.query_products(vector, max(self._dense_depth, 4 * k),
                                              where=self.check.where(filters))
        except StoreUnavailable as error:
            logger.warning("vector search unavailable, keyword search only: %s", error)
            return [], True
        return index.among(criteria, [pid for pid, _ in hits]), False

    def _relaxations(self, index: ProductIndex, filters: ProductFilters) -> list[Relaxation]:
        """Single constraints whose removal gives results, most results first (one indexed
        ``COUNT`` each).

        What the shopper is looking for (type, category, gender) comes after the details
        (price, colour, size, material, stock), which are what one would rather relax.
        """
        found = []
        for name in filters.restricting():
            count = index.count(self.check.criteria(filters.without(name)))
            if count:
                found.append(Relaxation(name, count))
        return sorted(found, key=lambda r: (r.constraint in _CORE, -r.count))
