"""The full-text engine indexes the shop's normalised terms as they are: a term the normaliser
keeps whole ("3.5", "o'neill") is one FTS5 token, not two, so it matches only itself and counts
once in a document's length (as in the in-memory BM25 the engine replaced)."""

from __future__ import annotations

from catalog.domain import Product
from catalog.search_index import Criteria, in_memory_index, keyword_terms


def item(pid: str, name: str) -> Product:
    return Product(id=pid, name=name, description=name, category="Tools/Drill Bits",
                   categories=("Tools/Drill Bits",), product_type="Drill Bits")


def test_a_term_with_a_point_is_one_token() -> None:
    assert keyword_terms("3.5 mm drill bit")[:1] == ["3.5"]
    index = in_memory_index([item("A", "Cobalt drill bit 3.5 mm"),
                             item("B", "Drill bit set, 3 5 pieces")])
    # "3 5" in B is two terms; only A holds the term "3.5"
    assert [pid for pid, _ in index.keyword("3.5", Criteria(), 10)] == ["A"]


def test_a_term_with_an_apostrophe_is_one_token() -> None:
    index = in_memory_index([item("A", "O'Neill torque wrench"), item("B", "Ring by O Neill")])
    assert [pid for pid, _ in index.keyword("o'neill", Criteria(), 10)] == ["A"]
