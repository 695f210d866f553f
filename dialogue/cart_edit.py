"""Looking at and changing the cart: view it, remove or reduce a line, list the promotions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from commerce.pricing import CartLine, CartView
from commerce.promotions import Promotion
from commerce.results import CartChange
from dialogue.cart import parse_quantity
from dialogue.commerce_replies import cart_payload, cart_text, carted_ids
from dialogue.payloads import PromotionRule, PromotionsPayload
from dialogue.references import ordinal_index
from dialogue.reply import Reply
from dialogue.turn import Turn

if TYPE_CHECKING:
    from commerce.service import Commerce

_EVERYTHING = re.compile(r"\b(?:everything|all|empty|clear|wipe|start\b.*\bover)\b", re.IGNORECASE)
_SET_TO = re.compile(r"\b(?:to|keep|only)\s+(?:\w+\s+)?\d+\b|\bto\s+(?:one|two|three)\b",
                     re.IGNORECASE)
_POINTER = re.compile(r"\b(?:it|that|this|this one|that one)\b", re.IGNORECASE)
EMPTY_CART_TEXT = "Your cart is empty. Search for something and say “add the first one” to fill it."


def which_line(text: str, entities: dict[str, Any], cart: CartView, focus: str | None) -> str | None:
    """What ``commerce.remove_from_cart`` should look for: a line number, a product id or a
    name; ``None`` when the message does not say."""
    if entities.get("product"):
        return str(entities["product"])
    index = ordinal_index(text)
    if index is not None and -len(cart.lines) <= index < len(cart.lines):
        return str(range(1, len(cart.lines) + 1)[index])
    in_cart = {line.product_id for line in cart.lines}
    if focus in in_cart and _POINTER.search(text):
        return focus
    mention = str(entities.get("mention") or "").lower().removeprefix("the ").strip()
    named = [line for line in cart.lines if mention and mention.rstrip("s") in line.name.lower()]
    if named:
        return named[0].product_id
    return str(cart.lines[0].product_id) if len(in_cart) == 1 else None


def _line(cart: CartView, item: str) -> CartLine | None:
    if item.isdigit():
        return cart.lines[int(item) - 1] if 0 < int(item) <= len(cart.lines) else None
    return next((x for x in cart.lines
                 if item == x.product_id or item.lower() in x.name.lower()), None)


def view_cart(turn: Turn, commerce: Commerce) -> Reply:
    """``view_cart``: the priced cart (same payload as after adding)."""
    cart = commerce.view_cart(turn.sender_id)
    text = cart_text(cart) if not cart.is_empty else EMPTY_CART_TEXT
    return Reply().say(text, cart_payload(cart)).set("carted_products", carted_ids(cart))


def remove_from_cart(turn: Turn, commerce: Commerce) -> Reply:
    """``remove_from_cart``: remove a line, reduce it ("remove one of them", "reduce to 1"),
    or empty the cart ("clear my cart")."""
    text, entities = turn.message_text(), turn.entity_values()
    cart = commerce.view_cart(turn.sender_id)
    if cart.is_empty:
        return (Reply().say("Your cart is already empty.", cart_payload(cart))
                .set("carted_products", []).set("quantity", None))
    item = which_line(text, entities, cart, turn.slot("focus_product"))
    if item is None and _EVERYTHING.search(text):
        for line in cart.lines:
            cart = commerce.remove_from_cart(turn.sender_id, line.sku).cart
        return (Reply().say("I've emptied your cart.", cart_payload(cart))
                .set("carted_products", []).set("quantity", None))
    if item is None:
        return (Reply().say(f"Which item should I remove? {cart_text(cart)}", cart_payload(cart))
                .set("quantity", None))
    quantity = parse_quantity(turn.slot("quantity"))
    if quantity is None:
        change = commerce.remove_from_cart(turn.sender_id, item)
    else:
        line = _line(cart, item)
        left = quantity if _SET_TO.search(text) or line is None else line.quantity - quantity
        change = commerce.change_quantity(turn.sender_id, item, max(left, 0))
    return (Reply().say(f"{change_text(change)}\n{cart_text(change.cart)}",
                        cart_payload(change.cart))
            .set("carted_products", carted_ids(change.cart)).set("quantity", None))


def change_text(change: CartChange) -> str:
    """What a removal or quantity change did, in one sentence."""
    texts = {
        "removed": f"Removed the {change.matches[0].name if change.matches else 'item'}.",
        "updated": "Updated the quantity.",
        "not_in_cart": "That isn't in your cart.",
        "ambiguous": "More than one line matches: which one (say its number)?",
        "not_enough_stock": f"Only {change.available} are in stock.",
        "bad_quantity": "The quantity can't be negative.",
    }
    return texts[change.status]


def promotion_text(rule: Promotion) -> str:
    """``Name — condition``; a coupon rule says its code."""
    condition = rule.description if rule.description and rule.description != rule.name else ""
    how = f"enter code {rule.coupon_code} at checkout" if rule.coupon_code and (
        rule.coupon_code != "?") else "applied automatically when your cart qualifies"
    return f"- {rule.name}{f' ({condition})' if condition else ''}: {how}."


def list_promotions(commerce: Commerce) -> Reply:
    """``ask_promotions``: the store's active cart price rules and what each needs."""
    # The promotions are the service's loaded rules (CommerceService.rules).
    rules = getattr(getattr(commerce, "rules", None), "promotions", ())
    if not rules:
        return Reply().say("There are no promotions running right now.")
    lines = "\n".join(promotion_text(rule) for rule in rules)
    return Reply().say(f"Current promotions:\n{lines}", promotions_payload(rules))


def promotions_payload(rules: Sequence[Promotion]) -> dict[str, Any]:
    """``{"type": "promotions", "promotions": [{"name", "description", "coupon_code",
    "free_shipping"}]}`` (:class:`PromotionsPayload`)."""
    return PromotionsPayload(promotions=[
        PromotionRule(name=r.name, description=r.description, coupon_code=r.coupon_code,
                      free_shipping=r.free_shipping) for r in rules]).to_payload()
