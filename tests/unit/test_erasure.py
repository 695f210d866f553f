"""Erasure by email and by conversation, retention of every table with personal data, and
databases made before erased emails became NULL, on real SQLite files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aisle.redaction import email_token
from commerce.orders import verified_order
from commerce.schema import commerce_engine
from insights.__main__ import main
from insights.events import Event, EventStore
from insights.privacy import apply_retention, forget, forget_sender
from tests.unit.test_insights_sync_privacy import CONVERSATION, _write_tracker

BOB = "bob@example.com"
KEY = "k" * 64
NOW = datetime(2026, 11, 2, 12)


def _order(db: sqlite3.Connection, number: int, email: str | None, sender: str | None,
           placed: datetime = NOW) -> None:
    db.execute("INSERT INTO commerce_orders (number, email, sender_id, status, placed_at, "
               "shipping_method, subtotal_cents, discount_cents, shipping_cents, total_cents, "
               "currency, promotions, payment, source) VALUES (?, ?, ?, 'pending', ?, "
               "'standard', 1, 0, 0, 1, 'USD', '[]', 'none', 'assistant')",
               (number, email, sender, placed))
    db.execute("INSERT INTO commerce_order_items (order_number, sku, name, quantity, "
               "unit_price_cents) VALUES (?, 'MH01-M-Gray', 'Chaz Hoodie', 1, 5200)", (number,))


def _cart(db: sqlite3.Connection, sender: str, updated: datetime = NOW) -> None:
    db.execute("INSERT INTO commerce_carts (sender_id, country, region, updated_at) "
               "VALUES (?, 'US', '*', ?)", (sender, updated))
    db.execute("INSERT INTO commerce_cart_items (sender_id, sku, product_id, name, quantity, "
               "unit_price_cents, categories, on_sale) VALUES (?, 'S', 'P', 'N', 1, 100, '[]', 0)",
               (sender,))


def _contact(db: sqlite3.Connection, sender: str, email: str, updated: datetime = NOW) -> None:
    db.execute("INSERT INTO commerce_contacts VALUES (?, ?, ?)", (sender, email, updated))


@pytest.fixture()
def shop(tmp_path: Path) -> tuple[Engine, EventStore, Engine]:
    """Bob's four conversations (an order, a checkout email, his email's hash in a slot, his
    address typed in a message), his imported order and customer record; Jim, whose address
    ends with Bob's, and Ann."""
    tracker_path = tmp_path / "tracker.sqlite"
    for sender in ("bob-ordered", "bob-checkout", "bob-token", "bob-typed", "jim", "ann"):
        _write_tracker(tracker_path, sender, CONVERSATION[:3])
    slot = {"event": "slot", "name": "email", "value": email_token(BOB, KEY)}
    typed = {"event": "user", "text": f"my email is {BOB.upper()}", "parse_data": {}}
    _write_tracker(tracker_path, "bob-token", [slot])
    _write_tracker(tracker_path, "bob-typed", [typed])
    _write_tracker(tracker_path, "jim", [{**typed, "text": "I am jimbob@example.com"}])
    url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
    commerce = commerce_engine(url)
    store = EventStore(url, engine=commerce)
    for sender in ("bob-ordered", "bob-checkout", "bob-token", "bob-typed", "jim", "ann"):
        store.record(Event(kind="message", conversation_id=sender, at=NOW.replace(tzinfo=UTC),
                           source="web", data={"text": "hello"}))
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        _order(db, 100000001, BOB, "bob-ordered")
        _order(db, 7, BOB, None)  # an imported sample order: no conversation
        _order(db, 100000002, "jimbob@example.com", "jim")
        _cart(db, "bob-checkout")
        _contact(db, "bob-checkout", BOB)
        _cart(db, "ann")
        _contact(db, "ann", "ann@example.com")
        db.execute("INSERT INTO commerce_customers (email, first_name, last_name, street, city, "
                   "region, country, postcode, source) VALUES (?, 'Bob', 'Builder', "
                   "'1 Main St', 'Springfield', 'IL', 'US', '62701', 'sample')", (BOB,))
    return create_engine(f"sqlite:///{tracker_path}"), store, commerce


def _senders(tracker: Engine) -> set[str]:
    with tracker.connect() as connection:
        return {row[0] for row in connection.exec_driver_sql("SELECT sender_id FROM events")}


