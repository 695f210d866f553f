"""Cart, checkout and order actions against a fake Commerce: exact events, texts and payloads."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import orders as order_actions
from actions import services as action_services
from actions.cart import (
    ActionAddToCart,
    ActionAskAddToCartFormColor,
    ActionSelectCartProduct,
    ValidateAddToCartForm,
)
from actions.cart_edit import ActionListPromotions, ActionRemoveFromCart, ActionViewCart
from actions.checkout import ActionPlaceOrder, ActionQuoteOrder, ValidateCheckoutForm
from actions.orders import (
    NOT_FOUND,
    ActionCancelOrder,
    ActionCheckOrderStatus,
    ActionConfirmOrderChange,
    ActionRequestReturn,
    ValidateReturnForm,
)
from catalog.domain import Product, Variant
from commerce.orders import CancelResult, OrderLine, OrderLookup, OrderSummary, ReturnResult
from commerce.policy import PolicyQuote
from commerce.pricing import CartLine, CartView, ShippingOption, StoreRules
from commerce.promotions import AppliedPromotion, Promotion
from commerce.results import AddResult, CartChange, PlacedOrder, Quote
from commerce.shipping import ShippingTable

TEE = Product(
    id="MS04", name="Gobi HeatTec Tee", description="A tee.", category="Men/Tops/Tees",
    price=29.0, colors=("Black", "Orange"), sizes=("S", "M"),
    variants=(Variant("MS04-S-Black", "MS04", "S", "Black", 10, True),
              Variant("MS04-M-Black", "MS04", "M", "Black", 0, False),
              Variant("MS04-M-Orange", "MS04", "M", "Orange", 5, True)),
)
BOTTLE = Product(id="24-UG06", name="Affirm Water Bottle", description="", category="Gear",
                 price=7.0)
LINE = CartLine("MS04-S-Black", "MS04", "Gobi HeatTec Tee", "S", "Black", 2, Decimal("29.00"))
CART = CartView(
    "shopper", (LINE,), subtotal=Decimal("58.00"), discount=Decimal("0.00"),
    promotions=(AppliedPromotion("Spend $50 or more - shipping is free!", Decimal("0.00"), True),),
    shipping=Decimal("0.00"),
    shipping_options=(ShippingOption("standard", "Standard", "3-5 days", Decimal("0.00")),),
    total=Decimal("58.00"))
EMPTY = CartView("shopper")
ORDER = OrderSummary(
    number="000000001", status="processing", placed_at=datetime(2024, 5, 1, 9, 30),
    shipped_at=None, delivered_at=None,
    lines=(OrderLine("MS04-S-Black", "Gobi HeatTec Tee", "S", "Black", 1, Decimal("29.00")),),
    subtotal=Decimal("29.00"), discount=Decimal("0.00"), shipping=Decimal("5.00"),
    total=Decimal("34.00"), shipping_method="flatrate_flatrate", promotions=(),
    payment="check / money order")
QUOTE = PolicyQuote("customer-service", "Customer Service", "Returns and Replacements",
                    "Merchandise must be returned within 30 days of receipt of merchandise.")


@dataclass
class FakeCommerce:
    """Returns what a test sets and records every call."""

    cart: CartView = CART
    add: AddResult = field(default_factory=lambda: AddResult("added", "MS04", "Gobi HeatTec Tee",
                                                             line=LINE, cart=CART))
    change: CartChange = field(default_factory=lambda: CartChange("removed", EMPTY, (LINE,)))
    quote_status: str = "ok"
    placed: PlacedOrder = field(default_factory=lambda: PlacedOrder("placed", ORDER, CART))
    lookup: OrderLookup = field(default_factory=lambda: OrderLookup("found", ORDER))
    cancel: CancelResult = field(default_factory=lambda: CancelResult("cancelled", ORDER))
    returned: ReturnResult = field(default_factory=lambda: ReturnResult("not_found"))
    rules: StoreRules = field(default_factory=lambda: StoreRules(ShippingTable([]), (
        Promotion("$4 Luma water bottle (save 70%)", "by_percent", Decimal("70"),
                  coupon_code="H20", description="Use promo code H20 at checkout"),
        Promotion("Spend $50 or more - shipping is free!", "by_percent", Decimal("0"),
                  free_shipping=True, description="Free shipping on any purchase over $50"))))
    calls: list[tuple[Any, ...]] = field(default_factory=list)

    def view_cart(self, sender_id: str, method: str = "standard") -> CartView:
        self.calls.append(("view_cart", sender_id))
        return self.cart

    def add_to_cart(self, sender_id: str, product_id: str, size: str | None = None,
                    color: str | None = None, quantity: int = 1) -> AddResult:
        self.calls.append(("add_to_cart", sender_id, product_id, size, color, quantity))
        return self.add

    def remove_from_cart(self, sender_id: str, item: str) -> CartChange:
        self.calls.append(("remove_from_cart", sender_id, item))
        return self.change

    def change_quantity(self, sender_id: str, item: str, quantity: int) -> CartChange:
        self.calls.append(("change_quantity", sender_id, item, quantity))
        return self.change

    def quote(self, sender_id: str, method: str = "standard") -> Quote:
        self.calls.append(("quote", sender_id))
        return Quote(self.quote_status, self.cart)  # type: ignore[arg-type]

    def remember_email(self, sender_id: str, email: str) -> str:
        self.calls.append(("remember_email", sender_id, email))
        return f"email-hmac:{email}"

    def place_order(self, sender_id: str, email: str, method: str = "standard") -> PlacedOrder:
        self.calls.append(("place_order", sender_id, email))
        return self.placed

    def order_status(self, order_id: str, email: str, sender_id: str = "") -> OrderLookup:
        self.calls.append(("order_status", order_id, email, sender_id))
        return self.lookup

    def cancel_order(self, order_id: str, email: str, sender_id: str = "",
                     confirmed: bool = True) -> CancelResult:
        """Like the service: unconfirmed, a cancellable order answers ``cancellable``."""
        self.calls.append(("cancel_order", order_id, email, sender_id, confirmed))
        if not confirmed and self.cancel.status == "cancelled":
            return replace(self.cancel, status="cancellable")
        return self.cancel

    def request_return(self, order_id: str, email: str, today: date, sender_id: str = "",
                       confirmed: bool = True) -> ReturnResult:
        """Like the service: unconfirmed, a returnable order answers ``returnable``."""
        self.calls.append(("request_return", order_id, email, today, sender_id, confirmed))
        if not confirmed and self.returned.status == "requested":
            return replace(self.returned, status="returnable")
        return self.returned


@dataclass
class FakeCatalog:
    items: tuple[Product, ...] = (TEE, BOTTLE)

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.items if p.id == product_id), None)

    def find_products_by_name(self, text: str) -> list[Product]:
        return [p for p in self.items if text.lower() in p.name.lower()]

    def find_products_in_text(self, text: str) -> list[Product]:
        return [p for p in self.items if p.name.lower() in text.lower()]


@dataclass
class FakeServices:
    catalog: FakeCatalog = field(default_factory=FakeCatalog)


@pytest.fixture
def shop() -> FakeCommerce:
    commerce = FakeCommerce()
    action_services.set_services(FakeServices())
    action_services.set_commerce(commerce)
    yield commerce
    action_services.set_services(None)
    action_services.set_commerce(None)


def tracker(text: str, intent: str, slots: dict[str, Any] | None = None,
            entities: list[dict[str, Any]] | None = None,
            events: list[dict[str, Any]] | None = None) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": entities or []}
    history = [{"event": "user", "text": text, "parse_data": message}, *(events or [])]
    return Tracker("shopper", slots or {}, message, history, False, None, {}, "action_listen")


def run(action: Any, track: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, {}))
    return dispatcher.messages, events


FORM_DOMAIN = {"forms": {"add_to_cart_form": {"required_slots": ["size", "color"]}},
               "slots": {}}


def validate(action: Any, slots: dict[str, Any], candidates: dict[str, Any],
             domain: dict[str, Any] = FORM_DOMAIN) -> tuple[list[dict[str, Any]], list[Any]]:
    """Run a form validator the way Rasa does: candidate SlotSets after the form's action."""
    events = [{"event": "action", "name": "form"}] + [
        {"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    track = tracker("msg", "add_to_cart", {**slots, **candidates}, events=events)
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, track, domain))
    return dispatcher.messages, result


