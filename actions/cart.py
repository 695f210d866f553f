"""Adding to the cart (the turn logic is ``dialogue.cart`` and ``dialogue.cart_form``).

Flow (bot/data/rules/commerce.yml): ``add_to_cart`` -> ``action_select_cart_product`` ->
``add_to_cart_form`` (validated by ``validate_add_to_cart_form``) -> ``action_add_to_cart``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn, send, slot_values
from actions.services import get_commerce, get_services
from dialogue.cart import add_to_cart, select_cart_product
from dialogue.cart_form import ask_option, check_combination, option_answer, required_options


class ActionSelectCartProduct(Action):
    """Resolve which product the shopper wants to add; sets ``cart_product`` (``None``: ask)."""

    def name(self) -> str:
        return "action_select_cart_product"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        reply = await off_loop(select_cart_product, read_turn(tracker), get_services().catalog,
                               get_commerce())
        return send(dispatcher, reply)


class ValidateAddToCartForm(FormValidationAction):
    """Ask only for the options the product has; check them against its variants and stock."""

    def name(self) -> str:
        return "validate_add_to_cart_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: dict[str, Any]) -> list[str]:
        return required_options(read_turn(tracker), get_services().catalog, domain_slots)

    def validate_size(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> dict[str, Any]:
        reply = option_answer(read_turn(tracker), get_services().catalog, "size", value)
        send(dispatcher, reply)
        return slot_values(reply)

    def validate_color(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: dict[str, Any]) -> dict[str, Any]:
        reply = option_answer(read_turn(tracker), get_services().catalog, "color", value)
        send(dispatcher, reply)
        return slot_values(reply)

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict[str, Any]) -> list[EventType]:
        """Each option on its own, then the chosen combination against stock."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if not events:
            return events
        reply = check_combination(read_turn(tracker), get_services().catalog)
        reset = slot_values(reply)
        tracker.slots.update(reset)
        return [e for e in events if e.get("name") not in reset] + send(dispatcher, reply)


class ActionAskAddToCartFormSize(Action):
    """Ask for a size (or, in the subclass, a colour), listing the in-stock choices."""

    option = "size"

    def name(self) -> str:
        return f"action_ask_add_to_cart_form_{self.option}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return send(dispatcher, ask_option(read_turn(tracker), get_services().catalog,
                                           self.option))


class ActionAskAddToCartFormColor(ActionAskAddToCartFormSize):
    option = "color"


class ActionAddToCart(Action):
    """Add the chosen product and variant; reply with the cart."""

    def name(self) -> str:
        return "action_add_to_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return send(dispatcher, await off_loop(add_to_cart, read_turn(tracker), get_commerce()))
