"""A search that names one product: that product is the subject of the turn.

"Do you have the Augusta Pullover Jacket in XXL?" asks about one jacket, not about every
product in XXL. The answer says whether that product comes in the size and colour asked for;
when it does not, it says what it does come in and shows others of its kind that do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from catalog.domain import Product
from catalog.filters import ProductFilters
from catalog.text import terms
from catalog.vocabulary import CatalogVocabulary
from dialogue.cards import product_card, products_payload, search_summary
from dialogue.catalog_terms import size_in_text
from dialogue.pointing import FindsProducts
from dialogue.reply import Reply
from dialogue.turn import Turn
from knowledge.search import SearchResult

#: Other products of the named one's kind shown when it lacks what was asked for.
ALTERNATIVES = 3


class Searcher(Protocol):
    """The product search with the catalog's vocabulary (knowledge.search.ProductSearch)."""

    vocabulary: CatalogVocabulary

    def search(self, query: str, filters: ProductFilters | None = None,
               k: int = 5) -> SearchResult: ...


def named_subject(turn: Turn, catalog: FindsProducts) -> Product | None:
    """The one product the message names in full (the NLU's ``product`` entity, or every word
    of a product's name in the message), else ``None``."""
    name = turn.entity_values().get("product")
    text = turn.message_text()
    found = list(catalog.find_products_by_name(name) if name else
                 catalog.find_products_in_text(text))
    if not found:
        return None
    said = set(terms(text))
    first = found[0]
    if set(terms(first.name)) <= said or (name and len(found) == 1):
        return first
    return None


def _offered(asked: str, offered: Sequence[str]) -> bool:
    return any(asked.lower() == value.lower() for value in offered)


def _listed(values: Sequence[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} and {values[-1]}"


def lacking(product: Product, filters: ProductFilters) -> list[str]:
    """What ``product`` lacks of the size and colour asked for: ``["sizes XS, S and M, not
    XXL"]``; empty when it has them (or the catalog lists none for it)."""
    missing = []
    if filters.size and product.sizes and not _offered(filters.size, product.sizes):
        missing.append(f"sizes {_listed(product.sizes)}, not {filters.size}")
    if filters.color and product.colors and not _offered(filters.color, product.colors):
        missing.append(f"{_listed([c.lower() for c in product.colors])}, not "
                       f"{filters.color.lower()}")
    return missing


def _asked(filters: ProductFilters) -> str:
    parts = [f"in {filters.color.lower()}" if filters.color else "",
             f"in size {filters.size}" if filters.size else ""]
    return " ".join(p for p in parts if p)


def named_product_reply(turn: Turn, product: Product, filters: ProductFilters,
                        search: Searcher, reply: Reply) -> Reply:
    """``reply`` with the named ``product`` when it has the size and colour of ``filters``;
    else with what it comes in, and up to :data:`ALTERNATIVES` products of its kind that have
    them."""
    asked = _asked(filters)
    missing = lacking(product, filters)
    if not missing:
        text = f"Yes, we have the {product.name} {asked}:" if asked else f"Here is the {product.name}:"
        card = product_card(product)
        reply.say(turn.noticed(text), products_payload([card]))
        return (reply.set("shown_products", [product.id]).set("seen_products", [product.id])
                .set("focus_product", product.id).set("pending_relaxation", None))
    kind = product.product_type or product.category
    wanted = ProductFilters(size=filters.size, color=filters.color, gender=product.gender,
                            product_type=kind.lower() if kind else None)
    result = search.search(f"{kind} {product.name}", wanted, ALTERNATIVES + 1)
    others = [hit for hit in result.hits if hit.product.id != product.id][:ALTERNATIVES]
    text = f"The {product.name} comes in {' and '.join(missing)}."
    kind_words = (kind or "products").lower()
    if others:
        text += f" Other {kind_words} {asked}:"
        cards = [product_card(hit.product, hit.reason) for hit in others]
        summary = search_summary({"product_type": wanted.product_type, "size": wanted.size,
                                  "color": wanted.color}, f"{kind} {product.name}", len(cards),
                                 others[0].score)
        reply.say(turn.noticed(text), products_payload(cards, summary))
        ids = [card["id"] for card in cards]
        reply.set("shown_products", ids).set("seen_products", ids)
    else:
        text += f" None of our other {kind_words} come {asked} either."
        reply.say(turn.noticed(text))
    return reply.set("focus_product", product.id).set("pending_relaxation", None)


def in_catalog_spelling(filters: ProductFilters, vocabulary: CatalogVocabulary,
                        text: str) -> ProductFilters:
    """``filters`` with its size and colour in the catalog's spelling where it has them; a size
    the NLU left out is read from ``text`` ("in XXL")."""
    if not filters.size and vocabulary.sizes:
        filters = replace(filters, size=size_in_text(text))
    size = vocabulary.value(vocabulary.sizes, filters.size) if filters.size else None
    color = vocabulary.value(vocabulary.colors, filters.color) if filters.color else None
    return replace(filters, size=size or filters.size, color=color or filters.color)