# -- adding -------------------------------------------------------------------------------
def test_select_resolves_an_ordinal_over_the_shown_products(shop: FakeCommerce) -> None:
    messages, events = run(ActionSelectCartProduct(), tracker(
        "add the second one in M black", "add_to_cart", {"shown_products": ["24-UG06", "MS04"]}))
    assert messages == []
    assert events == [SlotSet("cart_product", "MS04"), SlotSet("focus_product", "MS04")]


def test_select_without_a_product_asks_which(shop: FakeCommerce) -> None:
    messages, events = run(ActionSelectCartProduct(), tracker("add to cart", "add_to_cart"))
    assert messages[0]["text"].startswith("Which product would you like to add?")
    assert events == [SlotSet("cart_product", None)]


def test_make_it_two_changes_the_quantity_of_a_carted_product(shop: FakeCommerce) -> None:
    shop.change = CartChange("updated", CART, (LINE,))
    messages, events = run(ActionSelectCartProduct(), tracker(
        "make it 2", "add_to_cart", {"focus_product": "MS04", "quantity": "2"}))
    assert shop.calls == [("change_quantity", "shopper", "MS04", 2)]
    assert messages[0]["custom"]["type"] == "cart"
    assert events == [SlotSet("carted_products", ["MS04"]), SlotSet("cart_product", None),
                      SlotSet("quantity", None)]


