"""Syncing a tracker store into events (counted once), retention and erasure, on SQLite files
shaped like Rasa's tracker store and the shop database."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine

from commerce.schema import CartItemRow, CartRow, ContactRow, OrderRow, commerce_engine
from insights.events import Event, EventStore
from insights.privacy import apply_retention, forget_sender
from insights.sync import sync_tracker
from insights.tracker_events import TrackerConverter, TrackerRow

T0 = datetime(2026, 1, 2, 10, tzinfo=UTC).timestamp()
TRACKER_SCHEMA = ("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                  "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                  "action_name VARCHAR(255), data TEXT)")


def _user(text: str, intent: str, confidence: float = 0.95) -> dict:
    return {"event": "user", "text": text, "parse_data": {
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": "product_type", "value": "jacket", "start": 0, "end": 6}]}}


def _action(name: str) -> dict:
    return {"event": "action", "name": name}


def _bot(custom: dict) -> dict:
    return {"event": "bot", "text": "…", "data": {"custom": custom}}


def _card(product_id: str) -> dict:
    return {"id": product_id, "name": f"Jacket {product_id}", "price": 60.0, "currency": "USD",
            "category": "Women/Tops/Jackets", "colors": [], "sizes": [], "image": None,
            "reason": ""}


SEARCH = {"constraints": {"product_type": "jacket"}, "query": "jacket", "results": 2,
          "top_score": 0.71}
CONVERSATION = [
    _user("show me jackets", "search_products"), _action("action_search_products"),
    _bot({"type": "products", "products": [_card("WJ01"), _card("WJ02")], "search": SEARCH}),
    _user("is the first one warm", "ask_product_question"), _action("action_answer_question"),
    _bot({"type": "answer", "text": "I can't find that.", "grounded": False, "citations": [],
          "product_id": "WJ01"}),
    _user("something similar", "ask_similar"), _action("action_show_similar"),
    _bot({"type": "products", "products": [_card("WJ03")]}),
    _user("laptops", "search_products", 0.41), _action("action_search_products"),
    _bot({"type": "search", "search": {**SEARCH, "results": 0, "top_score": None}}),
    _user("qwerty", "nlu_fallback", 0.2), _action("action_handle_fallback"),
    _user("a human please", "human_handoff"), _action("action_human_handoff"),
    _bot({"type": "handoff", "status": "requested"}),
]


def _write_tracker(path: Path, sender: str, events: list[dict], start: float = T0) -> None:
    with sqlite3.connect(path) as db:
        db.execute(TRACKER_SCHEMA.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
        for n, event in enumerate(events):
            stamp = start + n
            db.execute("INSERT INTO events (sender_id, type_name, timestamp, intent_name, "
                       "action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
                       (sender, event["event"], stamp, None, event.get("name"),
                        json.dumps({**event, "timestamp": stamp})))


@pytest.fixture()
def tracker(tmp_path: Path) -> Engine:
    path = tmp_path / "tracker.sqlite"
    _write_tracker(path, "s1", CONVERSATION)
    _write_tracker(path, "replay-x-s2", CONVERSATION[:3])
    return create_engine(f"sqlite:///{path}")


@pytest.fixture()
def store(tmp_path: Path) -> EventStore:
    return EventStore(f"sqlite:///{tmp_path / 'shop.sqlite'}")


def test_tracker_rows_become_events_once(tracker: Engine, store: EventStore) -> None:
    first = sync_tracker(tracker, store, batch=4)  # batches split the action from its reply
    assert first.rows == len(CONVERSATION) + 3
    kinds = [e.kind for e in store.events(conversation_id="s1")]
    assert kinds == ["conversation_started", "message", "search", "products_shown", "message",
                     "question", "message", "products_shown", "message", "search", "message",
                     "fallback", "message", "handoff"]
    again = sync_tracker(tracker, store)
    assert (again.rows, again.events) == (0, 0)
    assert len(store.events()) == first.events == len(kinds) + 4


def test_event_details_and_replay_label(tracker: Engine, store: EventStore) -> None:
    sync_tracker(tracker, store)
    events = store.events(conversation_id="s1")
    search = next(e for e in events if e.kind == "search")
    assert search.data["results"] == 2 and search.data["top_score"] == 0.71
    assert search.data["constraints"] == {"product_type": "jacket"}
    shown = [e for e in events if e.kind == "products_shown"]
    assert [(e.product_ids, e.data["list"]) for e in shown] == [
        (("WJ01", "WJ02"), "search"), (("WJ03",), "recommended")]
    assert shown[0].data["positions"] == {"WJ01": 1, "WJ02": 2}
    question = next(e for e in events if e.kind == "question")
    assert question.product_ids == ("WJ01",) and question.data == {
        "grounded": False, "question": "is the first one warm"}
    message = events[1]
    assert message.data["intent"] == "search_products" and message.data["confidence"] == 0.95
    assert message.data["entities"] == [{"entity": "product_type", "value": "jacket"}]
    assert not any(e.replayed for e in events)
    assert all(e.replayed for e in store.events(conversation_id="replay-x-s2"))


def test_a_payload_that_breaks_the_contract_is_logged_and_read_as_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    renamed = {"type": "products", "cards": [_card("WJ01")]}
    rows = [TrackerRow(n, "s1", event["event"], T0 + n, event.get("name"), json.dumps(event))
            for n, event in enumerate([_action("action_search_products"), _bot(renamed),
                                       _bot({"type": "handoff", "status": "requested"})], 1)]
    with caplog.at_level("WARNING", logger="insights.tracker_events"):
        events = list(TrackerConverter().convert(rows))
    assert [e.kind for e in events] == ["handoff"]
    assert "tracker row 2: payload of type 'products' does not match" in caplog.text
    assert "cards" in caplog.text


def test_events_are_redacted_whoever_records_them(store: EventStore) -> None:
    store.record(Event(kind="message", conversation_id="s9", at=datetime.now(UTC), source="web",
                       data={"text": "I'm a@b.co, card 4111 1111 1111 1111"}))
    [event] = store.events(conversation_id="s9")
    assert event.data["text"] == "I'm [email], card [card]"


def _shop(url: str) -> Engine:
    engine = commerce_engine(url)
    now = datetime(2026, 11, 2)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
        for sender, number, email in (("s1", 100001, "one@example.com"),
                                      ("s3", 100002, "three@example.com")):
            db.execute(f"INSERT INTO {CartRow.__tablename__} (sender_id, country, region, "
                       "updated_at) VALUES (?, 'US', '*', ?)", (sender, now))
            db.execute(f"INSERT INTO {CartItemRow.__tablename__} (sender_id, sku, product_id, "
                       "name, quantity, unit_price_cents, categories, on_sale) "
                       "VALUES (?, 'S', 'P', 'N', 1, 100, '[]', 0)", (sender,))
            db.execute(f"INSERT INTO {ContactRow.__tablename__} VALUES (?, ?, ?)",
                       (sender, email, now))
            db.execute(f"INSERT INTO {OrderRow.__tablename__} (number, email, sender_id, status, "
                       "placed_at, shipping_method, subtotal_cents, discount_cents, "
                       "shipping_cents, total_cents, currency, promotions, payment, source) "
                       "VALUES (?, ?, ?, 'pending', ?, 'standard', 1, 0, 0, 1, 'USD', '[]', "
                       "'none', 'assistant')", (number, email, sender, now))
    return engine


def test_forget_removes_every_trace_of_one_sender_and_nothing_of_another(
        tmp_path: Path, tracker: Engine, store: EventStore) -> None:
    _write_tracker(tmp_path / "tracker.sqlite", "s3", CONVERSATION[:6])
    shop = _shop(str(store.engine.url))
    sync_tracker(tracker, store)
    before_s3 = len(store.events(conversation_id="s3"))
    removed = forget_sender("s1", tracker, store, shop)
    assert removed == {"tracker rows": len(CONVERSATION), "events": 14, "cart lines": 1,
                       "carts": 1, "checkout emails": 1, "customer records": 0,
                       "orders anonymised": 1, "other rows": 0}
    tracker_db = tmp_path / "tracker.sqlite"
    shop_db = tmp_path / "shop.sqlite"
    with sqlite3.connect(tracker_db) as db:
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = 's1'").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = 's3'").fetchone() == (6,)
    with sqlite3.connect(shop_db) as db:
        for table in ("commerce_carts", "commerce_cart_items", "commerce_contacts",
                      "commerce_orders", "insight_events"):
            column = "conversation_id" if table == "insight_events" else "sender_id"
            assert db.execute(f"SELECT count(*) FROM {table} WHERE {column} = 's1'").fetchone() == (0,)
            assert db.execute(f"SELECT count(*) FROM {table} WHERE {column} = 's3'").fetchone() != (0,)
        assert db.execute("SELECT email FROM commerce_orders WHERE number = 100001").fetchone() == (
            None,)
    assert b"one@example.com" not in shop_db.read_bytes()
    assert len(store.events(conversation_id="s3")) == before_s3


def test_retention_deletes_only_what_is_older(tmp_path: Path, tracker: Engine,
                                              store: EventStore) -> None:
    recent = datetime.now(UTC).timestamp()
    _write_tracker(tmp_path / "tracker.sqlite", "new", CONVERSATION[:3], start=recent)
    sync_tracker(tracker, store)
    removed = apply_retention(30, tracker, store)
    assert removed == {"events": 18, "tracker rows": len(CONVERSATION) + 3}
    assert {e.conversation_id for e in store.events()} == {"new"}
    with pytest.raises(ValueError):
        apply_retention(0, tracker, store, now=datetime.now(UTC) - timedelta(days=1))
