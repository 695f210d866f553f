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
    print("hide_parameters", store.engine.hide_parameters)
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
    assert done.stdout.split("\n")[-3] == "hide_parameters True"  # errors carry no values
    raw = db.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("tracker.sqlite-*"))
    for secret in (b"ann@example.com", b"4111", b"555 123", b"Elm Street"):
        assert secret not in raw
    with sqlite3.connect(db) as connection:  # one fsync-light commit per turn
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


OFF_LOOP_SCRIPT = textwrap.dedent("""
    import asyncio, sys, threading, time
    import bot.tracker_store as tracker_store
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    on_loop_thread, spent = [], []
    redact_event = tracker_store.redact_event

    def spy(data):
        started = time.perf_counter()
        on_loop_thread.append(threading.current_thread() is threading.main_thread())
        try:
            return redact_event(data)
        finally:
            spent.append(time.perf_counter() - started)

    tracker_store.redact_event = spy
    store = tracker_store.RedactingSQLTrackerStore(dialect="sqlite", db=sys.argv[1])
    tracker = DialogueStateTracker("shopper", [])
    tracker.update(UserUttered("mail ann@example.com " + "12 34 56 78 90 " * 30_000))

    async def main():
        ticks = []

        async def tick():
            while True:
                ticks.append(time.perf_counter())
                await asyncio.sleep(0.005)

        ticking = asyncio.create_task(tick())
        await asyncio.sleep(0.02)
        await store.save(tracker)
        ticking.cancel()
        return max(b - a for a, b in zip(ticks, ticks[1:]))

    longest_pause = asyncio.run(main())
    text = asyncio.run(store.retrieve("shopper")).latest_message.text
    print(any(on_loop_thread), round(sum(spent), 3), round(longest_pause, 3), text[:13])
""")


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_a_long_message_is_redacted_off_the_event_loop(tmp_path: Path) -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", OFF_LOOP_SCRIPT, str(tmp_path / "t.sqlite")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false"})
    assert done.returncode == 0, done.stderr[-3000:]
    on_loop, redacting_s, longest_pause_s, text = done.stdout.split("\n")[-2].split(" ", 3)
    assert on_loop == "False", "the tracker store redacted on the event loop's thread"
    assert text == "mail [email] "
    # The loop kept running while the thread redacted (it shares the GIL, so it runs slower).
    assert float(longest_pause_s) < max(0.5, float(redacting_s) / 2), (longest_pause_s, redacting_s)
