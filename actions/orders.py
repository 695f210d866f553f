"""Order status, cancellation and returns (the turn logic is ``dialogue.orders``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.checkout import EmailSlot
from actions.common import off_loop, read_turn, send, slot_values
from actions.services import get_commerce
from dialogue.orders import (
    NOT_FOUND,
    cancel_order,
    check_order_status,
    confirm_order_change,
    order_id_answer,
    order_id_in_message,
    request_return,
)

__all__ = ["NOT_FOUND"]
today: Callable[[], date] = date.today  # tests replace it


class ValidateOrderStatusForm(EmailSlot, FormValidationAction):
    """Order number in any shape commerce understands; an email-shaped email.

    The cancel and return forms ask for the same two slots (subclasses below).
    """

    email_question = "Which address was the order placed with?"

    form = "order_status_form"

    def name(self) -> str:
        return f"validate_{self.form}"

    async def extract_order_id(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: dict[str, Any]) -> dict[str, Any]:
        return slot_values(order_id_in_message(read_turn(tracker)))

    def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: dict[str, Any]) -> dict[str, Any]:
        reply = order_id_answer(value)
        send(dispatcher, reply)
        return slot_values(reply)


class ValidateCancelOrderForm(ValidateOrderStatusForm):
    form = "cancel_order_form"


class ValidateReturnForm(ValidateOrderStatusForm):
    form = "return_form"


class ActionCheckOrderStatus(Action):
    """``order_status`` after the form: where the verified order is."""

    def name(self) -> str:
        return "action_check_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        reply = await off_loop(check_order_status, read_turn(tracker), get_commerce())
        return send(dispatcher, reply)


class ActionCancelOrder(Action):
    """``cancel_order`` after the form: ask yes / no about a verified, unshipped order."""

    def name(self) -> str:
        return "action_cancel_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return send(dispatcher, await off_loop(cancel_order, read_turn(tracker), get_commerce()))


class ActionRequestReturn(Action):
    """``return_or_refund`` after the form: ask yes / no about a return inside the window."""

    def name(self) -> str:
        return "action_request_return"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        reply = await off_loop(request_return, read_turn(tracker), get_commerce(), today())
        return send(dispatcher, reply)


ASKING_ACTIONS = ("action_cancel_order", "action_request_return")
#: Actions Rasa runs between a bot's turn and the next (not an answer of the bot's).
_PLUMBING = {"action_listen", "action_extract_slots", "action_session_start"}


def just_asked(tracker: Tracker) -> bool:
    """True when the bot's last action before the latest message asked the cancel / return
    question: only the very next message answers it."""
    seen_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_message:
                return False
            seen_message = True
        elif seen_message and event.get("event") == "action" and \
                event.get("name") not in _PLUMBING:
            return event.get("name") in ASKING_ACTIONS
    return False


class ActionConfirmOrderChange(Action):
    """The yes or no to the cancel / return question: change that order, or nothing."""

    def name(self) -> str:
        return "action_confirm_order_change"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        reply = await off_loop(confirm_order_change, read_turn(tracker), get_commerce(), today(),
                               just_asked(tracker))
        return send(dispatcher, reply)
