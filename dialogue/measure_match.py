"""Measures the shopper asked for ("80 grit", "1/2 inch") put the products that have them first.

A measure is not a hard filter: catalogs write them in free text ("80-Grit", '1/2"', "1/2-Inch")
and many products list none. Both sides are read with :func:`aisle.measures.find_measures`, so
they compare in one spelling; products whose name or description states every measure asked for
go first, the others keep their order after them, and the reply says how many have them. When
the shopper named a kind of product, only products whose name has its head word count: a 250 ml
flask is no answer to "250 ml graduated cylinders".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from aisle.measures import find_measures
from catalog.domain import Product
from catalog.text import terms
from knowledge.search import SearchResult

#: How many products a search with measures looks through for the ones that have them.
MEASURE_POOL = 20


@dataclass(frozen=True)
class MeasureRanking:
    result: SearchResult
    measures: tuple[str, ...]
    matching: int

    def note(self) -> str:
        """``All of them list 80 grit.`` / ``The first 2 list 80 grit.`` / ``None of them
        lists 80 grit; these come closest.``; empty without measures or results."""
        if not self.measures or not self.result.hits:
            return ""
        asked = " and ".join(self.measures)
        if self.matching == 0:
            return f"None of them lists {asked}; these come closest."
        if self.matching >= len(self.result.hits):
            return f"It lists {asked}." if len(self.result.hits) == 1 else \
                f"All of them list {asked}."
        if self.matching == 1:
            return f"The first one lists {asked}."
        return f"The first {self.matching} list {asked}."


def asked_measures(query: str) -> tuple[str, ...]:
    """The measures in the words searched with, in one spelling, each once."""
    return tuple(dict.fromkeys(m.value for m in find_measures(query)))


def product_measures(product: Product) -> set[str]:
    return {m.value for m in find_measures(f"{product.name}\n{product.description}")}


def prefer_measures(result: SearchResult, measures: tuple[str, ...], k: int,
                    kind: str | None = None) -> MeasureRanking:
    """``result`` cut to ``k`` hits, those that state every measure (and are of the ``kind``
    asked for, by the last word of its name) first."""
    if not measures:
        return MeasureRanking(replace(result, hits=result.hits[:k]), (), 0)
    wanted = set(measures)
    head = (terms(kind) or [None])[-1] if kind else None
    having = [h for h in result.hits if wanted <= product_measures(h.product)
              and (head is None or head in terms(h.product.name))]
    others = [h for h in result.hits if h not in having]
    hits = (having + others)[:k]
    return MeasureRanking(replace(result, hits=hits), measures, min(len(having), len(hits)))