def test_form_asks_only_for_options_the_product_has(shop: FakeCommerce) -> None:
    validator = ValidateAddToCartForm()
    slots = asyncio.run(validator.required_slots(
        ["size", "color"], CollectingDispatcher(), tracker("x", "add_to_cart",
                                                           {"cart_product": "24-UG06"}), {}))
    assert slots == []
    _, events = validate(validator, {"cart_product": "24-UG06"}, {})
    assert events == [SlotSet("requested_slot", None)]


def test_unknown_size_is_refused_with_what_is_in_stock(shop: FakeCommerce) -> None:
    messages, events = validate(ValidateAddToCartForm(), {"cart_product": "MS04"}, {"size": "XXL"})
    assert messages[0]["text"] == "The Gobi HeatTec Tee doesn't come in size XXL. In stock: S, M."
    assert events == [SlotSet("size", None)]


def test_size_is_normalised_to_the_catalog_spelling(shop: FakeCommerce) -> None:
    messages, events = validate(ValidateAddToCartForm(), {"cart_product": "MS04"}, {"size": "s"})
    assert messages == [] and events == [SlotSet("size", "S")]


def test_out_of_stock_variant_names_alternatives_and_asks_again(shop: FakeCommerce) -> None:
    messages, events = validate(ValidateAddToCartForm(), {"cart_product": "MS04"},
                                {"size": "M", "color": "black"})
    assert messages[0]["text"] == ("Sorry, the Gobi HeatTec Tee in M, Black is out of stock. "
                                   "In stock instead: S, Black; M, Orange.")
    assert events == [SlotSet("size", "M"), SlotSet("color", None)]


def test_ask_for_colour_lists_colours_in_stock_for_the_chosen_size(shop: FakeCommerce) -> None:
    messages, events = run(ActionAskAddToCartFormColor(), tracker(
        "M", "add_to_cart", {"cart_product": "MS04", "size": "M"}))
    assert messages[0]["text"] == "Which colour would you like the Gobi HeatTec Tee in? In stock: Orange."
    assert messages[0]["buttons"] == [{"title": "Orange",
                                       "payload": '/add_to_cart{"color": "Orange"}'}]
    assert events == []


def test_add_replies_with_the_cart_payload(shop: FakeCommerce) -> None:
    messages, events = run(ActionAddToCart(), tracker(
        "black", "add_to_cart",
        {"cart_product": "MS04", "size": "S", "color": "Black", "quantity": "2"}))
    assert shop.calls == [("add_to_cart", "shopper", "MS04", "S", "Black", 2)]
    assert messages[0]["text"].startswith("Added 2 × Gobi HeatTec Tee (S, Black) to your cart.")
    assert messages[0]["custom"] == {
        "type": "cart",
        "items": [{"sku": "MS04-S-Black", "product_id": "MS04", "name": "Gobi HeatTec Tee",
                   "size": "S", "color": "Black", "quantity": 2, "unit_price": 29.0,
                   "line_total": 58.0}],
        "subtotal": 58.0, "shipping": 0.0, "discount": 0.0, "total": 58.0,
        "promotions": [{"name": "Spend $50 or more - shipping is free!", "amount": 0.0,
                        "free_shipping": True}],
        "currency": "USD",
    }
    assert events == [SlotSet("carted_products", ["MS04"]), SlotSet("cart_product", None),
                      SlotSet("quantity", None)]


