"""End-to-end insights: replayed traffic through both real servers gives exact funnel counts,
personal data never reaches the databases or logs, and erasure removes one shopper only."""

from __future__ import annotations

import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine

from aisle.settings import REPO_ROOT
from insights.events import EventStore
from insights.metrics import funnel
from insights.replay import load_corpus, replay
from insights.sync import sync_tracker
from ops.servers import RunningAssistant, running_assistant

pytestmark = pytest.mark.e2e
PERSONAL = ("pat.private@example.com", "867-5309", "867 5309", "4242 4242 4242 4242",
            "4242424242424242", "742 Evergreen Terrace")


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("insights-shop") / "shop.sqlite"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, shop_db: Path) -> Iterator[RunningAssistant]:
    # Debug logs on both servers: Rasa then logs every user message, which must come out redacted.
    env = {"AISLE_STATE_DATABASE_URL": f"sqlite:///{shop_db}", "AISLE_LOG_LEVEL": "DEBUG",
           "LOG_LEVEL": "DEBUG"}
    with running_assistant(tmp_path_factory.mktemp("insights-e2e"), extra_env=env) as running:
        yield running


@pytest.fixture(scope="module")
def replayed(assistant: RunningAssistant, client: httpx.Client, shop_db: Path):  # type: ignore[no-untyped-def]
    done = replay(load_corpus(), assistant.rasa_url, client, run_id=uuid.uuid4().hex[:6])
    store = EventStore(f"sqlite:///{shop_db}")
    sync_tracker(create_engine(f"sqlite:///{assistant.tracker_db}"), store)
    return done, store


def test_replayed_corpus_gives_the_exact_funnel(replayed) -> None:  # type: ignore[no-untyped-def]
    done, store = replayed
    events = [e for e in store.events() if e.conversation_id in done.senders]
    assert events and all(e.replayed for e in events)
    counts = [step.conversations for step in funnel(events)]
    assert counts == [5, 4, 3, 2, 1], [(e.conversation_id, e.kind) for e in events]
    kinds = {(e.conversation_id.rsplit("-", 1)[-1], e.kind) for e in events}
    assert {("buyer", "checkout"), ("buyer", "order"), ("chat", "handoff"),
            ("carter", "cart_add")} <= kinds
    unmet = [e for e in events if e.kind == "search" and e.conversation_id.endswith("-unmet")]
    assert unmet and unmet[0].data["results"] == 0


def _say(assistant: RunningAssistant, client: httpx.Client, sender: str, text: str) -> None:
    assistant.say(sender, text, client)


def test_personal_data_reaches_no_database_file_or_log(assistant: RunningAssistant,
                                                      client: httpx.Client, shop_db: Path) -> None:
    sender = f"e2e-private-{uuid.uuid4().hex[:6]}"
    for text in ("my email is pat.private@example.com, call me on 555-867-5309",
                 "my card number is 4242 4242 4242 4242", "I live at 742 Evergreen Terrace",
                 "show me bags", "add the first one to my cart", "checkout",
                 "pat.private@example.com"):
        _say(assistant, client, sender, text)
    store = EventStore(f"sqlite:///{shop_db}")
    sync_tracker(create_engine(f"sqlite:///{assistant.tracker_db}"), store)
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    assert len(rows) > 10
    events = store.events(conversation_id=sender)
    assert any(e.kind == "message" and "[email]" in e.data["text"] for e in events)
    stored = "\n".join(r[0] for r in rows) + "\n".join(str(e.data) for e in events)
    files = [assistant.tracker_db, *assistant.logs.glob("*.log")]
    for secret in PERSONAL:
        assert secret not in stored, secret
        for path in files:
            assert secret.encode() not in path.read_bytes(), (secret, path)
    # The shop database holds the checkout email only where commerce needs it (to place the
    # order), never in the events; no phone, card or address at all.
    raw_shop = shop_db.read_bytes()
    for secret in PERSONAL[1:]:
        assert secret.encode() not in raw_shop, secret


def test_forget_erases_one_replayed_shopper_and_keeps_the_others(
        assistant: RunningAssistant, replayed, shop_db: Path) -> None:  # type: ignore[no-untyped-def]
    done, store = replayed
    buyer, carter = (s for s in done.senders if s.endswith(("-buyer", "-carter")))
    before = len(store.events(conversation_id=carter))
    result = subprocess.run(
        [str(REPO_ROOT / ".venv/bin/python"), "-m", "insights", "forget", "--sender", buyer],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={"PYTHONPATH": str(REPO_ROOT), "AISLE_STATE_DATABASE_URL": f"sqlite:///{shop_db}",
             "AISLE_TRACKER_DATABASE_URL": f"sqlite:///{assistant.tracker_db}"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"forgot {buyer}: ") and "1 orders anonymised" in result.stdout
    assert store.events(conversation_id=buyer) == []
    assert len(store.events(conversation_id=carter)) == before
    with sqlite3.connect(assistant.tracker_db) as db:
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (buyer,)).fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (carter,)).fetchone()[0] > 0
    with sqlite3.connect(shop_db) as db:
        assert db.execute("SELECT count(*) FROM commerce_orders WHERE sender_id = ?",
                          (buyer,)).fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM commerce_cart_items WHERE sender_id = ?",
                          (carter,)).fetchone()[0] == 1
    for path in (shop_db, assistant.tracker_db):
        raw = path.read_bytes()
        assert buyer.encode() not in raw and b"replay.buyer@example.com" not in raw, path
