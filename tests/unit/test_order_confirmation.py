"""Cancel and return ask "yes / no" before anything changes, the answer applies only to the
order asked about, and a locked-out shopper is told so (issue 17). The crafted-message tests
run the Rasa actions against a real :class:`CommerceService` on a SQLite file."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import services as action_services
from actions.orders import (
    ActionCancelOrder,
    ActionCheckOrderStatus,
    ActionConfirmOrderChange,
    ActionRequestReturn,
)
from commerce.orders import CancelResult, OrderLookup, ReturnResult
from commerce.policy import StorePolicy
from commerce.pricing import StoreRules
from commerce.schema import commerce_engine
from commerce.service import CommerceService
from commerce.shipping import ShippingTable, TableRate
from commerce.verification import VerificationLimits
from dialogue.orders import LOCKED
from tests.unit.test_commerce_actions import ORDER, FakeCommerce, run, shop, tracker
from tests.unit.test_commerce_service import NOW, QUOTE, _catalog

__all__ = ["shop"]  # the fixture, imported to be used here
SLOTS = {"order_id": "000000001", "email": "a@b.co"}
ANSWERED = [SlotSet("order_change", None)]
YES_NO = [{"title": "Yes, cancel it", "payload": "/affirm"},
          {"title": "No, keep it", "payload": "/deny"}]


def answer(text: str, intent: str, slots: dict[str, Any],
           asked_by: str | None = "action_cancel_order") -> Tracker:
    """The shopper's next message after the bot's action ``asked_by`` (as Rasa logs it)."""
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    before = [{"event": "user", "text": "earlier", "parse_data": {}}]
    if asked_by:
        before += [{"event": "action", "name": asked_by}, {"event": "bot", "text": "?"}]
    events = [*before, {"event": "action", "name": "action_listen"},
              {"event": "user", "text": text, "parse_data": message},
              {"event": "action", "name": "action_extract_slots"}]
    return Tracker("shopper", slots, message, events, False, None, {}, "action_listen")


def test_cancel_asks_first_and_changes_nothing(shop: FakeCommerce) -> None:
    messages, events = run(ActionCancelOrder(), tracker("x", "cancel_order", SLOTS))
    assert shop.calls == [("cancel_order", "000000001", "a@b.co", "shopper", False)]
    assert messages[0]["text"] == "Cancel order 000000001 (1 item, $34.00)? yes / no"
    assert messages[0]["buttons"] == YES_NO
    assert messages[0]["custom"]["number"] == "000000001"
    assert events == [SlotSet("pending_relaxation", None),
                      SlotSet("order_change", "cancel 000000001")]


def test_yes_cancels_the_order_asked_about_and_no_other(shop: FakeCommerce) -> None:
    # The order_id slot changed since the question (a crafted "/affirm{"order_id": ...}"):
    # the yes still applies only to the order the question named.
    slots = {**SLOTS, "order_id": "000000777", "order_change": "cancel 000000001"}
    messages, events = run(ActionConfirmOrderChange(), answer("yes", "affirm", slots))
    assert shop.calls == [("cancel_order", "000000001", "a@b.co", "shopper", True)]
    assert messages[0]["text"] == "Done: order 000000001 is cancelled and won't ship."
    assert events == ANSWERED


def test_no_changes_nothing(shop: FakeCommerce) -> None:
    for change, text in (("cancel 000000001", "Okay, I haven't cancelled order 000000001."),
                         ("return 000000001", "Okay, I haven't started a return for order "
                                              "000000001.")):
        asked_by = "action_cancel_order" if change.startswith("cancel") else \
            "action_request_return"
        messages, events = run(ActionConfirmOrderChange(), answer(
            "no", "deny", {**SLOTS, "order_change": change}, asked_by))
        assert shop.calls == []
        assert messages[0]["text"] == text
        assert events == ANSWERED


def test_yes_with_no_question_pending_changes_nothing(shop: FakeCommerce) -> None:
    cases = [(None, "action_cancel_order"), ("", "action_cancel_order"),
             ("cancel", "action_cancel_order"), ("explode 000000001", "action_cancel_order"),
             ("cancel abc", "action_cancel_order"),
             # The question expired: another answer came between it and this yes.
             ("cancel 000000001", "action_answer_policy"), ("cancel 000000001", None)]
    for pending, asked_by in cases:
        messages, events = run(ActionConfirmOrderChange(), answer(
            "yes", "affirm", {**SLOTS, "order_change": pending}, asked_by))
        assert shop.calls == []
        assert messages[0]["text"].startswith("There's no order change waiting for a yes")
        assert events == ANSWERED


def test_a_shopper_past_the_limit_is_told_and_nothing_is_said_about_the_order(
        shop: FakeCommerce) -> None:
    shop.lookup, shop.cancel = OrderLookup("locked"), CancelResult("locked")
    shop.returned = ReturnResult("locked")
    for action, intent in ((ActionCheckOrderStatus(), "order_status"),
                           (ActionCancelOrder(), "cancel_order"),
                           (ActionRequestReturn(), "return_or_refund")):
        messages, events = run(action, tracker("x", intent, SLOTS))
        assert [m["text"] for m in messages] == [LOCKED]
        assert all(not m["custom"] for m in messages)
        assert events == [SlotSet("order_id", None), SlotSet("email", None), *ANSWERED]
    assert "try again later" in LOCKED and "human" in LOCKED
    messages, _ = run(ActionConfirmOrderChange(), answer(
        "yes", "affirm", {**SLOTS, "order_change": "cancel 000000001"}))
    assert [m["text"] for m in messages] == [LOCKED]


def test_return_outside_the_window_is_said_without_a_question(shop: FakeCommerce) -> None:
    shop.returned = ReturnResult("window_closed", ORDER, date(2024, 5, 31), 30, QUOTE)
    messages, events = run(ActionRequestReturn(), tracker("x", "return_or_refund", SLOTS))
    assert messages[0]["text"].startswith("The return window for order 000000001 closed on")
    assert not messages[0]["buttons"] and events == ANSWERED


# -- a real shop: crafted messages --------------------------------------------------------
@pytest.fixture()
def real_shop(tmp_path: Path) -> CommerceService:
    rates = (TableRate("US", "*", "*", Decimal("0"), Decimal("15.00")),)
    rules = StoreRules(ShippingTable(rates), (), StorePolicy(30, QUOTE))
    service = CommerceService(
        commerce_engine(f"sqlite:///{tmp_path / 'shop.sqlite'}"), _catalog(), rules,
        clock=lambda: NOW, pii_secret="secret",
        limits=VerificationLimits(5, timedelta(minutes=15)))
    action_services.set_commerce(service)
    yield service
    action_services.set_commerce(None)


def _crafted(sender: str, number: str, email: str) -> tuple[list, list]:
    """One message ``/cancel_order{"order_id": ..., "email": ...}`` with the slots it fills."""
    text = f'/cancel_order{{"order_id": "{number}", "email": "{email}"}}'
    track = tracker(text, "cancel_order", {"order_id": number, "email": email},
                    entities=[{"entity": "order_id", "value": number},
                              {"entity": "email", "value": email}])
    track.sender_id = sender
    return run(ActionCancelOrder(), track)


def test_one_crafted_cancel_message_cancels_nothing(real_shop: CommerceService) -> None:
    real_shop.add_to_cart("buyer", "24-MB01")
    number = real_shop.place_order("buyer", "ann@example.com").order.number  # type: ignore[union-attr]
    messages, events = _crafted("attacker", number, "ann@example.com")
    assert messages[0]["text"].startswith(f"Cancel order {number} (1 item, $")
    assert real_shop.order_status(number, "ann@example.com").order.status == "pending"  # type: ignore[union-attr]
    assert SlotSet("order_change", f"cancel {number}") in events


def test_crafted_guesses_are_locked_out_and_the_shopper_is_told(
        real_shop: CommerceService) -> None:
    real_shop.add_to_cart("buyer", "24-MB01")
    number = real_shop.place_order("buyer", "ann@example.com").order.number  # type: ignore[union-attr]
    for guess in range(5):
        messages, _ = _crafted(f"bot{guess}", number, f"guess{guess}@example.com")
        assert messages[0]["text"].startswith("I couldn't find an order with that number")
    messages, _ = _crafted("bot5", number, "ann@example.com")  # the right email, too late
    assert [m["text"] for m in messages] == [LOCKED]
    # Even a "yes" to an old question re-checks, and is refused while locked.
    track = answer("yes", "affirm", {"order_id": number, "email": "ann@example.com",
                                     "order_change": f"cancel {number}"})
    messages, _ = run(ActionConfirmOrderChange(), track)
    assert [m["text"] for m in messages] == [LOCKED]
    with real_shop.engine.connect() as connection:
        status = connection.exec_driver_sql(
            "SELECT status FROM commerce_orders WHERE number = ?", (int(number),)).scalar()
    assert status == "pending"
