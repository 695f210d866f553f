"""Checkout (the turn logic is ``dialogue.checkout``).

Flow (bot/data/rules/commerce.yml): ``checkout`` -> ``action_quote_order`` -> ``checkout_form``
(``email``, ``order_confirmed``) -> ``action_place_order``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn, send, slot_values
from actions.services import get_commerce
from dialogue.checkout import email_answer, email_in_message, place_order, quote_order


class ActionQuoteOrder(Action):
    """``checkout``: what the order would cost (shipping, promotions) — or an empty-cart note."""

    def name(self) -> str:
        return "action_quote_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return send(dispatcher, await off_loop(quote_order, read_turn(tracker), get_commerce()))


class EmailSlot:
    """Form validation of an ``email`` slot: a bare address in any message counts, and a value
    that is not an address is refused with the form's ``email_question``."""

    email_question = "Which email address?"

    async def extract_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: dict[str, Any]) -> dict[str, Any]:
        return slot_values(email_in_message(read_turn(tracker)))

    async def validate_email(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        """The slot keeps commerce's keyed hash of the address (see ``dialogue.checkout``)."""
        reply = await off_loop(email_answer, read_turn(tracker), get_commerce(), value,
                               self.email_question)
        send(dispatcher, reply)
        return slot_values(reply)


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
        return send(dispatcher, await off_loop(place_order, read_turn(tracker), get_commerce()))
