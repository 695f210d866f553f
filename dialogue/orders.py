"""Order status, cancellation and returns, each behind a form asking for number and email.

Nothing about an order is said until commerce has matched the number *and* the email; an
unknown number and a wrong email get the same reply (:data:`NOT_FOUND`), and both slots are
cleared so the next try starts clean. Commerce counts every check, however the slots were
filled; past its limits it answers ``locked`` and the shopper is told (:data:`LOCKED`).

Cancel and return change nothing at first: they ask "yes / no" about the verified order and
keep the question in the ``order_change`` slot (``cancel 000000001``; every run of theirs sets
it, to ``None`` when nothing was asked). Only the very next message answers it (the yes/no
rules start with the asking action, and the action passes ``just_asked``), and
:func:`confirm_order_change` acts on the order the question named, checking again.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from commerce.money import format_money
from commerce.orders import (
    CancelResult,
    OrderSummary,
    ReturnResult,
    display_number,
    normalise_order_id,
)
from dialogue.commerce_replies import order_lines_text, order_model, order_payload
from dialogue.payloads import ReturnCitation, ReturnDetail
from dialogue.reply import Reply
from dialogue.turn import Turn

if TYPE_CHECKING:
    from commerce.service import Commerce

NOT_FOUND = ("I couldn't find an order with that number and email address. Please check both "
             "(the number is in your confirmation email) and ask again, or say “human” to "
             "reach our team.")
LOCKED = ("For your security I can't check orders here right now: there have been too many "
          "tries with an order number and email that don't match. Please try again later, or "
          "say “human” to ask someone on our team.")
NOTHING_PENDING = ("There's no order change waiting for a yes or no. To cancel or return an "
                   "order, say “cancel my order” or “return my order”.")
YES_NO = {
    "cancel": [{"title": "Yes, cancel it", "payload": "/affirm"},
               {"title": "No, keep it", "payload": "/deny"}],
    "return": [{"title": "Yes, start the return", "payload": "/affirm"},
               {"title": "No, keep it", "payload": "/deny"}],
}
#: The question answered (or dropped): both slots forgotten.
ANSWERED = [("order_change", None)]
KEPT = {"cancel": "Okay, I haven't cancelled order {}.",
        "return": "Okay, I haven't started a return for order {}."}
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


def locked() -> Reply:
    """Too many failed checks: say so (never whether the order exists) and forget the slots."""
    return Reply().say(LOCKED).set("order_id", None).set("email", None).set_all(ANSWERED)


def size_text(order: OrderSummary) -> str:
    """``2 items, $54.00``."""
    count = sum(line.quantity for line in order.lines)
    return (f"{count} item{'' if count == 1 else 's'}, "
            f"{format_money(order.total, order.currency)}")


def ask_change(kind: str, order: OrderSummary, question: str) -> Reply:
    """Ask yes / no about changing ``order``; the question waits in ``order_change``.

    A relaxation offered earlier is dropped: the yes or no now answers this question.
    """
    return (Reply().say(question, order_payload(order), YES_NO[kind])
            .set("pending_relaxation", None).set("order_change", f"{kind} {order.number}"))


def pending_change(value: Any) -> tuple[str, str] | None:
    """``("cancel", "000000001")`` from the ``order_change`` slot; ``None`` if none or unreadable."""
    kind, _, number = str(value or "").partition(" ")
    found = normalise_order_id(number) if kind in YES_NO else None
    return (kind, display_number(found)) if found else None


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
    found = commerce.order_status(turn.slot("order_id") or "", turn.slot("email") or "",
                                  turn.sender_id)
    if found.status == "locked":
        return locked()
    if found.order is None:
        return not_found()
    return Reply().say(status_text(found.order), order_payload(found.order))


def cancel_text(result: CancelResult) -> str:
    """The reply to a cancellation, done or refused."""
    order = result.order
    number = order.number if order else ""
    texts = {
        "cancelled": f"Done: order {number} is cancelled and won't ship.",
        "already_cancelled": f"Order {number} was already cancelled.",
        "not_cancellable": f"Order {number} can't be cancelled any more because it is "
                           f"{STATUS_WORDS.get(order.status, order.status) if order else ''}. "
                           f"Once it arrives you can return it instead.",
    }
    return texts.get(result.status, NOT_FOUND)


def cancel_order(turn: Turn, commerce: Commerce) -> Reply:
    """``cancel_order`` after the form: ask before cancelling a verified, unshipped order."""
    result = commerce.cancel_order(turn.slot("order_id") or "", turn.slot("email") or "",
                                   turn.sender_id, confirmed=False)
    order = result.order
    if result.status == "locked":
        return locked()
    if order is None:
        return not_found().set_all(ANSWERED)
    if result.status == "cancellable":
        return ask_change("cancel", order, f"Cancel order {order.number} ({size_text(order)})? "
                                           f"yes / no")
    return Reply().say(cancel_text(result), order_payload(order)).set_all(ANSWERED)


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
    """``return_or_refund`` after the form: ask before recording a return inside the window."""
    result = commerce.request_return(turn.slot("order_id") or "", turn.slot("email") or "",
                                     today, turn.sender_id, confirmed=False)
    if result.status == "locked":
        return locked()
    if result.order is None:
        return not_found().set_all(ANSWERED)
    if result.status == "returnable":
        deadline = f"{result.deadline:%B %-d, %Y}" if result.deadline else ""
        return ask_change("return", result.order,
                          f"Start a return for order {result.order.number} "
                          f"({size_text(result.order)})? You'd send the items back by "
                          f"{deadline}. yes / no")
    return (Reply().say(return_text(result), return_payload(result.order, result))
            .set_all(ANSWERED))


def confirm_order_change(turn: Turn, commerce: Commerce, today: date,
                         just_asked: bool) -> Reply:
    """The yes or no to :func:`ask_change`: on yes, change the order the question named (its
    owner checked again), whatever ``order_id`` says now; on no, change nothing.

    ``just_asked``: the bot's last action before this message was the question (else the
    question has expired and nothing is changed).
    """
    pending = pending_change(turn.slot("order_change"))
    if pending is None or not just_asked:
        return Reply().say(NOTHING_PENDING).set_all(ANSWERED)
    kind, number = pending
    if turn.intent != "affirm":
        return Reply().say(KEPT[kind].format(number)).set_all(ANSWERED)
    email = turn.slot("email") or ""
    if kind == "cancel":
        cancelled = commerce.cancel_order(number, email, turn.sender_id, confirmed=True)
        if cancelled.status == "locked":
            return locked()
        if cancelled.order is None:
            return not_found().set_all(ANSWERED)
        return (Reply().say(cancel_text(cancelled), order_payload(cancelled.order))
                .set_all(ANSWERED))
    returned = commerce.request_return(number, email, today, turn.sender_id, confirmed=True)
    if returned.status == "locked":
        return locked()
    if returned.order is None:
        return not_found().set_all(ANSWERED)
    return (Reply().say(return_text(returned), return_payload(returned.order, returned))
            .set_all(ANSWERED))
