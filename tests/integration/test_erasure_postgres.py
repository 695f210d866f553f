"""Erasure on PostgreSQL (the production profile's state database): a database made while
order emails were NOT NULL is altered on start, and forgetting by email leaves NULLs there.
Skipped where no PostgreSQL binaries are installed."""

from __future__ import annotations

from sqlalchemy import inspect, text

from aisle.db import make_engine
from commerce.erasure import erase_shopper
from commerce.schema import commerce_engine
from tests.integration.test_search_index_postgres import postgres_url

__all__ = ["postgres_url"]  # the fixture, imported to be used here

OLD_ORDERS = ("CREATE TABLE commerce_orders (number INTEGER PRIMARY KEY, email VARCHAR(255) NOT "
              "NULL, sender_id VARCHAR(255), status VARCHAR(32) NOT NULL, placed_at TIMESTAMP NOT "
              "NULL, shipped_at TIMESTAMP, delivered_at TIMESTAMP, shipping_method VARCHAR(64) NOT "
              "NULL, subtotal_cents INTEGER NOT NULL, discount_cents INTEGER NOT NULL, "
              "shipping_cents INTEGER NOT NULL, total_cents INTEGER NOT NULL, currency VARCHAR(8) "
              "NOT NULL, promotions JSON NOT NULL, payment VARCHAR(128) NOT NULL, source "
              "VARCHAR(32) NOT NULL)")


def test_an_older_postgres_database_lets_erased_emails_be_null(postgres_url: str) -> None:
    with make_engine(postgres_url).begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS commerce_order_items, commerce_returns, "
                                "commerce_orders CASCADE"))
        connection.execute(text(OLD_ORDERS))
        for number, email, sender in ((1, "erased", None), (2, "bob@example.com", "bob")):
            connection.execute(text(
                "INSERT INTO commerce_orders VALUES (:n, :e, :s, 'pending', now(), NULL, NULL, "
                "'standard', 1, 0, 0, 1, 'USD', '[]', 'none', 'assistant')"),
                {"n": number, "e": email, "s": sender})
    engine = commerce_engine(postgres_url)
    email = next(c for c in inspect(engine).get_columns("commerce_orders") if c["name"] == "email")
    assert email["nullable"]
    assert erase_shopper(engine, email="BOB@example.com")["orders anonymised"] == 1
    with engine.connect() as connection:
        assert connection.execute(text(
            "SELECT number, email, sender_id FROM commerce_orders ORDER BY number")).all() == [
            (1, None, None), (2, None, None)]
