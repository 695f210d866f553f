"""Order verification with the keyed email hash a redacted conversation keeps, and the commerce
events the service reports (cart add/remove, checkout, order)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from aisle.redaction import email_token, is_email_token
from commerce.policy import StorePolicy
from commerce.pricing import StoreRules
from commerce.schema import commerce_engine
from commerce.service import CommerceService
from commerce.shipping import ShippingTable, TableRate
from tests.unit.test_commerce_service import NOW, QUOTE, _catalog

SECRET = "test-secret"


@pytest.fixture()
def told() -> list[tuple]:
    return []


@pytest.fixture()
def service(tmp_path: Path, told: list[tuple]) -> CommerceService:
    rates = (TableRate("US", "*", "*", Decimal("0"), Decimal("15.00")),)
    rules = StoreRules(ShippingTable(rates), (), StorePolicy(30, QUOTE))
    engine = commerce_engine(f"sqlite:///{tmp_path / 'commerce.sqlite'}")
    return CommerceService(engine, _catalog(), rules, clock=lambda: NOW, pii_secret=SECRET,
                           on_event=lambda *call: told.append(call))


def test_the_slot_value_is_a_hash_and_places_the_order_with_the_real_address(
        service: CommerceService) -> None:
    token = service.remember_email("s1", " Ann@Example.com ")
    assert is_email_token(token) and "ann" not in token
    assert token == email_token("ann@example.com", SECRET)
    service.add_to_cart("s1", "24-MB01")
    placed = service.place_order("s1", token)
    assert placed.status == "placed" and placed.order is not None
    number = placed.order.number
    assert service.order_status(number, token).status == "found"
    assert service.order_status(number, "ann@example.com").status == "found"
    assert service.order_status(number, email_token("bob@example.com", SECRET)).status == "not_found"
    assert service.order_status(number, email_token("ann@example.com", "other")).status == "not_found"


def test_a_hash_from_another_conversation_places_nothing(service: CommerceService) -> None:
    token = service.remember_email("s1", "ann@example.com")
    service.add_to_cart("s2", "24-MB01")
    assert service.place_order("s2", token).status == "invalid_email"


def test_commerce_reports_cart_changes_checkout_and_order(service: CommerceService,
                                                         told: list[tuple]) -> None:
    service.add_to_cart("s1", "24-MB01", quantity=2)
    service.change_quantity("s1", "duffle", 1)
    service.quote("s1")
    service.place_order("s1", "ann@example.com")
    kinds = [(kind, sender, ids) for kind, sender, ids, _ in told]
    assert kinds == [("cart_add", "s1", ("24-MB01",)), ("cart_remove", "s1", ("24-MB01",)),
                     ("checkout", "s1", ("24-MB01",)), ("order", "s1", ("24-MB01",))]
    assert told[1][3]["quantity"] == 1 and told[-1][3]["total"] == 49.0  # 34 + 15 shipping
