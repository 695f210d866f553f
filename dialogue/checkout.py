"""Checkout: quote the cart, ask for the email and a yes/no, then place the order.

Flow (bot/data/rules/commerce.yml): ``checkout`` -> ``action_quote_order`` (sets
``checkout_ready``: false for an empty cart) -> ``checkout_form`` (``email``,
``order_confirmed``) -> ``action_place_order``. The assistant takes no payment; it says so.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from aisle.redaction import is_email_token
from commerce.money import format_money
from commerce.orders import normalise_email
from dialogue.commerce_replies import (
    PAYMENT_TEXT,
    cart_payload,
    cart_text,
    order_lines_text,
    order_payload,
    quote_payload,
)
from dialogue.reply import Reply
from dialogue.turn import Turn

if TYPE_CHECKING:
    from commerce.service import Commerce

EMAIL = re.compile(r"[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}")
EMPTY_CART = ("Your cart is empty, so there is nothing to check out yet. Find something you "
              "like and say “add it to my cart”.")
NO_DELIVERY = ("I can't price delivery to your address with standard shipping, so I can't "
               "place this order here. Our team can help: just say “human”.")
NOT_PLACED = ("Okay, I haven't placed the order. Everything is still in your cart; say "
              "“checkout” when you're ready.")


def find_email(text: str) -> str | None:
    """The first email address in ``text`` (normalised), or ``None``."""
    match = EMAIL.search(text or "")
    return normalise_email(match.group(0).rstrip(".")) if match else None


def quote_order(turn: Turn, commerce: Commerce) -> Reply:
    """``checkout``: what the order would cost (shipping, promotions) — or an empty-cart note."""
    quote = commerce.quote(turn.sender_id)
    if quote.status == "empty_cart":
        return Reply().say(EMPTY_CART, cart_payload(quote.cart)).set("checkout_ready", False)
    if quote.status != "ok":
        return Reply().say(NO_DELIVERY, quote_payload(quote.cart)).set("checkout_ready", False)
    return (Reply().say(f"Here is your order before I place it:\n{cart_text(quote.cart)}\n"
                        f"{PAYMENT_TEXT}", quote_payload(quote.cart))
            .set("checkout_ready", True).set("order_confirmed", None))


def email_in_message(turn: Turn) -> Reply:
    """While the form asks for the email, a bare address anywhere in the message fills it."""
    if turn.slot("requested_slot") != "email" or turn.slot("email"):
        return Reply()
    found = find_email(turn.message_text())
    return Reply().set("email", found) if found else Reply()


def email_answer(turn: Turn, commerce: Commerce, value: Any, question: str) -> Reply:
    """A valid address is handed to commerce, and the slot keeps what commerce returns (a
    keyed hash), because the stored conversation is redacted (bot/tracker_store.py); anything
    else is refused, asking ``question`` again."""
    if is_email_token(value):
        return Reply().set("email", value)
    found = find_email(str(value or ""))
    if found is None:
        return (Reply().say(f"That doesn't look like an email address. {question}")
                .set("email", None))
    return Reply().set("email", commerce.remember_email(turn.sender_id, found))


def place_order(turn: Turn, commerce: Commerce) -> Reply:
    """After the form: place the order on "yes", keep the cart on "no"."""
    done = [("order_confirmed", None), ("checkout_ready", None)]
    if turn.slot("order_confirmed") is not True:
        return Reply().say(NOT_PLACED).set_all(done)
    placed = commerce.place_order(turn.sender_id, turn.slot("email") or "")
    if placed.status == "placed" and placed.order is not None:
        order = placed.order
        return (Reply().say(
            f"Your order number is {order.number}: {order_lines_text(order)}, "
            f"{format_money(order.total, order.currency)} in total. {PAYMENT_TEXT} "
            f"Keep the number: with your email it lets you check, cancel or return "
            f"the order here.", order_payload(order))
            .set("carted_products", []).set("order_id", order.number).set_all(done))
    texts = {
        "empty_cart": EMPTY_CART,
        "invalid_email": "That email address doesn't look valid, so I haven't placed the "
                         "order. Say “checkout” to try again with another address.",
        "unavailable": "Something in your cart has just gone out of stock ("
                       f"{', '.join(placed.unavailable)}), so I haven't placed the order. "
                       "Remove it and check out again.",
    }
    reply = Reply().say(texts.get(placed.status, "I couldn't price delivery for this order, "
                                                 "so I haven't placed it."))
    if placed.status == "invalid_email":
        reply.set("email", None)
    return reply.set_all(done)