def test_forget_by_email_reaches_every_conversation_and_order_of_that_person(
        tmp_path: Path, shop: tuple[Engine, EventStore, Engine]) -> None:
    tracker, store, commerce = shop
    removed = forget(tracker, store, commerce, email=" Bob@Example.com ",
                     email_tokens=[email_token(BOB, KEY)])
    assert removed["conversations"] == 4
    assert (removed["orders anonymised"], removed["checkout emails"], removed["carts"],
            removed["customer records"]) == (2, 1, 1, 1)
    assert _senders(tracker) == {"jim", "ann"}
    assert {e.conversation_id for e in store.events()} == {"jim", "ann"}
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        assert db.execute("SELECT number, email, sender_id FROM commerce_orders ORDER BY number"
                          ).fetchall() == [(7, None, None), (100000001, None, None),
                                           (100000002, "jimbob@example.com", "jim")]
        assert db.execute("SELECT count(*) FROM commerce_order_items").fetchone() == (3,)
        assert db.execute("SELECT sender_id FROM commerce_contacts").fetchall() == [("ann",)]
        assert db.execute("SELECT sender_id FROM commerce_carts").fetchall() == [("ann",)]
        assert db.execute("SELECT count(*) FROM commerce_customers").fetchone() == (0,)
    shop_bytes = (tmp_path / "shop.sqlite").read_bytes().replace(b"jimbob@example.com", b"")
    assert BOB.encode() not in shop_bytes
    assert BOB.encode() not in (tmp_path / "tracker.sqlite").read_bytes().lower().replace(
        b"jimbob@example.com", b"")


def test_an_erased_order_cannot_be_looked_up_with_any_email(
        shop: tuple[Engine, EventStore, Engine]) -> None:
    tracker, store, commerce = shop
    forget_sender("bob-ordered", tracker, store, commerce)
    with Session(commerce) as session:
        # The old shared placeholder 'erased' opened every erased order to whoever typed it.
        for email in ("erased", "", BOB, "None"):
            assert verified_order(session, "100000001", email) is None, email
        assert verified_order(session, "100000002", "jimbob@example.com") is not None


def test_forget_needs_someone_and_a_real_address(shop: tuple[Engine, EventStore, Engine]) -> None:
    tracker, store, commerce = shop
    with pytest.raises(ValueError, match="sender id or an email"):
        forget(tracker, store, commerce, sender_ids=[" "])
    with pytest.raises(ValueError, match="not an email address"):
        forget(tracker, store, commerce, email="bob")
    assert len(_senders(tracker)) == 6, "nothing was erased"


def test_retention_covers_carts_checkout_emails_and_orders(
        tmp_path: Path, shop: tuple[Engine, EventStore, Engine]) -> None:
    tracker, store, commerce = shop
    old = NOW - timedelta(days=40)
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        _cart(db, "old-shopper", old)
        _contact(db, "old-shopper", "old@example.com", old)
        _order(db, 100000009, "old@example.com", "old-shopper", NOW - timedelta(days=400))
    now = NOW.replace(tzinfo=UTC)
    removed = apply_retention(30, tracker, store, now=now, commerce=commerce)
    assert (removed["carts"], removed["cart lines"], removed["checkout emails"],
            removed["orders anonymised"]) == (1, 1, 1, 0)
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        assert db.execute("SELECT count(*) FROM commerce_contacts").fetchone() == (2,)
        assert db.execute("SELECT email FROM commerce_orders WHERE number = 100000009"
                          ).fetchone() == ("old@example.com",)
    removed = apply_retention(30, tracker, store, now=now, commerce=commerce, order_days=365)
    assert removed["orders anonymised"] == 1
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        assert db.execute("SELECT email, sender_id FROM commerce_orders WHERE number = 100000009"
                          ).fetchone() == (None, None)
        assert db.execute("SELECT count(*) FROM commerce_orders WHERE email IS NOT NULL"
                          ).fetchone() == (3,)
    assert b"old@example.com" not in (tmp_path / "shop.sqlite").read_bytes()
    with pytest.raises(ValueError, match="order-days"):
        apply_retention(30, tracker, store, now=now, commerce=commerce, order_days=7)


OLD_ORDERS = ("CREATE TABLE commerce_orders (number INTEGER NOT NULL, email VARCHAR(255) NOT NULL, "
              "sender_id VARCHAR(255), status VARCHAR(32) NOT NULL, placed_at DATETIME NOT NULL, "
              "shipped_at DATETIME, delivered_at DATETIME, shipping_method VARCHAR(64) NOT NULL, "
              "subtotal_cents INTEGER NOT NULL, discount_cents INTEGER NOT NULL, "
              "shipping_cents INTEGER NOT NULL, total_cents INTEGER NOT NULL, "
              "currency VARCHAR(8) NOT NULL, promotions JSON NOT NULL, payment VARCHAR(128) NOT NULL, "
              "source VARCHAR(32) NOT NULL, PRIMARY KEY (number))")


