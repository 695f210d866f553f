"""The add-to-cart form: ask only for the options the product has, check them against its
variants and stock, and offer the in-stock choices (see ``dialogue.cart`` for the flow)."""

from __future__ import annotations

from typing import Any

from catalog.domain import Product
from commerce.variants import ProductLookup, Selection, select_variant
from dialogue.cart import OPTIONS, listing
from dialogue.commerce_replies import variant_label
from dialogue.reply import Reply
from dialogue.turn import Turn


def _other(option: str) -> str:
    return "color" if option == "size" else "size"


def _word(option: str) -> str:
    return "colour" if option == "color" else "size"


def offered(product: Product, option: str) -> list[str]:
    """The values of ``option`` the product's variants have, in catalog order."""
    return list(dict.fromkeys(getattr(v, option) for v in product.variants if getattr(v, option)))


def cart_product(turn: Turn, catalog: ProductLookup) -> Product | None:
    product_id = turn.slot("cart_product")
    return catalog.product(product_id) if product_id else None


def _stocked(turn: Turn, catalog: ProductLookup, product_id: str, option: str) -> tuple[str, ...]:
    """In-stock values of ``option``, given the other option the shopper already chose."""
    other = _other(option)
    sel = select_variant(catalog, product_id, **{other: turn.slot(other)})
    return sel.sizes if option == "size" else sel.colors


def required_options(turn: Turn, catalog: ProductLookup, domain_slots: list[str]) -> list[str]:
    """The form's slots, less the options the product does not have (none without a product)."""
    product = cart_product(turn, catalog)
    if product is None:
        return []
    return [slot for slot in domain_slots if slot not in OPTIONS or offered(product, slot)]


def option_answer(turn: Turn, catalog: ProductLookup, option: str, value: Any) -> Reply:
    """A size or colour the product comes in (as the catalog spells it), else ``None`` and a
    note listing the ones in stock."""
    product = cart_product(turn, catalog)
    if product is None:
        return Reply().set(option, None)
    match = next((o for o in offered(product, option)
                  if o.lower() == str(value or "").strip().lower()), None)
    reply = Reply()
    if match is None:
        stocked = _stocked(turn, catalog, product.id, option)
        reply.say(f"The {product.name} doesn't come in {_word(option)} {value}. "
                  f"In stock: {listing(stocked)}.")
    return reply.set(option, match)


def check_combination(turn: Turn, catalog: ProductLookup) -> Reply:
    """Once every option is chosen, the combination against stock: when it is out of stock or
    not made, say so with alternatives and reset the option(s) to ask again (slots set to
    ``None``); otherwise an empty reply."""
    product = cart_product(turn, catalog)
    if product is None:
        return Reply()
    needed = [o for o in OPTIONS if offered(product, o)]
    chosen = {o: turn.slot(o) for o in OPTIONS}
    if not needed or any(chosen[o] is None for o in needed):
        return Reply()
    sel = select_variant(catalog, product.id, chosen["size"], chosen["color"])
    if sel.status not in ("out_of_stock", "unknown_option"):
        return Reply()
    reset = ["color"] if "color" in needed else ["size"]
    if "size" in needed and "color" in needed and not select_variant(
            catalog, product.id, chosen["size"]).colors:
        reset.append("size")
    reply = Reply().say(unavailable_text(product, chosen, sel))
    return reply.set_all([(option, None) for option in reset])


def unavailable_text(product: Product, chosen: dict[str, Any], sel: Selection) -> str:
    label = variant_label(chosen["size"], chosen["color"]).strip(" ()")
    options = [variant_label(a.size, a.color).strip(" ()") for a in sel.alternatives[:5]]
    state = "is out of stock" if sel.status == "out_of_stock" else "isn't made"
    alternatives = f" In stock instead: {'; '.join(options)}." if options else (
        " No other variant is in stock right now.")
    return f"Sorry, the {product.name} in {label} {state}.{alternatives}"


def ask_option(turn: Turn, catalog: ProductLookup, option: str) -> Reply:
    """Ask for a size or colour, with a button for each in-stock choice."""
    product = cart_product(turn, catalog)
    stocked = _stocked(turn, catalog, product.id if product else "", option)
    name = product.name if product else "it"
    return Reply().say(
        f"Which {_word(option)} would you like the {name} in? In stock: {listing(stocked)}.",
        buttons=[{"title": value, "payload": f'/add_to_cart{{"{option}": "{value}"}}'}
                 for value in stocked])
