"""What the recommender reads of the catalog: products, links, filter verdicts and popularity.

The service asks for these by id, for the few items a request ranks (its candidates and the
shopper's history), through one small interface, :class:`ItemSource`:

* :class:`InMemoryItems`: mappings held in memory (tests, scripts, a catalog that is not in
  SQL); what the service held for every product before issue 15.
* :class:`CatalogItems`: the SQL catalog, read per request: products by id in one query, the
  history's links in one query, filters by the catalog's indexed filter tables (the
  ``ProductIndex`` that :mod:`catalog.search_index` built for search) and popularity by indexed
  review counts (or a store's interaction log). Nothing is read per product at start.

Popularity is ``log1p(raw) / log1p(max raw)``: in [0, 1], with ``raw`` a product's review count,
or its number of train interactions when the store has an interaction log.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from catalog.domain import Product, ProductLink
from catalog.filters import ProductFilters
from catalog.search_index import Criteria, ProductIndex
from knowledge.search import FilterCheck

#: Products whose filters are checked per query while walking an ordered list (cold start).
WALK_CHUNK = 250
#: Ids per ``among`` query.
AMONG_CHUNK = 5000


class ItemSource(Protocol):
    """The catalog as the recommender reads it, by id."""

    check: FilterCheck
    products: Mapping[str, Product]
    """Every product by id (a view: looking one up may read it from the catalog)."""

    def load(self, ids: Sequence[str]) -> dict[str, Product]:
        """The products of ``ids`` that exist, read together."""
        ...

    def links(self, ids: Sequence[str]) -> dict[str, list[ProductLink]]:
        """Merchandiser links from those of ``ids`` that have any, in link order."""
        ...

    def allowed(self, filters: ProductFilters, ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` that exist and satisfy ``filters`` exactly."""
        ...

    def walk_allowed(self, filters: ProductFilters, ids: Sequence[str]) -> Iterator[str]:
        """:meth:`allowed` in the order of ``ids``, lazily (the caller stops when it has enough)."""
        ...

    def raw_popularity(self, ids: Sequence[str]) -> dict[str, float]:
        """Review or interaction count of each of ``ids`` (0 for none)."""
        ...

    def popularity(self, ids: Sequence[str]) -> dict[str, float]:
        """Normalised popularity in [0, 1] of each of ``ids``."""
        ...

    def by_popularity(self, n: int) -> list[str]:
        """Ids of the ``n`` most popular products, ties in catalog order."""
        ...


def _normalised(raw: Mapping[str, float], top: float) -> dict[str, float]:
    return {pid: (math.log1p(v) / top if top else 0.0) for pid, v in raw.items()}


class InMemoryItems:
    """An :class:`ItemSource` over mappings held in memory.

    ``popularity``: raw popularity by id (an interaction log's counts); ``None``: every
    product's review count.
    """

    def __init__(self, products: Mapping[str, Product],
                 links: Mapping[str, Sequence[ProductLink]],
                 popularity: Mapping[str, float] | None = None) -> None:
        self.products: dict[str, Product] = dict(products)
        self._links = {pid: list(found) for pid, found in links.items()}
        self.check = FilterCheck(list(self.products.values()))
        self._raw = dict(popularity) if popularity is not None else {
            pid: float(p.review_count) for pid, p in self.products.items()}
        top = max([math.log1p(v) for v in self._raw.values()] + [0.0])
        self._popularity = _normalised(self._raw, top)
        self._order: list[str] | None = None

    def load(self, ids: Sequence[str]) -> dict[str, Product]:
        return {pid: self.products[pid] for pid in ids if pid in self.products}

    def links(self, ids: Sequence[str]) -> dict[str, list[ProductLink]]:
        return {pid: list(self._links[pid]) for pid in ids if pid in self._links}

    def allowed(self, filters: ProductFilters, ids: Sequence[str]) -> set[str]:
        return set(self.walk_allowed(filters, list(dict.fromkeys(ids))))

    def walk_allowed(self, filters: ProductFilters, ids: Sequence[str]) -> Iterator[str]:
        for pid in ids:
            product = self.products.get(pid)
            if product is not None and self.check.matches(product, filters):
                yield pid

    def raw_popularity(self, ids: Sequence[str]) -> dict[str, float]:
        return {pid: self._raw.get(pid, 0.0) for pid in ids}

    def popularity(self, ids: Sequence[str]) -> dict[str, float]:
        return {pid: self._popularity.get(pid, 0.0) for pid in ids}

    def by_popularity(self, n: int) -> list[str]:
        if self._order is None:  # one sort per snapshot
            self._order = sorted(self.products, key=lambda pid: -self._popularity.get(pid, 0.0))
        return self._order[:n]