def test_add_failure_says_why_and_clears_the_pending_product(shop: FakeCommerce) -> None:
    shop.add = AddResult("not_enough_stock", "MS04", "Gobi HeatTec Tee", available=3)
    messages, events = run(ActionAddToCart(), tracker("x", "add_to_cart", {"cart_product": "MS04"}))
    assert messages == [{"text": "Only 3 of the Gobi HeatTec Tee in that variant are in stock "
                                 "(counting any already in your cart), so nothing was added.",
                         "buttons": [], "elements": [], "custom": {}, "template": None,
                         "response": None, "image": None, "attachment": None}]
    assert events == [SlotSet("cart_product", None), SlotSet("quantity", None)]


# -- cart ---------------------------------------------------------------------------------
def test_view_cart_and_the_empty_cart(shop: FakeCommerce) -> None:
    messages, events = run(ActionViewCart(), tracker("what's in my cart", "view_cart"))
    assert messages[0]["text"].splitlines()[:2] == [
        "Your cart (2 items):", "1. 2 × Gobi HeatTec Tee (S, Black) — $58.00"]
    assert "Shipping (standard): free" in messages[0]["text"]
    assert events == [SlotSet("carted_products", ["MS04"])]
    shop.cart = EMPTY
    messages, events = run(ActionViewCart(), tracker("what's in my cart", "view_cart"))
    assert messages[0]["text"].startswith("Your cart is empty.")
    assert messages[0]["custom"]["items"] == [] and messages[0]["custom"]["total"] == 0.0
    assert events == [SlotSet("carted_products", [])]


def test_remove_by_ordinal_and_reduce_by_quantity(shop: FakeCommerce) -> None:
    messages, events = run(ActionRemoveFromCart(), tracker(
        "remove the first one from my cart", "remove_from_cart"))
    assert shop.calls[-1] == ("remove_from_cart", "shopper", "1")
    assert messages[0]["text"].startswith("Removed the Gobi HeatTec Tee.")
    assert events == [SlotSet("carted_products", []), SlotSet("quantity", None)]
    run(ActionRemoveFromCart(), tracker("remove one of them", "remove_from_cart",
                                        {"quantity": "1", "focus_product": "MS04"}))
    assert shop.calls[-1] == ("change_quantity", "shopper", "MS04", 1)
    run(ActionRemoveFromCart(), tracker("reduce the tees to 1", "remove_from_cart",
                                        {"quantity": "1"}, [{"entity": "mention", "value": "the tees"}]))
    assert shop.calls[-1] == ("change_quantity", "shopper", "MS04", 1)


def test_remove_from_an_empty_cart(shop: FakeCommerce) -> None:
    shop.cart = EMPTY
    messages, events = run(ActionRemoveFromCart(), tracker("remove it", "remove_from_cart"))
    assert messages[0]["text"] == "Your cart is already empty."
    assert events == [SlotSet("carted_products", []), SlotSet("quantity", None)]


def test_promotions_name_their_conditions(shop: FakeCommerce) -> None:
    messages, events = run(ActionListPromotions(), tracker("any deals?", "ask_promotions"))
    assert messages[0]["text"] == (
        "Current promotions:\n"
        "- $4 Luma water bottle (save 70%) (Use promo code H20 at checkout): enter code H20 at "
        "checkout.\n"
        "- Spend $50 or more - shipping is free! (Free shipping on any purchase over $50): "
        "applied automatically when your cart qualifies.")
    assert [p["coupon_code"] for p in messages[0]["custom"]["promotions"]] == ["H20", None]
    assert events == []


# -- checkout -----------------------------------------------------------------------------
def test_checkout_of_an_empty_cart(shop: FakeCommerce) -> None:
    shop.cart, shop.quote_status = EMPTY, "empty_cart"
    messages, events = run(ActionQuoteOrder(), tracker("checkout", "checkout"))
    assert messages[0]["text"].startswith("Your cart is empty, so there is nothing to check out")
    assert events == [SlotSet("checkout_ready", False)]


