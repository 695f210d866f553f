"""Order status, cancellation and returns, each behind a form asking for number and email.

Nothing about an order is said until commerce has matched the number *and* the email; an
unknown number and a wrong email get the same reply (:data:`NOT_FOUND`), and both slots are
cleared so the next try starts clean.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.checkout import EmailSlot
from actions.common import off_loop, read_turn
from actions.services import get_commerce
from commerce.money import format_money
from commerce.orders import OrderSummary, ReturnResult, display_number, normalise_order_id
from dialogue.commerce_replies import order_lines_text, order_payload

NOT_FOUND = ("I couldn't find an order with that number and email address. Please check both "
             "(the number is in your confirmation email) and ask again, or say “human” to "
             "reach our team.")
STATUS_WORDS = {
    "pending": "placed and waiting for payment",
    "processing": "paid and being prepared; it hasn't shipped yet",
    "shipped": "on its way",
    "delivered": "delivered",
    "cancelled": "cancelled",
    "refunded": "refunded",
    "closed": "closed",
    "return_requested": "marked for return",
}
today: Callable[[], date] = date.today  # tests replace it


def _forget() -> list[EventType]:
    return [SlotSet("order_id", None), SlotSet("email", None)]


def status_text(order: OrderSummary) -> str:
    state = STATUS_WORDS.get(order.status, order.status)
    return (f"Order {order.number} ({order_lines_text(order)}, "
            f"{format_money(order.total, order.currency)}) is {state}.")


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
        """``order no. 123`` or a bare ``123`` when the NLU found no ``order_id`` entity."""
        if tracker.get_slot("requested_slot") != "order_id" or tracker.get_slot("order_id"):
            return {}
        number = normalise_order_id(read_turn(tracker).message_text().strip().rstrip("?!. "))
        return {"order_id": display_number(number)} if number else {}

    def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: dict[str, Any]) -> dict[str, Any]:
        number = normalise_order_id(str(value or ""))
        if number is None:
            dispatcher.utter_message(text="I couldn't read an order number in that. It's the "
                                          "number in your confirmation email, like 000000123.")
            return {"order_id": None}
        return {"order_id": display_number(number)}

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
        found = await off_loop(get_commerce().order_status, tracker.get_slot("order_id") or "",
                               tracker.get_slot("email") or "")
        if found.order is None:
            dispatcher.utter_message(text=NOT_FOUND)
            return _forget()
        dispatcher.utter_message(text=status_text(found.order),
                                 json_message=order_payload(found.order))
        return []


class ActionCancelOrder(Action):
    """``cancel_order`` after the form: cancel a verified order that has not shipped."""

    def name(self) -> str:
        return "action_cancel_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        result = await off_loop(get_commerce().cancel_order, tracker.get_slot("order_id") or "",
                                tracker.get_slot("email") or "")
        order = result.order
        if order is None:
            dispatcher.utter_message(text=NOT_FOUND)
            return _forget()
        texts = {
            "cancelled": f"Done: order {order.number} is cancelled and won't ship.",
            "already_cancelled": f"Order {order.number} was already cancelled.",
            "not_cancellable": f"Order {order.number} can't be cancelled any more because it is "
                               f"{STATUS_WORDS.get(order.status, order.status)}. Once it "
                               f"arrives you can return it instead.",
        }
        dispatcher.utter_message(text=texts[result.status], json_message=order_payload(order))
        return []


def return_text(result: ReturnResult) -> str:
    """The reply to a return request, quoting the store's return-window sentence."""
    order = result.order
    number = order.number if order else ""
    deadline = f"{result.deadline:%B %-d, %Y}" if result.deadline else ""
    texts = {
        "requested": f"I've recorded a return for order {number}. Send the items back by "
                     f"{deadline}; a refund follows once they arrive.",
        "already_requested": f"A return for order {number} is already recorded.",
        "not_shipped": f"Order {number} hasn't shipped yet, so there is nothing to return; "
                       f"you can cancel it instead (say “cancel my order”).",
        "window_closed": f"The return window for order {number} closed on {deadline}, so I "
                         f"can't start a return here. Our team can look at it: say “human”.",
        "not_returnable": f"Order {number} is "
                          f"{STATUS_WORDS.get(order.status, '') if order else ''}, so it can't "
                          f"be returned.",
    }
    text = texts.get(result.status, NOT_FOUND)
    if result.policy is not None:
        text += f"\nOur {result.policy.page_title} page says: “{result.policy.sentence}”"
    return text


class ActionRequestReturn(Action):
    """``return_or_refund`` after the form: record a return inside the store's window."""

    def name(self) -> str:
        return "action_request_return"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        result = await off_loop(get_commerce().request_return,
                                tracker.get_slot("order_id") or "",
                                tracker.get_slot("email") or "", today())
        if result.order is None:
            dispatcher.utter_message(text=NOT_FOUND)
            return _forget()
        payload = {**order_payload(result.order), "return": {
            "status": result.status,
            "deadline": result.deadline.isoformat() if result.deadline else None,
            "window_days": result.window_days,
            "citation": None if result.policy is None else {
                "source": "policy", "page": result.policy.page_title,
                "heading": result.policy.heading, "text": result.policy.sentence},
        }}
        dispatcher.utter_message(text=return_text(result), json_message=payload)
        return []
