"""Adding to the cart: pick the product, ask for a size and colour it really has, then add it.

Flow (bot/data/rules/commerce.yml): ``add_to_cart`` -> ``action_select_cart_product`` (which
product; "make it 2" changes the quantity of a product already in the cart) ->
``add_to_cart_form`` (asks only for the options the product has, validated against its
variants and stock) -> ``action_add_to_cart``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dialogue.commerce_replies import cart_payload, cart_text, carted_ids, variant_label
from dialogue.pointing import FindsProducts, pointed_product
from dialogue.reply import Reply
from dialogue.turn import Turn

if TYPE_CHECKING:
    from commerce.service import Commerce

OPTIONS = ("size", "color")
_SET_QUANTITY = re.compile(
    r"\b(?:make\s+(?:it|that|them|those)|change\s+(?:it|that|the\s+quantity)\s+to|"
    r"(?:it|that)\s+should\s+be|set\s+(?:it|the\s+quantity)\s+to)\b", re.IGNORECASE)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
#: "add 120 gobi tees", "put two of those in my cart": the count right after the verb, when the
#: tagger left it untagged (a number it never saw as a quantity).
_COUNT_AFTER_VERB = re.compile(
    r"^\W*(?:please\s+|ok\s+|okay\s+)?(?:add|put|get|buy|take|i'?ll\s+take|give\s+me)\s+"
    r"(\d{1,4}|" + "|".join(_WORD_NUMBERS) + r")(?=\s+[a-z])(?!\s+(?:%|\$|dollars?|bucks|usd|"
    r"eur|euros?|pounds?|mm|cm|inch|inches|in|ml|l|kg|g|lb|lbs|oz)\b)", re.IGNORECASE)
WHICH_PRODUCT = ("Which product would you like to add? Tell me its name, or search first and "
                 "point at one of the results (for example “add the second one”).")


def parse_quantity(value: Any) -> int | None:
    """``"2"``, ``2.0``, ``"two"`` -> 2; a tagged span that runs on past the number ("120
    gobi": the tagger took the product's first word too) -> its first word's number; anything
    else -> ``None``."""
    words = str(value or "").strip().lower().split()
    text = words[0] if words else ""
    if text in _WORD_NUMBERS:
        return _WORD_NUMBERS[text]
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def listing(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values) if values else "none right now"


def select_cart_product(turn: Turn, catalog: FindsProducts, commerce: Commerce) -> Reply:
    """Which product the shopper wants to add: sets ``cart_product`` (``None``: ask which).

    "Make it 2" about a product already in the cart changes its quantity instead."""
    product_id = pointed_product(turn, catalog)
    if product_id is None:
        return Reply().say(turn.noticed(WHICH_PRODUCT)).set("cart_product", None)
    quantity = parse_quantity(turn.slot("quantity"))
    if quantity is not None and _SET_QUANTITY.search(turn.message_text()):
        change = commerce.change_quantity(turn.sender_id, product_id, quantity)
        if change.status == "updated":
            return (Reply().say(cart_text(change.cart), cart_payload(change.cart))
                    .set("carted_products", carted_ids(change.cart))
                    .set("cart_product", None).set("quantity", None))
    reply = Reply().set("cart_product", product_id).set("focus_product", product_id)
    counted = _COUNT_AFTER_VERB.search(turn.message_text()) if quantity is None else None
    return reply.set("quantity", parse_quantity(counted.group(1))) if counted else reply


def add_to_cart(turn: Turn, commerce: Commerce) -> Reply:
    """After the form: add the chosen product and variant; reply with the cart."""
    quantity = parse_quantity(turn.slot("quantity")) or 1
    result = commerce.add_to_cart(turn.sender_id, turn.slot("cart_product") or "",
                                  turn.slot("size"), turn.slot("color"), quantity)
    reply = Reply()
    if result.status == "added" and result.cart is not None and result.line is not None:
        line = result.line
        reply.say(f"Added {quantity} × {result.product_name}"
                  f"{variant_label(line.size, line.color)} to your cart.\n"
                  f"{cart_text(result.cart)}", cart_payload(result.cart))
        reply.set("carted_products", carted_ids(result.cart))
    else:
        reply.say(failure_text(result.status, result.product_name, result.available,
                               result.sizes, result.colors))
    return reply.set("cart_product", None).set("quantity", None)


def failure_text(status: str, name: str, available: int | None, sizes: tuple[str, ...],
                 colors: tuple[str, ...]) -> str:
    """Why nothing was added, in one sentence."""
    name = name or "that product"
    texts = {
        "unknown_product": "I couldn't find that product in the catalog, so nothing was added.",
        "not_enough_stock": f"Only {available} of the {name} in that variant are in stock "
                            f"(counting any already in your cart), so nothing was added.",
        "out_of_stock": f"The {name} in that variant just went out of stock, so nothing was "
                        f"added.",
        "bad_quantity": "The quantity has to be at least 1, so nothing was added.",
        "no_price": f"The {name} has no price in the catalog, so it can't be ordered.",
    }
    return texts.get(status, f"I couldn't add the {name}: choose a size ({listing(sizes)}) "
                             f"and a colour ({listing(colors)}).")