def test_checkout_quotes_shipping_discounts_and_says_no_payment_is_taken(shop: FakeCommerce) -> None:
    messages, events = run(ActionQuoteOrder(), tracker("checkout", "checkout"))
    text, payload = messages[0]["text"], messages[0]["custom"]
    assert "Total: $58.00" in text and "I can't take payment in this chat" in text
    assert payload["type"] == "quote" and payload["payment"] == "not taken by the assistant"
    assert payload["shipping_options"] == [{"method": "standard", "label": "Standard",
                                            "days": "3-5 days", "price": 0.0}]
    assert events == [SlotSet("checkout_ready", True), SlotSet("order_confirmed", None)]


def test_checkout_email_is_validated_and_found_in_free_text(shop: FakeCommerce) -> None:
    domain = {"forms": {"checkout_form": {"required_slots": ["email", "order_confirmed"]}}}
    messages, events = validate(ValidateCheckoutForm(), {}, {"email": "not-an-email"}, domain)
    assert messages[0]["text"].startswith("That doesn't look like an email address.")
    assert events == [SlotSet("email", None)]
    extracted = asyncio.run(ValidateCheckoutForm().extract_email(
        CollectingDispatcher(), tracker("sure, it's Jane.Doe@Example.com.", "affirm",
                                        {"requested_slot": "email"}), {}))
    assert extracted == {"email": "jane.doe@example.com"}


def test_a_valid_checkout_email_is_kept_by_commerce_and_the_slot_holds_its_hash(
        shop: FakeCommerce) -> None:
    domain = {"forms": {"checkout_form": {"required_slots": ["email", "order_confirmed"]}}}
    messages, events = validate(ValidateCheckoutForm(), {}, {"email": "Jane@Example.com"}, domain)
    assert messages == []
    assert shop.calls == [("remember_email", "shopper", "jane@example.com")]
    assert events == [SlotSet("email", "email-hmac:jane@example.com")]
    # The hash read back from the (redacted) tracker on a later turn is accepted as it is.
    shop.calls.clear()
    _, events = validate(ValidateCheckoutForm(), {}, {"email": "email-hmac:abc"}, domain)
    assert events == [SlotSet("email", "email-hmac:abc")] and shop.calls == []


def test_yes_places_the_order_and_gives_its_number(shop: FakeCommerce) -> None:
    messages, events = run(ActionPlaceOrder(), tracker(
        "yes", "affirm", {"order_confirmed": True, "email": "jane@example.com"}))
    assert shop.calls == [("place_order", "shopper", "jane@example.com")]
    assert messages[0]["text"].startswith(
        "Your order number is 000000001: 1 × Gobi HeatTec Tee (S, Black), $34.00 in total.")
    assert messages[0]["custom"]["type"] == "order" and messages[0]["custom"]["total"] == 34.0
    assert events == [SlotSet("carted_products", []), SlotSet("order_id", "000000001"),
                      SlotSet("order_confirmed", None), SlotSet("checkout_ready", None)]


def test_no_keeps_the_cart(shop: FakeCommerce) -> None:
    messages, events = run(ActionPlaceOrder(), tracker("no", "deny", {"order_confirmed": False}))
    assert shop.calls == []
    assert messages[0]["text"].startswith("Okay, I haven't placed the order. Everything is still")
    assert events == [SlotSet("order_confirmed", None), SlotSet("checkout_ready", None)]


def test_placing_with_an_invalid_email_forgets_it(shop: FakeCommerce) -> None:
    shop.placed = PlacedOrder("invalid_email")
    _, events = run(ActionPlaceOrder(), tracker("yes", "affirm",
                                                {"order_confirmed": True, "email": "x@y"}))
    assert events == [SlotSet("email", None), SlotSet("order_confirmed", None),
                      SlotSet("checkout_ready", None)]


# -- orders -------------------------------------------------------------------------------
ORDER_DOMAIN = {"forms": {"return_form": {"required_slots": ["order_id", "email"]}}}


