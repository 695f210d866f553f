"""The order-check lock-out on PostgreSQL (the production profile's state database): two
services (two replicas) on one database share the counts, and any number a shopper can type is
checked without a database error. Skipped where no PostgreSQL binaries are installed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from commerce.policy import StorePolicy
from commerce.pricing import StoreRules
from commerce.schema import commerce_engine
from commerce.service import CommerceService
from commerce.shipping import ShippingTable, TableRate
from commerce.verification import VerificationLimits
from tests.integration.test_search_index_postgres import postgres_url
from tests.unit.test_commerce_service import NOW, QUOTE, _catalog

__all__ = ["postgres_url"]  # the fixture, imported to be used here


def _replica(url: str) -> CommerceService:
    rates = (TableRate("US", "*", "*", Decimal("0"), Decimal("15.00")),)
    rules = StoreRules(ShippingTable(rates), (), StorePolicy(30, QUOTE))
    return CommerceService(commerce_engine(url), _catalog(), rules, clock=lambda: NOW,
                           pii_secret="secret", limits=VerificationLimits(5, timedelta(minutes=15)))


def test_the_lock_holds_across_replicas_on_postgres(postgres_url: str) -> None:
    first, second = _replica(postgres_url), _replica(postgres_url)
    first.add_to_cart("buyer", "24-MB01")
    number = first.place_order("buyer", "ann@example.com").order.number  # type: ignore[union-attr]
    for guess in range(5):
        replica = (first, second)[guess % 2]
        assert replica.order_status(number, f"g{guess}@example.com", f"a{guess}").status == \
            "not_found"
    assert second.order_status(number, "ann@example.com", "owner").status == "locked"
    assert first.cancel_order(number, "ann@example.com", "owner").status == "locked"


def test_a_twelve_digit_number_is_an_unknown_order_not_an_error(postgres_url: str) -> None:
    service = _replica(postgres_url)
    assert service.order_status("999999999999", "ann@example.com", "big").status == "not_found"
    assert service.cancel_order("#999999999999", "ann@example.com", "big",
                                confirmed=False).status == "not_found"
