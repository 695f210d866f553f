"""The commerce service against an in-memory catalog and a SQLite file: variants, cart
operations, checkout, order verification, cancellation and the return window."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.domain import Product, Variant
from commerce import cart as cart_module
from commerce.orders import normalise_email, normalise_order_id
from commerce.policy import PolicyQuote, StorePolicy
from commerce.pricing import StoreRules
from commerce.schema import commerce_engine
from commerce.service import CommerceService
from commerce.shipping import ShippingTable, TableRate
from tests.fakes import InMemoryCatalog

NOW = datetime(2024, 6, 1, 12, 0)
EMAIL = "ann@example.com"
QUOTE = PolicyQuote("customer-service", "Customer Service", "Returns", "Within 30 days.")


def _tee() -> Product:
    stock = {("S", "Black"): 5, ("M", "Black"): 0, ("M", "Red"): 3, ("L", "Red"): 10}
    variants = tuple(
        Variant(f"MS04-{s}-{c}", "MS04", s, c, qty, qty > 0, 29.0) for (s, c), qty in stock.items()
    )
    return Product(id="MS04", name="Gobi HeatTec Tee", description="", category="Men/Tops/Tees",
                   categories=("Men/Tops/Tees",), price=29.0, sizes=("S", "M", "L"),
                   colors=("Black", "Red"), variants=variants)


def _catalog() -> InMemoryCatalog:
    bag = Product(id="24-MB01", name="Joust Duffle Bag", description="", category="Gear/Bags",
                  categories=("Gear/Bags",), price=34.0)
    gone = Product(id="24-MB02", name="Fusion Backpack", description="", category="Gear/Bags",
                   price=59.0, in_stock=False)
    return InMemoryCatalog([_tee(), bag, gone])


@pytest.fixture()
def service(tmp_path: Path) -> CommerceService:
    rates = (TableRate("US", "*", "*", Decimal("0"), Decimal("15.00")),)
    rules = StoreRules(ShippingTable(rates), (), StorePolicy(30, QUOTE))
    engine = commerce_engine(f"sqlite:///{tmp_path / 'commerce.sqlite'}")
    return CommerceService(engine, _catalog(), rules, clock=lambda: NOW)


def _placed(service: CommerceService, sender: str = "s1") -> str:
    assert service.add_to_cart(sender, "24-MB01").status == "added"
    placed = service.place_order(sender, EMAIL)
    assert placed.status == "placed" and placed.order is not None
    return placed.order.number


# -- variants -------------------------------------------------------------------------------
def test_configurable_product_needs_size_and_colour(service: CommerceService) -> None:
    result = service.add_to_cart("s1", "MS04")
    assert result.status == "needs_options" and result.missing == ("size", "color")
    assert result.sizes == ("S", "M", "L") and result.colors == ("Black", "Red")
    only_size = service.add_to_cart("s1", "MS04", size="m")
    assert only_size.missing == ("color",) and only_size.colors == ("Red",)  # M/Black is sold out
    assert service.view_cart("s1").is_empty


def test_unknown_size_names_the_offered_ones(service: CommerceService) -> None:
    result = service.add_to_cart("s1", "MS04", size="XXL", color="Black")
    assert result.status == "unknown_option" and result.unknown == ("size",)
    assert result.sizes == ("S",)  # in stock in black
    assert service.add_to_cart("s1", "MS04", "S", "Teal").unknown == ("color",)


def test_out_of_stock_variant_names_in_stock_alternatives(service: CommerceService) -> None:
    result = service.add_to_cart("s1", "MS04", size="M", color="Black")
    assert result.status == "out_of_stock"
    assert [a.sku for a in result.alternatives] == ["MS04-S-Black", "MS04-M-Red"]
    assert service.add_to_cart("s1", "24-MB02").status == "out_of_stock"
    assert service.add_to_cart("s1", "NOPE").status == "unknown_product"


def test_quantity_above_stock_is_refused(service: CommerceService) -> None:
    result = service.add_to_cart("s1", "MS04", "M", "Red", quantity=4)
    assert result.status == "not_enough_stock" and result.available == 3
    assert service.add_to_cart("s1", "MS04", "M", "Red", quantity=2).status == "added"
    assert service.add_to_cart("s1", "MS04", "M", "Red", quantity=2).status == "not_enough_stock"
    assert service.add_to_cart("s1", "24-MB01", quantity=0).status == "bad_quantity"


# -- cart -----------------------------------------------------------------------------------
def test_add_merges_lines_and_prices_the_cart(service: CommerceService) -> None:
    service.add_to_cart("s1", "MS04", "L", "Red", quantity=2)
    added = service.add_to_cart("s1", "MS04-L-Red")  # a variant SKU works too
    assert added.status == "added" and added.line is not None and added.line.quantity == 3
    service.add_to_cart("s1", "24-MB01")
    view = service.view_cart("s1")
    assert [(x.sku, x.quantity) for x in view.lines] == [("MS04-L-Red", 3), ("24-MB01", 1)]
    assert (view.subtotal, view.shipping, view.total) == (Decimal("121.00"), Decimal("15.00"),
                                                          Decimal("136.00"))
    assert service.view_cart("someone-else").is_empty


def test_change_quantity_and_remove(service: CommerceService) -> None:
    service.add_to_cart("s1", "MS04", "L", "Red")
    service.add_to_cart("s1", "24-MB01")
    assert service.change_quantity("s1", "duffle", 3).cart.lines[1].quantity == 3
    assert service.change_quantity("s1", "MS04-L-Red", 11).status == "not_enough_stock"
    assert service.change_quantity("s1", "1", 2).cart.lines[0].quantity == 2
    removed = service.remove_from_cart("s1", "24-MB01")
    assert removed.status == "removed" and [x.sku for x in removed.cart.lines] == ["MS04-L-Red"]
    assert service.remove_from_cart("s1", "24-MB01").status == "not_in_cart"


def test_ambiguous_item_lists_the_matching_lines(service: CommerceService) -> None:
    service.add_to_cart("s1", "MS04", "L", "Red")
    service.add_to_cart("s1", "MS04", "S", "Black")
    result = service.remove_from_cart("s1", "MS04")
    assert result.status == "ambiguous" and len(result.matches) == 2
    assert len(result.cart.lines) == 2


def test_unknown_coupon_is_not_kept(service: CommerceService) -> None:
    assert service.apply_coupon("s1", "FREE100").status == "unknown_code"
    assert service.view_cart("s1").coupon_code is None


# -- checkout -------------------------------------------------------------------------------
def test_empty_cart_checkout_is_a_result_not_an_exception(service: CommerceService) -> None:
    assert service.quote("s1").status == "empty_cart"
    assert service.place_order("s1", EMAIL).status == "empty_cart"


def test_quote_then_place_empties_the_cart(service: CommerceService) -> None:
    service.add_to_cart("s1", "24-MB01", quantity=2)
    quote = service.quote("s1")
    assert quote.status == "ok" and quote.cart.total == Decimal("83.00")
    assert service.quote("s1", "teleport").status == "unknown_method"
    assert service.place_order("s1", "not an email").status == "invalid_email"
    placed = service.place_order("s1", "  Ann@Example.COM ")
    assert placed.status == "placed" and placed.order is not None
    assert placed.order.number == "100000001" and placed.order.total == Decimal("83.00")
    assert placed.order.status == "pending"
    assert placed.order.payment == "payment: not taken by the assistant"
    assert service.view_cart("s1").is_empty
    assert _placed(service, "s2") == "100000002"


def test_failed_order_write_keeps_the_cart(service: CommerceService,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    service.add_to_cart("s1", "24-MB01")

    def boom(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(cart_module.CartStore, "clear", staticmethod(boom))
    with pytest.raises(RuntimeError):
        service.place_order("s1", EMAIL)
    assert len(service.view_cart("s1").lines) == 1
    assert service.order_status("100000001", EMAIL).status == "not_found"


# -- orders ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "number"),
    [("#000000123", 123), ("123", 123), ("order 123", 123), ("Order #123", 123),
     ("order no. 123", 123), ("Order number: 000000123", 123), (" 100000001 ", 100000001),
     ("abc", None), ("", None), ("0", None), ("12 34", None), (None, None)],
)
def test_order_id_shapes(text: str | None, number: int | None) -> None:
    assert normalise_order_id(text) == number


def test_email_is_trimmed_and_case_insensitive() -> None:
    assert normalise_email("  Ann@Example.COM\n") == EMAIL


def test_status_needs_the_right_email(service: CommerceService) -> None:
    number = _placed(service)
    found = service.order_status(f"order #{number}", " ANN@example.com ")
    assert found.status == "found" and found.order is not None and found.order.number == number
    wrong = service.order_status(number, "bob@example.com")
    unknown = service.order_status("999999999", EMAIL)
    assert wrong == unknown and wrong.status == "not_found" and wrong.order is None
    assert service.order_status(number, "").status == "not_found"
    assert service.order_status("garbage", EMAIL) == unknown


def test_cancel_only_before_shipping_and_only_by_the_owner(service: CommerceService) -> None:
    first, second = _placed(service), _placed(service)
    assert service.cancel_order(first, "bob@example.com").status == "not_found"
    assert service.order_status(first, EMAIL).order.status == "pending"  # type: ignore[union-attr]
    assert service.cancel_order(first, EMAIL).status == "cancelled"
    assert service.cancel_order(first, EMAIL).status == "already_cancelled"
    service.mark_shipped(second, datetime(2024, 6, 2))
    result = service.cancel_order(second, EMAIL)
    assert result.status == "not_cancellable" and result.order.status == "shipped"  # type: ignore[union-attr]


def test_return_window_counts_from_delivery(service: CommerceService) -> None:
    on_time, late = _placed(service), _placed(service)
    for number in (on_time, late):
        service.mark_shipped(number, datetime(2024, 6, 2), delivered=datetime(2024, 6, 5))
    assert service.request_return(late, EMAIL, date(2024, 7, 6)).status == "window_closed"
    result = service.request_return(on_time, EMAIL, date(2024, 7, 5))  # day 30
    assert result.status == "requested" and result.deadline == date(2024, 7, 5)
    assert result.window_days == 30 and result.policy == QUOTE
    assert service.request_return(on_time, EMAIL, date(2024, 7, 5)).status == "already_requested"


def test_return_window_from_order_date_without_delivery(service: CommerceService) -> None:
    number = _placed(service)
    assert service.request_return(number, EMAIL, date(2024, 6, 3)).status == "not_shipped"
    service.mark_shipped(number, datetime(2024, 6, 2))
    assert service.request_return(number, EMAIL, date(2024, 7, 2)).status == "window_closed"
    assert service.request_return(number, EMAIL, date(2024, 7, 1)).status == "requested"


def test_return_refused_for_strangers_and_cancelled_orders(service: CommerceService) -> None:
    number = _placed(service)
    stranger = service.request_return(number, "bob@example.com", date(2024, 6, 3))
    assert stranger == service.request_return("424242", EMAIL, date(2024, 6, 3))
    assert stranger.status == "not_found" and stranger.deadline is None
    service.cancel_order(number, EMAIL)
    assert service.request_return(number, EMAIL, date(2024, 6, 3)).status == "not_returnable"