def test_a_database_from_before_keeps_its_orders_and_loses_the_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute(OLD_ORDERS)
        db.execute("CREATE INDEX ix_commerce_orders_email ON commerce_orders (email)")
        db.execute("CREATE TABLE commerce_order_items (id INTEGER NOT NULL PRIMARY KEY, "
                   "order_number INTEGER NOT NULL REFERENCES commerce_orders (number), "
                   "sku VARCHAR(64) NOT NULL, name VARCHAR(512) NOT NULL, size VARCHAR(32), "
                   "color VARCHAR(64), quantity INTEGER NOT NULL, unit_price_cents INTEGER NOT NULL)")
        _order(db, 1, "roni_cost@example.com", None)
        _order(db, 2, "erased", None)
    engine = commerce_engine(f"sqlite:///{path}")
    column = next(c for c in inspect(engine).get_columns("commerce_orders") if c["name"] == "email")
    assert column["nullable"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT number, email FROM commerce_orders ORDER BY number").fetchall() == [
            (1, "roni_cost@example.com"), (2, None)]
        assert db.execute("SELECT count(*) FROM commerce_order_items").fetchone() == (2,)
        items_sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'commerce_order_items'"
                               ).fetchone()[0]
        assert "REFERENCES commerce_orders (number)" in items_sql
        assert db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND "
                          "tbl_name = 'commerce_orders'").fetchall() == [("ix_commerce_orders_email",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    commerce_engine(f"sqlite:///{path}")  # a second start changes nothing


def test_the_cli_forgets_by_email(tmp_path: Path, shop: tuple[Engine, EventStore, Engine],
                                  monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AISLE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_PII_SECRET", KEY)
    monkeypatch.setenv("AISLE_STATE_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.sqlite'}")
    monkeypatch.setenv("AISLE_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.sqlite'}")
    assert main(["forget", "--email", "not an address"]) == 2
    assert "not an email address" in capsys.readouterr().err
    assert main(["forget", "--email", BOB]) == 0
    out = capsys.readouterr().out
    assert out.startswith("forgot the shopper with that email: 4 conversations,"), out
    assert BOB not in out
    assert _senders(shop[0]) == {"jim", "ann"}
    with pytest.raises(SystemExit):
        main(["forget", "--sender", "ann", "--email", BOB])
    assert main(["retention", "--days", "30"]) == 0
    assert "checkout emails" in capsys.readouterr().out


def _attempt(db: sqlite3.Connection, sender: str, email: str, at: datetime = NOW) -> None:
    db.execute("INSERT INTO commerce_verification_attempts (order_number, email_hash, sender_id, "
               "outcome, attempted_at) VALUES (100000001, ?, ?, 'failed', ?)",
               (email_token(email, KEY), sender, at))


def test_order_check_attempts_are_erased_by_conversation_and_by_the_email_s_hash(
        tmp_path: Path, shop: tuple[Engine, EventStore, Engine]) -> None:
    tracker, store, commerce = shop
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        _attempt(db, "bob-ordered", BOB)
        _attempt(db, "stranger", BOB)  # someone else tried Bob's address: still Bob's data
        _attempt(db, "ann", "ann@example.com")
        _attempt(db, "old-ann", "ann@example.com", NOW - timedelta(days=40))
    forget(tracker, store, commerce, email=BOB, email_tokens=[email_token(BOB, KEY)])
    apply_retention(30, tracker, store, now=NOW.replace(tzinfo=UTC), commerce=commerce)
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        assert db.execute("SELECT sender_id FROM commerce_verification_attempts").fetchall() == [
            ("ann",)]


def _audit_log(tmp_path: Path) -> None:
    """The agent console's audit log in the same database: an agent took over Bob's
    conversation, signed in from their address, and an old line from a year before."""
    from web.accounts import AgentAccounts

    AgentAccounts(f"sqlite:///{tmp_path / 'shop.sqlite'}", rounds=4)
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        for at, action, client, conversation in (
                (NOW, "taken_over", "10.0.0.7", "bob-ordered"),
                (NOW, "signed_in", "10.0.0.7", None),
                (NOW - timedelta(days=400), "taken_over", "10.0.0.8", "ann")):
            db.execute("INSERT INTO agent_audit (at, account, action, client, conversation_id) "
                       "VALUES (?, 'alice', ?, ?, ?)", (at, action, client, conversation))


def test_forget_unlinks_the_audit_log_from_the_erased_conversations(
        tmp_path: Path, shop: tuple[Engine, EventStore, Engine]) -> None:
    tracker, store, commerce = shop
    _audit_log(tmp_path)
    forget(tracker, store, commerce, email=BOB, email_tokens=[email_token(BOB, KEY)])
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        lines = db.execute("SELECT action, conversation_id FROM agent_audit ORDER BY id").fetchall()
    # What the agent did stays on record; whose conversation it was does not.
    assert lines == [("taken_over", None), ("signed_in", None), ("taken_over", "ann")]


def test_retention_covers_the_agent_audit_log(
        tmp_path: Path, shop: tuple[Engine, EventStore, Engine]) -> None:
    tracker, store, commerce = shop
    _audit_log(tmp_path)
    now = NOW.replace(tzinfo=UTC)
    removed = apply_retention(30, tracker, store, now=now, commerce=commerce, audit_days=365)
    assert removed["audit lines"] == 1
    with sqlite3.connect(tmp_path / "shop.sqlite") as db:
        assert db.execute("SELECT client FROM agent_audit").fetchall() == [("10.0.0.7",)] * 2
    assert b"10.0.0.8" not in (tmp_path / "shop.sqlite").read_bytes()
    with pytest.raises(ValueError, match="audit log"):
        apply_retention(30, tracker, store, now=now, commerce=commerce, audit_days=0)
