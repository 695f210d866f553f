"""The redacting tracker store, run in the Rasa venv (Python 3.10) as Rasa runs it."""

from __future__ import annotations

import sqlite3
import subprocess
import textwrap
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = textwrap.dedent("""
    import asyncio, sys
    from bot.tracker_store import RedactingSQLTrackerStore
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    store = RedactingSQLTrackerStore(dialect="sqlite", db=sys.argv[1])
    tracker = DialogueStateTracker("shopper", [])
    tracker.update(UserUttered(
        "I'm ann@example.com, +1 555 123 4567, card 4111 1111 1111 1111, 12 Elm Street",
        {"name": "give_email", "confidence": 0.9},
        [{"entity": "email", "value": "ann@example.com"}]))
    tracker.update(SlotSet("email", "ann@example.com"))
    tracker.update(SlotSet("order_id", "000000123"))
    tracker.update(SlotSet("shown_products", ["0123456789"]))
    tracker.update(BotUttered("Sent to ann@example.com", {"custom": {"to": "ann@example.com"}}))
    asyncio.run(store.save(tracker))
    loaded = asyncio.run(store.retrieve("shopper"))
    slots = [e.value for e in loaded.events if isinstance(e, SlotSet)]
    print(*slots, loaded.latest_message.text)
""")


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_nothing_personal_reaches_the_tracker_database(tmp_path: Path) -> None:
    db = tmp_path / "tracker.sqlite"
    done = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, str(db)], cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[-2] == (
        "[email] 000000123 ['0123456789'] I'm [email], [phone], card [card], [address]")
    raw = db.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("tracker.sqlite-*"))
    for secret in (b"ann@example.com", b"4111", b"555 123", b"Elm Street"):
        assert secret not in raw
    with sqlite3.connect(db) as connection:  # one fsync-light commit per turn
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
