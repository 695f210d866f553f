"""Order status, cancellation and returns, each behind a form asking for number and email.

Nothing about an order is said until commerce has matched the number *and* the email; an
unknown number and a wrong email get the same reply (:data:`NOT_FOUND`), and both slots are
cleared so the next try starts clean.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from commerce.money import format_money
from commerce.orders import OrderSummary, ReturnResult, display_number, normalise_order_id
from dialogue.commerce_replies import order_lines_text, order_model, order_payload
from dialogue.payloads import ReturnCitation, ReturnDetail
from dialogue.reply import Reply
from dialogue.turn import Turn

if TYPE_CHECKING:
    from commerce.service import Commerce

NOT_FOUND = ("I couldn't find an order with that number and email address. Please check both "
             "(the number is in your confirmation email) and ask again, or say “human” to "
             "reach our team.")
UNREADABLE_NUMBER = ("I couldn't read an order number in that. It's the number in your "
                     "confirmation email, like 000000123.")
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


def not_found() -> Reply:
    """The one reply for an unknown number or a wrong email; both slots are forgotten."""
    return Reply().say(NOT_FOUND).set("order_id", None).set("email", None)


def status_text(order: OrderSummary) -> str:
    state = STATUS_WORDS.get(order.status, order.status)
    return (f"Order {order.number} ({order_lines_text(order)}, "
            f"{format_money(order.total, order.currency)}) is {state}.")


def order_id_in_message(turn: Turn) -> Reply:
    """``order no. 123`` or a bare ``123`` when the NLU found no ``order_id`` entity."""
    if turn.slot("requested_slot") != "order_id" or turn.slot("order_id"):
        return Reply()
    number = normalise_order_id(turn.message_text().strip().rstrip("?!. "))
    return Reply().set("order_id", display_number(number)) if number else Reply()


def order_id_answer(value: Any) -> Reply:
    """An order number in any shape commerce understands, shown the store's way."""
    number = normalise_order_id(str(value or ""))
    if number is None:
        return Reply().say(UNREADABLE_NUMBER).set("order_id", None)
    return Reply().set("order_id", display_number(number))


def check_order_status(turn: Turn, commerce: Commerce) -> Reply:
    """``order_status`` after the form: where the verified order is."""
    found = commerce.order_status(turn.slot("order_id") or "", turn.slot("email") or "")
    if found.order is None:
        return not_found()
    return Reply().say(status_text(found.order), order_payload(found.order))


def cancel_order(turn: Turn, commerce: Commerce) -> Reply:
    """``cancel_order`` after the form: cancel a verified order that has not shipped."""
    result = commerce.cancel_order(turn.slot("order_id") or "", turn.slot("email") or "")
    order = result.order
    if order is None:
        return not_found()
    texts = {
        "cancelled": f"Done: order {order.number} is cancelled and won't ship.",
        "already_cancelled": f"Order {order.number} was already cancelled.",
        "not_cancellable": f"Order {order.number} can't be cancelled any more because it is "
                           f"{STATUS_WORDS.get(order.status, order.status)}. Once it "
                           f"arrives you can return it instead.",
    }
    return Reply().say(texts[result.status], order_payload(order))


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


def return_payload(order: OrderSummary, result: ReturnResult) -> dict[str, Any]:
    """The order payload with the return's status, deadline and the policy sentence cited
    (:class:`OrderPayload` carrying a :class:`ReturnDetail`)."""
    policy = result.policy
    return order_model(order, ReturnDetail(
        status=result.status,
        deadline=result.deadline.isoformat() if result.deadline else None,
        window_days=result.window_days,
        citation=None if policy is None else ReturnCitation(
            source="policy", page=policy.page_title, heading=policy.heading,
            text=policy.sentence),
    )).to_payload()


def request_return(turn: Turn, commerce: Commerce, today: date) -> Reply:
    """``return_or_refund`` after the form: record a return inside the store's window."""
    result = commerce.request_return(turn.slot("order_id") or "", turn.slot("email") or "",
                                     today)
    if result.order is None:
        return not_found()
    return Reply().say(return_text(result), return_payload(result.order, result))