class ItemCatalog(Protocol):
    """The reads :class:`CatalogItems` needs (``catalog.repository.SqlCatalog`` has them)."""

    def product(self, product_id: str) -> Product | None: ...

    def products_by_ids(self, ids: list[str]) -> list[Product]: ...

    def links_from(self, product_ids: Sequence[str]) -> dict[str, list[ProductLink]]: ...

    def review_counts(self, product_ids: Sequence[str]) -> dict[str, int]: ...

    def max_review_count(self) -> int: ...

    def most_reviewed(self, n: int) -> list[str]: ...

    def positions(self, product_ids: Sequence[str]) -> dict[str, int]: ...


class CatalogProducts(Mapping[str, Product]):
    """Products by id, read from the catalog on each look-up (nothing held).

    Iterating reads every id (a pass over the catalog): the service never does.
    """

    def __init__(self, catalog: ItemCatalog, index: ProductIndex) -> None:
        self._catalog = catalog
        self._index = index

    def __getitem__(self, product_id: str) -> Product:
        found = self._catalog.product(product_id)
        if found is None:
            raise KeyError(product_id)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.first(Criteria(), len(self)))

    def __len__(self) -> int:
        return self._index.count(Criteria())


class CatalogItems:
    """An :class:`ItemSource` reading the SQL catalog per request.

    Args:
        catalog: the store's catalog (``SqlCatalog``).
        index: its filter index (``SqlCatalog.search_index()``), current with the catalog.
        interactions: raw popularity from the store's interaction log; ``None`` or empty:
            review counts, read by id from the catalog.
    """

    def __init__(self, catalog: ItemCatalog, index: ProductIndex,
                 interactions: Mapping[str, float] | None = None) -> None:
        self._catalog = catalog
        self._index = index
        facts = index.facts()
        self.check = FilterCheck.from_facts(facts.types, facts.capable)
        self.products = CatalogProducts(catalog, index)
        self._interactions = dict(interactions) if interactions else None
        self._top: float | None = None
        self._order: list[str] = []
        self._ordered_upto = 0

    def load(self, ids: Sequence[str]) -> dict[str, Product]:
        wanted = list(dict.fromkeys(ids))
        return {p.id: p for p in self._catalog.products_by_ids(wanted)} if wanted else {}

    def links(self, ids: Sequence[str]) -> dict[str, list[ProductLink]]:
        return self._catalog.links_from(ids) if ids else {}

    def allowed(self, filters: ProductFilters, ids: Sequence[str]) -> set[str]:
        criteria = self.check.criteria(filters)
        unique = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(unique), AMONG_CHUNK):
            found.update(self._index.among(criteria, unique[start:start + AMONG_CHUNK]))
        return found

    def walk_allowed(self, filters: ProductFilters, ids: Sequence[str]) -> Iterator[str]:
        criteria = self.check.criteria(filters)
        for start in range(0, len(ids), WALK_CHUNK):
            yield from self._index.among(criteria, list(ids[start:start + WALK_CHUNK]))

    def raw_popularity(self, ids: Sequence[str]) -> dict[str, float]:
        if self._interactions is not None:
            return {pid: self._interactions.get(pid, 0.0) for pid in ids}
        counts = self._catalog.review_counts(ids) if ids else {}
        return {pid: float(counts.get(pid, 0)) for pid in ids}

    def _top_log(self) -> float:
        """``log1p`` of the highest raw popularity; read once (one aggregate query)."""
        if self._top is None:
            raw = (self._interactions.values() if self._interactions is not None
                   else [float(self._catalog.max_review_count())])
            self._top = max([math.log1p(v) for v in raw] + [0.0])
        return self._top

    def popularity(self, ids: Sequence[str]) -> dict[str, float]:
        return _normalised(self.raw_popularity(ids), self._top_log())

    def by_popularity(self, n: int) -> list[str]:
        if n > self._ordered_upto:  # read once per length asked (the service asks one)
            self._order = self._ranked(n)
            self._ordered_upto = n
        return self._order[:n]

    def _ranked(self, n: int) -> list[str]:
        if self._interactions is None:
            return self._catalog.most_reviewed(n)
        # A log's counts: the counted items by count, ties in catalog order, then the others
        # (popularity 0) in catalog order.
        counted = [pid for pid, v in self._interactions.items() if v > 0]
        position = self._catalog.positions(counted)
        ranked = sorted((pid for pid in counted if pid in position),
                        key=lambda pid: (-self._interactions[pid], position[pid]))[:n]
        if len(ranked) < n:
            taken = set(ranked)
            rest = self._index.first(Criteria(), n + len(taken))
            ranked += [pid for pid in rest if pid not in taken][:n - len(ranked)]
        return ranked
