"""Checkout: quote the cart, ask for the email and a yes/no, then place the order.

Flow (bot/data/rules/commerce.yml): ``checkout`` -> ``action_quote_order`` (sets
``checkout_ready``: false for an empty cart) -> ``checkout_form`` (``email``,
``order_confirmed``) -> ``action_place_order``. The assistant takes no payment; it says so.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn
from actions.services import get_commerce
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

EMAIL = re.compile(r"[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}")
EMPTY_CART = ("Your cart is empty, so there is nothing to check out yet. Find something you "
              "like and say “add it to my cart”.")


def find_email(text: str) -> str | None:
    """The first email address in ``text`` (normalised), or ``None``."""
    match = EMAIL.search(text or "")
    return normalise_email(match.group(0).rstrip(".")) if match else None


class ActionQuoteOrder(Action):
    """``checkout``: what the order would cost (shipping, promotions) — or an empty-cart note."""

    def name(self) -> str:
        return "action_quote_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        quote = await off_loop(get_commerce().quote, tracker.sender_id)
        if quote.status == "empty_cart":
            dispatcher.utter_message(text=EMPTY_CART, json_message=cart_payload(quote.cart))
            return [SlotSet("checkout_ready", False)]
        if quote.status != "ok":
            dispatcher.utter_message(
                text="I can't price delivery to your address with standard shipping, so I can't "
                     "place this order here. Our team can help: just say “human”.",
                json_message=quote_payload(quote.cart))
            return [SlotSet("checkout_ready", False)]
        dispatcher.utter_message(
            text=f"Here is your order before I place it:\n{cart_text(quote.cart)}\n{PAYMENT_TEXT}",
            json_message=quote_payload(quote.cart))
        return [SlotSet("checkout_ready", True), SlotSet("order_confirmed", None)]


class EmailSlot:
    """Form validation of an ``email`` slot: a bare address in any message counts, and a value
    that is not an address is refused with the form's ``email_question``."""

    email_question = "Which email address?"

    async def extract_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: dict[str, Any]) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "email" or tracker.get_slot("email"):
            return {}
        found = find_email(read_turn(tracker).message_text())
        return {"email": found} if found else {}

    async def validate_email(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        """A valid address is handed to commerce, and the slot keeps what commerce returns (a
        keyed hash), because the stored conversation is redacted (bot/tracker_store.py)."""
        if is_email_token(value):
            return {"email": value}
        found = find_email(str(value or ""))
        if found is None:
            dispatcher.utter_message(
                text=f"That doesn't look like an email address. {self.email_question}")
            return {"email": None}
        return {"email": await off_loop(get_commerce().remember_email, tracker.sender_id, found)}


class ValidateCheckoutForm(EmailSlot, FormValidationAction):
    """The email must look like an address; a bare address in any message counts."""

    def name(self) -> str:
        return "validate_checkout_form"

    email_question = "Which address should the order confirmation go to?"


class ActionPlaceOrder(Action):
    """After the form: place the order on "yes", keep the cart on "no"."""

    def name(self) -> str:
        return "action_place_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        done: list[EventType] = [SlotSet("order_confirmed", None), SlotSet("checkout_ready", None)]
        if tracker.get_slot("order_confirmed") is not True:
            dispatcher.utter_message(text="Okay, I haven't placed the order. Everything is still "
                                          "in your cart; say “checkout” when you're ready.")
            return done
        placed = await off_loop(get_commerce().place_order, tracker.sender_id,
                                tracker.get_slot("email") or "")
        if placed.status == "placed" and placed.order is not None:
            order = placed.order
            dispatcher.utter_message(
                text=f"Your order number is {order.number}: {order_lines_text(order)}, "
                     f"{format_money(order.total, order.currency)} in total. {PAYMENT_TEXT} "
                     f"Keep the number: with your email it lets you check, cancel or return "
                     f"the order here.",
                json_message=order_payload(order))
            return [SlotSet("carted_products", []), SlotSet("order_id", order.number), *done]
        texts = {
            "empty_cart": EMPTY_CART,
            "invalid_email": "That email address doesn't look valid, so I haven't placed the "
                             "order. Say “checkout” to try again with another address.",
            "unavailable": "Something in your cart has just gone out of stock ("
                           f"{', '.join(placed.unavailable)}), so I haven't placed the order. "
                           "Remove it and check out again.",
        }
        dispatcher.utter_message(text=texts.get(placed.status, "I couldn't price delivery for "
                                                "this order, so I haven't placed it."))
        events = [SlotSet("email", None)] if placed.status == "invalid_email" else []
        return [*events, *done]
