"""Adding to the cart: pick the product, ask for a size and colour it really has, then add it.

Flow (bot/data/rules/commerce.yml): ``add_to_cart`` -> ``action_select_cart_product`` (which
product; "make it 2" changes the quantity of a product already in the cart) ->
``add_to_cart_form`` (asks only for the options the product has, validated against its
variants and stock by ``validate_add_to_cart_form``) -> ``action_add_to_cart``.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn
from actions.services import get_commerce, get_services
from catalog.domain import Product
from commerce.variants import Selection, select_variant
from dialogue.commerce_replies import cart_payload, cart_text, carted_ids, variant_label
from dialogue.pointing import pointed_product

OPTIONS = ("size", "color")
_SET_QUANTITY = re.compile(
    r"\b(?:make\s+(?:it|that|them|those)|change\s+(?:it|that|the\s+quantity)\s+to|"
    r"(?:it|that)\s+should\s+be|set\s+(?:it|the\s+quantity)\s+to)\b", re.IGNORECASE)
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
WHICH_PRODUCT = ("Which product would you like to add? Tell me its name, or search first and "
                 "point at one of the results (for example “add the second one”).")


def parse_quantity(value: Any) -> int | None:
    """``"2"``, ``2.0``, ``"two"`` -> 2; anything else -> ``None``."""
    text = str(value or "").strip().lower()
    if text in _WORD_NUMBERS:
        return _WORD_NUMBERS[text]
    try:
        number = float(text)
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def _offered(product: Product, option: str) -> list[str]:
    return list(dict.fromkeys(getattr(v, option) for v in product.variants if getattr(v, option)))


def _product(tracker: Tracker) -> Product | None:
    product_id = tracker.get_slot("cart_product")
    return get_services().catalog.product(product_id) if product_id else None


def _listing(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(values) if values else "none right now"


class ActionSelectCartProduct(Action):
    """Resolve which product the shopper wants to add; sets ``cart_product`` (``None``: ask)."""

    def name(self) -> str:
        return "action_select_cart_product"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        turn = read_turn(tracker)
        text = turn.message_text()
        product_id = await off_loop(pointed_product, turn, get_services().catalog)
        if product_id is None:
            dispatcher.utter_message(text=turn.noticed(WHICH_PRODUCT))
            return [SlotSet("cart_product", None)]
        quantity = parse_quantity(tracker.get_slot("quantity"))
        if quantity is not None and _SET_QUANTITY.search(text):
            change = await off_loop(get_commerce().change_quantity, tracker.sender_id,
                                    product_id, quantity)
            if change.status == "updated":
                dispatcher.utter_message(text=cart_text(change.cart),
                                         json_message=cart_payload(change.cart))
                return [SlotSet("carted_products", carted_ids(change.cart)),
                        SlotSet("cart_product", None), SlotSet("quantity", None)]
        return [SlotSet("cart_product", product_id), SlotSet("focus_product", product_id)]


class ValidateAddToCartForm(FormValidationAction):
    """Ask only for the options the product has; check them against its variants and stock."""

    def name(self) -> str:
        return "validate_add_to_cart_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: dict[str, Any]) -> list[str]:
        product = _product(tracker)
        if product is None:
            return []
        return [slot for slot in domain_slots if slot not in OPTIONS or _offered(product, slot)]

    def _check(self, option: str, value: Any, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> dict[str, Any]:
        product = _product(tracker)
        if product is None:
            return {option: None}
        offered = _offered(product, option)
        match = next((o for o in offered if o.lower() == str(value or "").strip().lower()), None)
        if match is None:
            other = "color" if option == "size" else "size"
            sel = select_variant(get_services().catalog, product.id,
                                 **{other: tracker.get_slot(other)})
            stocked = sel.sizes if option == "size" else sel.colors
            word = "colour" if option == "color" else "size"
            dispatcher.utter_message(text=f"The {product.name} doesn't come in {word} {value}. "
                                          f"In stock: {_listing(stocked)}.")
        return {option: match}

    def validate_size(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> dict[str, Any]:
        return self._check("size", value, dispatcher, tracker)

    def validate_color(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: dict[str, Any]) -> dict[str, Any]:
        return self._check("color", value, dispatcher, tracker)

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> list[EventType]:
        """Each option on its own, then the chosen combination against stock."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        product = _product(tracker)
        if product is None or not events:
            return events
        needed = [o for o in OPTIONS if _offered(product, o)]
        chosen = {o: tracker.get_slot(o) for o in OPTIONS}
        if not needed or any(chosen[o] is None for o in needed):
            return events
        sel = select_variant(get_services().catalog, product.id, chosen["size"], chosen["color"])
        if sel.status not in ("out_of_stock", "unknown_option"):
            return events
        dispatcher.utter_message(text=_unavailable_text(product, chosen, sel))
        reset = ["color"] if "color" in needed else ["size"]
        if "size" in needed and "color" in needed and not select_variant(
                get_services().catalog, product.id, chosen["size"]).colors:
            reset.append("size")
        for option in reset:
            tracker.slots[option] = None
        return [e for e in events if e.get("name") not in reset] + [
            SlotSet(option, None) for option in reset]


