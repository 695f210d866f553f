"""Loading a conversation from the redacting tracker store (bot/tracker_store.py), in the Rasa
venv (Python 3.10): the same tracker as Rasa's own SQL store gives, without an ORM object per
stored event."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = textwrap.dedent("""
    import asyncio, json, sys
    from sqlalchemy import event
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                         UserUttered)
    from rasa.shared.core.trackers import DialogueStateTracker
    from bot.tracker_store import RedactingSQLTrackerStore

    domain = Domain.load("domain.yml")
    store = RedactingSQLTrackerStore(domain, dialect="sqlite", db=sys.argv[1])
    tracker = DialogueStateTracker("shopper", domain.slots)
    clock = [1_700_000_000.0]

    def add(e):
        clock[0] += 1
        e.timestamp = clock[0]
        tracker.update(e)

    for session in range(2):
        add(ActionExecuted("action_session_start"))
        add(SessionStarted())
        add(ActionExecuted("action_listen"))
        for turn in range(40):
            add(UserUttered(f"show me bags {turn}", {"name": "search_products",
                                                   "confidence": 0.9},
                            [{"entity": "product_type", "value": "bags"}]))
            add(ActionExecuted("action_search_products"))
            add(SlotSet("shown_products", [f"MB{turn:02d}"]))
            add(BotUttered(f"Here are bags {turn}", {"custom": {"type": "cards"}}))
            add(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))

    selects = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *rest: selects.append(statement))
    ours = [asyncio.run(store._retrieve("shopper", every)) for every in (False, True)]
    rasas = [asyncio.run(SQLTrackerStore._retrieve(store, "shopper", every))
             for every in (False, True)]
    none = asyncio.run(store._retrieve("nobody", False))

    def dump(t):
        return [e.as_dict() for e in t.events]

    print(json.dumps({
        "same": [dump(a) == dump(b) for a, b in zip(ours, rasas)],
        "same_state": [a.current_state() == b.current_state() for a, b in zip(ours, rasas)],
        "events": [len(t.events) for t in ours],
        "none": none is None,
        "our_select": " ".join(selects[0].split()).split(" FROM ")[0]}))
""")


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_the_tracker_loads_as_rasa_loads_it_reading_only_the_event_json(tmp_path: Path) -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, str(tmp_path / "t.sqlite")],
                          cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "TF_CPP_MIN_LOG_LEVEL": "2"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # the latest session alone, and every session, as Rasa's store gives them
    assert 200 <= result["events"][0] < 210 and result["events"][1] == 406
    assert result["same"] == [True, True] and result["same_state"] == [True, True]
    assert result["none"] is True
    # one column per stored event, not an ORM object with all of them
    assert result["our_select"] == "SELECT events.data AS events_data"


POOL_SCRIPT = textwrap.dedent("""
    import asyncio, json, sys, threading
    from sqlalchemy import event
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from bot.tracker_store import RedactingSQLTrackerStore

    domain = Domain.load("domain.yml")
    store = RedactingSQLTrackerStore(domain, dialect="sqlite", db=sys.argv[1])
    connects = []
    event.listen(store.engine, "connect", lambda *args: connects.append(1))
    tracker = DialogueStateTracker("shopper", domain.slots)

    async def turns():
        for turn in range(5):
            loaded = await store.retrieve("shopper") or tracker
            loaded.update(UserUttered(f"bags {turn}", {"name": "search_products"}))
            loaded.update(ActionExecuted("action_listen"))
            await store.save(loaded)
        return await store.retrieve("shopper")

    final = asyncio.run(turns())
    # another thread (Rasa's executor, a test client) gets a pooled connection too
    other = []
    worker = threading.Thread(target=lambda: other.append(len(asyncio.run(
        store.retrieve("shopper")).events)))
    worker.start(); worker.join()
    with store.engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").fetchone()[0]
        sync = connection.exec_driver_sql("PRAGMA synchronous").fetchone()[0]
    print(json.dumps({"connects": len(connects), "events": len(final.events),
                      "other_thread": other, "mode": mode, "synchronous": sync}))
""")


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_sqlite_connections_are_kept_between_messages(tmp_path: Path) -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", POOL_SCRIPT, str(tmp_path / "t.sqlite")],
                          cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "TF_CPP_MIN_LOG_LEVEL": "2"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["events"] == 10 and result["other_thread"] == [10]
    # 6 loads, 5 saves and the check above on the connection opened when the store started
    # (with SQLAlchemy 1.4's NullPool each opened its own: 13)
    assert result["connects"] == 0
    assert result["mode"] == "wal" and result["synchronous"] == 1  # NORMAL, as before
