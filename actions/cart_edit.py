"""Looking at and changing the cart: view it, remove or reduce a line, list the promotions."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cart import parse_quantity
from actions.common import off_loop, read_turn
from actions.services import get_commerce
from commerce.pricing import CartLine, CartView
from commerce.promotions import Promotion
from commerce.results import CartChange
from dialogue.commerce_replies import cart_payload, cart_text, carted_ids
from dialogue.references import ordinal_index

_EVERYTHING = re.compile(r"\b(?:everything|all|empty|clear|wipe|start\b.*\bover)\b", re.IGNORECASE)
_SET_TO = re.compile(r"\b(?:to|keep|only)\s+(?:\w+\s+)?\d+\b|\bto\s+(?:one|two|three)\b",
                     re.IGNORECASE)
_POINTER = re.compile(r"\b(?:it|that|this|this one|that one)\b", re.IGNORECASE)


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


class ActionViewCart(Action):
    """``view_cart``: the priced cart (same payload as after adding)."""

    def name(self) -> str:
        return "action_view_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        cart = await off_loop(get_commerce().view_cart, tracker.sender_id)
        text = cart_text(cart) if not cart.is_empty else (
            "Your cart is empty. Search for something and say “add the first one” to fill it.")
        dispatcher.utter_message(text=text, json_message=cart_payload(cart))
        return [SlotSet("carted_products", carted_ids(cart))]


class ActionRemoveFromCart(Action):
    """``remove_from_cart``: remove a line, reduce it ("remove one of them", "reduce to 1"),
    or empty the cart ("clear my cart")."""

    def name(self) -> str:
        return "action_remove_from_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        commerce = get_commerce()
        turn = read_turn(tracker)
        text, entities = turn.message_text(), turn.entity_values()
        cart = await off_loop(commerce.view_cart, tracker.sender_id)
        events: list[EventType] = [SlotSet("quantity", None)]
        if cart.is_empty:
            dispatcher.utter_message(text="Your cart is already empty.",
                                     json_message=cart_payload(cart))
            return [SlotSet("carted_products", []), *events]
        item = which_line(text, entities, cart, tracker.get_slot("focus_product"))
        if item is None and _EVERYTHING.search(text):
            for line in cart.lines:
                cart = (await off_loop(commerce.remove_from_cart, tracker.sender_id,
                                       line.sku)).cart
            dispatcher.utter_message(text="I've emptied your cart.", json_message=cart_payload(cart))
            return [SlotSet("carted_products", []), *events]
        if item is None:
            dispatcher.utter_message(text=f"Which item should I remove? {cart_text(cart)}",
                                     json_message=cart_payload(cart))
            return events
        quantity = parse_quantity(tracker.get_slot("quantity"))
        if quantity is None:
            change = await off_loop(commerce.remove_from_cart, tracker.sender_id, item)
        else:
            line = _line(cart, item)
            left = quantity if _SET_TO.search(text) or line is None else line.quantity - quantity
            change = await off_loop(commerce.change_quantity, tracker.sender_id, item, max(left, 0))
        dispatcher.utter_message(text=f"{change_text(change)}\n{cart_text(change.cart)}",
                                 json_message=cart_payload(change.cart))
        return [SlotSet("carted_products", carted_ids(change.cart)), *events]


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


class ActionListPromotions(Action):
    """``ask_promotions``: the store's active cart price rules and what each needs."""

    def name(self) -> str:
        return "action_list_promotions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        # The promotions are the service's loaded rules (CommerceService.rules).
        rules = getattr(getattr(get_commerce(), "rules", None), "promotions", ())
        if not rules:
            dispatcher.utter_message(text="There are no promotions running right now.")
            return []
        lines = "\n".join(promotion_text(rule) for rule in rules)
        dispatcher.utter_message(
            text=f"Current promotions:\n{lines}",
            json_message={"type": "promotions", "promotions": [
                {"name": r.name, "description": r.description, "coupon_code": r.coupon_code,
                 "free_shipping": r.free_shipping} for r in rules]})
        return []
