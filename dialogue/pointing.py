"""Which product the shopper means in this turn: a name, "the second one", the focus, or "it"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from catalog.domain import Product
from catalog.repository import model_codes, names_a_code_of
from dialogue.references import ordinal_index, resolve_product, resolve_products
from dialogue.turn import Turn


class FindsProducts(Protocol):
    def find_products_by_name(self, name: str) -> Sequence[Product]: ...

    def find_products_in_text(self, text: str) -> Sequence[Product]: ...


class ProductCatalog(FindsProducts, Protocol):
    """Name look-ups and one product by id."""

    def product(self, product_id: str) -> Product | None: ...


def product_ids_named(catalog: FindsProducts, name: str) -> list[str]:
    """Ids of the catalog products a name matches, best first."""
    return [p.id for p in catalog.find_products_by_name(name)]


def _named_in_text(turn: Turn, catalog: FindsProducts) -> list[str]:
    """Ids of the products the message names although the NLU tagged no product (a name in
    lower case, or tagged as "the Josie Yoga Jacket" mention)."""
    if turn.entity_values().get("product"):
        return []
    if turn.slot("shown_products") and ordinal_index(turn.message_text()) is not None:
        return []  # "is the first one 1.75 mm?" points at a card, whatever words it shares
    return [p.id for p in catalog.find_products_in_text(turn.message_text())]


def _named_by_code(turn: Turn, catalog: FindsProducts) -> list[str]:
    """Ids of the products a model code in the message names ("what's included with the HM
    Digital PH-80?"): a code names its product outright, whatever span the NLU tagged."""
    text = turn.message_text()
    if not model_codes(text):
        return []  # no code: no need to read the catalog's names again
    return [p.id for p in catalog.find_products_in_text(text) if names_a_code_of(text, p.name)]


def pointed_product(turn: Turn, catalog: FindsProducts) -> str | None:
    """The product the last message is about."""
    name = turn.entity_values().get("product")
    if name:  # a model code outranks whatever span the NLU tagged as the name
        named = _named_by_code(turn, catalog) or product_ids_named(catalog, name)
    else:
        named = _named_in_text(turn, catalog)
    return resolve_product(turn.message_text(), turn.slot("shown_products") or [],
                           turn.slot("focus_product"), named)


def pointed_products(turn: Turn, catalog: FindsProducts) -> list[str]:
    """The products the last message points at ("the first two", "A vs B")."""
    named = [str(value) for name, value in turn.entities if name == "product" and value]
    ids = {name: product_ids_named(catalog, name) for name in named}  # each name looked up once
    if not any(ids.values()):
        # no name tagged, or none that names a product ("hoodie" tagged and mapped to a type)
        named = []
        in_text = _named_in_text(replace(turn, entities=tuple(
            (name, value) for name, value in turn.entities if name != "product")), catalog)
        if len(in_text) >= 2:
            return in_text[:2]
    return resolve_products(turn.message_text(), turn.slot("shown_products") or [],
                            turn.slot("focus_product"), named, ids.__getitem__)