@pytest.mark.parametrize("text", ["#000000001", "1", "order no. 1", "Order 000000001"])
def test_order_numbers_in_many_shapes(shop: FakeCommerce, text: str) -> None:
    _, events = validate(ValidateReturnForm(), {}, {"order_id": text}, ORDER_DOMAIN)
    assert events == [SlotSet("order_id", "000000001")]


def test_unreadable_order_number_is_asked_again(shop: FakeCommerce) -> None:
    messages, events = validate(ValidateReturnForm(), {}, {"order_id": "soon"}, ORDER_DOMAIN)
    assert messages[0]["text"].startswith("I couldn't read an order number in that.")
    assert events == [SlotSet("order_id", None)]


def test_order_status_only_after_the_email_matches(shop: FakeCommerce) -> None:
    slots = {"order_id": "000000001", "email": "roni_cost@example.com"}
    messages, events = run(ActionCheckOrderStatus(), tracker("x", "order_status", slots))
    assert shop.calls == [("order_status", "000000001", "roni_cost@example.com", "shopper")]
    assert messages[0]["text"] == ("Order 000000001 (1 × Gobi HeatTec Tee (S, Black), $34.00) "
                                   "is paid and being prepared; it hasn't shipped yet.")
    assert messages[0]["custom"]["number"] == "000000001" and events == []


def test_unknown_order_and_wrong_email_get_the_same_reply(shop: FakeCommerce) -> None:
    shop.lookup, shop.cancel = OrderLookup("not_found"), CancelResult("not_found")
    shop.returned = ReturnResult("not_found")
    slots = {"order_id": "000000999", "email": "someone@example.com"}
    for action, intent in ((ActionCheckOrderStatus(), "order_status"),
                           (ActionCancelOrder(), "cancel_order"),
                           (ActionRequestReturn(), "return_or_refund")):
        messages, events = run(action, tracker("x", intent, slots))
        assert [m["text"] for m in messages] == [NOT_FOUND]
        assert all(not m["custom"] for m in messages)
        forget = [SlotSet("order_id", None), SlotSet("email", None)]
        if intent != "order_status":  # no cancel / return question is waiting either
            forget.append(SlotSet("order_change", None))
        assert events == forget


def test_cancel_shipped_order_is_refused(shop: FakeCommerce) -> None:
    shop.cancel = CancelResult("not_cancellable", ORDER.__class__(**{**ORDER.__dict__,
                                                                     "status": "shipped"}))
    messages, _ = run(ActionCancelOrder(), tracker("x", "cancel_order",
                                                  {"order_id": "1", "email": "a@b.co"}))
    assert messages[0]["text"].startswith("Order 000000001 can't be cancelled any more because "
                                          "it is on its way.")


def test_return_cites_the_thirty_day_rule(shop: FakeCommerce, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(order_actions, "today", lambda: date(2024, 5, 20))
    shop.returned = ReturnResult("requested", ORDER, date(2024, 5, 31), 30, QUOTE)
    slots = {"order_id": "000000001", "email": "a@b.co"}
    asked, events = run(ActionRequestReturn(), tracker("x", "return_or_refund", slots))
    assert shop.calls == [("request_return", "000000001", "a@b.co", date(2024, 5, 20), "shopper",
                           False)]
    assert asked[0]["text"].startswith("Start a return for order 000000001 (1 item, $34.00)?")
    assert SlotSet("order_change", "return 000000001") in events
    messages, events = run(ActionConfirmOrderChange(), tracker(
        "yes", "affirm", {**slots, "order_change": "return 000000001"},
        events=[{"event": "action", "name": "action_request_return"},
                {"event": "action", "name": "action_listen"},
                {"event": "user", "text": "yes",
                 "parse_data": {"intent": {"name": "affirm"}}}]))
    assert shop.calls[-1] == ("request_return", "000000001", "a@b.co", date(2024, 5, 20),
                              "shopper", True)
    assert messages[0]["text"] == (
        "I've recorded a return for order 000000001. Send the items back by May 31, 2024; a "
        "refund follows once they arrive.\nOur Customer Service page says: “Merchandise must "
        "be returned within 30 days of receipt of merchandise.”")
    assert messages[0]["custom"]["return"]["citation"]["heading"] == "Returns and Replacements"
    assert events == [SlotSet("order_change", None)]
