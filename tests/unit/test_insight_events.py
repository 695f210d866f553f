"""The event store: validation, time-range queries, and dedup keys counted once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from insights.events import Event, EventStore

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _store(tmp_path: Path) -> EventStore:
    return EventStore(f"sqlite:///{tmp_path / 'events.sqlite'}")


def test_unknown_kind_and_missing_conversation_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown event kind"):
        Event(kind="clicked", conversation_id="a", at=T0, source="web")
    with pytest.raises(ValueError, match="conversation id"):
        Event(kind="message", conversation_id="", at=T0, source="tracker")


def test_time_range_kind_and_conversation_filters(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.record_many([
        Event("message", "a", T0, "tracker", data={"intent": "greet", "confidence": 0.98}),
        Event("card_click", "a", T0 + timedelta(minutes=1), "web", product_ids=("MH01",)),
        Event("message", "b", T0 + timedelta(hours=2), "tracker"),
    ])
    assert [e.kind for e in store.events(kinds=["card_click"])] == ["card_click"]
    in_first_hour = store.events(start=T0, end=T0 + timedelta(hours=1))
    assert [(e.conversation_id, e.kind) for e in in_first_hour] == [("a", "message"), ("a", "card_click")]
    assert in_first_hour[1].product_ids == ("MH01",)
    assert in_first_hour[0].data == {"intent": "greet", "confidence": 0.98}
    assert in_first_hour[0].at == T0
    assert [e.kind for e in store.events(conversation_id="b")] == ["message"]


def test_a_dedup_key_is_stored_once(tmp_path: Path) -> None:
    store = _store(tmp_path)
    event = Event("message", "a", T0, "tracker", dedup_key="tracker:a:1")
    assert store.record_many([event, Event("message", "a", T0, "tracker")]) == 2
    assert store.record_many([event]) == 0
    assert len(store.events()) == 2