def _unavailable_text(product: Product, chosen: dict[str, Any], sel: Selection) -> str:
    label = variant_label(chosen["size"], chosen["color"]).strip(" ()")
    options = [variant_label(a.size, a.color).strip(" ()") for a in sel.alternatives[:5]]
    state = "is out of stock" if sel.status == "out_of_stock" else "isn't made"
    alternatives = f" In stock instead: {'; '.join(options)}." if options else (
        " No other variant is in stock right now.")
    return f"Sorry, the {product.name} in {label} {state}.{alternatives}"


class ActionAskAddToCartFormSize(Action):
    """Ask for a size (or, in the subclass, a colour), listing the in-stock choices."""

    option = "size"

    def name(self) -> str:
        return f"action_ask_add_to_cart_form_{self.option}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        product = _product(tracker)
        other = "color" if self.option == "size" else "size"
        sel = select_variant(get_services().catalog, product.id if product else "",
                             **{other: tracker.get_slot(other)})
        stocked = sel.sizes if self.option == "size" else sel.colors
        word = "colour" if self.option == "color" else "size"
        name = product.name if product else "it"
        dispatcher.utter_message(
            text=f"Which {word} would you like the {name} in? In stock: {_listing(stocked)}.",
            buttons=[{"title": value, "payload": f'/add_to_cart{{"{self.option}": "{value}"}}'}
                     for value in stocked])
        return []


class ActionAskAddToCartFormColor(ActionAskAddToCartFormSize):
    option = "color"


class ActionAddToCart(Action):
    """Add the chosen product and variant; reply with the cart."""

    def name(self) -> str:
        return "action_add_to_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        quantity = parse_quantity(tracker.get_slot("quantity")) or 1
        result = await off_loop(get_commerce().add_to_cart, tracker.sender_id,
                                tracker.get_slot("cart_product") or "", tracker.get_slot("size"),
                                tracker.get_slot("color"), quantity)
        events: list[EventType] = [SlotSet("cart_product", None), SlotSet("quantity", None)]
        if result.status == "added" and result.cart is not None and result.line is not None:
            line = result.line
            dispatcher.utter_message(
                text=f"Added {quantity} × {result.product_name}"
                     f"{variant_label(line.size, line.color)} to your cart.\n"
                     f"{cart_text(result.cart)}",
                json_message=cart_payload(result.cart))
            return [SlotSet("carted_products", carted_ids(result.cart)), *events]
        dispatcher.utter_message(text=_failure_text(result.status, result.product_name,
                                                    result.available, result.sizes,
                                                    result.colors))
        return events


def _failure_text(status: str, name: str, available: int | None, sizes: tuple[str, ...],
                  colors: tuple[str, ...]) -> str:
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
    return texts.get(status, f"I couldn't add the {name}: choose a size ({_listing(sizes)}) "
                             f"and a colour ({_listing(colors)}).")
