"""Trackers kept between messages by the redacting tracker store (bot/tracker_store.py) and
copied without a replay (bot/tracker_clone.py), checked in the Rasa venv (Python 3.10) against
Rasa 3.6's own replay and against the same store keeping nothing."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
CHECK = REPO_ROOT / "tests" / "unit" / "tracker_cache_check.py"
ENV = {"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
       "TF_CPP_MIN_LOG_LEVEL": "2"}

pytestmark = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("trackers")
    done = subprocess.run([str(RASA_PYTHON), str(CHECK), str(folder)], cwd=REPO_ROOT, env=ENV,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_copy_is_the_state_rasas_replay_gives(checked: dict) -> None:
    # every step of the project's stories, rules and conversation tests, with reverts,
    # restarts, new sessions, follow-ups and loops mixed in
    assert checked["copies_compared"] > 1000
    assert checked["copy_mismatches"] == 0, checked["first_copy_mismatch"]
    # a turn changing its copy (events, slots, loop, latest action) leaves the original alone
    assert checked["copies_changed"] > 100
    assert checked["copies_left_alone"] == checked["copies_changed"]


def test_tracker_copy_before_an_action_is_rasas_without_the_replay(checked: dict) -> None:
    # bot/server.py's copy_trackers_without_replay: DialogueStateTracker.copy, which Rasa's
    # processor calls before every action, gives the state Rasa's replaying copy gives
    assert checked["rasa_copies_compared"] > 200
    assert checked["rasa_copies_same"] == checked["rasa_copies_compared"]


def test_rule_states_are_formatted_only_for_a_debug_log(checked: dict) -> None:
    assert checked["formatted_with_debug_on"] is True
    assert checked["formatted_with_debug_off"] is False


def test_a_kept_conversation_is_not_loaded_again(checked: dict) -> None:
    # three messages of a kept conversation: no event read back from the database
    assert checked["reused_in_3_turns"] == 3
    assert checked["json_reads_in_3_kept_turns"] == 0
    assert checked["plain_kept"] == 0  # 0 entries: every message loads, as Rasa's store


def test_a_kept_tracker_is_the_tracker_the_database_gives(checked: dict) -> None:
    steps = dict(checked["same"])
    assert len(steps) >= 20
    assert all(steps.values()), [step for step, same in checked["same"] if not same]
    for step in ("after another replica's turn", "after a failed turn", "after a new session",
                 "a message in the new session", "after a failed save"):
        assert steps[step] is True
    assert checked["failed_turn_left_nothing"] is True


def test_kept_trackers_hold_only_redacted_text(checked: dict) -> None:
    # what is kept and handed out is what the database holds: the email and phone number the
    # shopper wrote (text, entities, slot, bot reply) are redacted there too
    assert checked["personal_data_kept"] is False


def test_errors_erasure_and_bounds_drop_kept_trackers(checked: dict) -> None:
    assert checked["failing_save_raised"] is True
    assert checked["kept_after_failing_save"] is False
    assert checked["erased_gives_none"] is True and checked["erased_not_kept"] is True
    assert checked["kept_conversations"] == ["c", "d", "e"]  # 3 entries, least recent gone
    assert checked["counts"]["dropped"] >= 3 and checked["counts"]["reused"] > 20


SWITCH_SCRIPT = textwrap.dedent("""
    import json, sys
    from bot.server import StartRefused, keep_trackers
    from bot.tracker_store import RedactingSQLTrackerStore
    from rasa.shared.core.domain import Domain

    before = RedactingSQLTrackerStore.cached_conversations
    got = [keep_trackers({"AISLE_RASA_STATE_CACHE_ENTRIES": "0"}),
           keep_trackers({"AISLE_RASA_STATE_CACHE_ENTRIES": "7"}), keep_trackers({})]
    try:
        keep_trackers({"AISLE_RASA_STATE_CACHE_ENTRIES": "lots"})
        refused = None
    except StartRefused as error:
        refused = str(error)
    keep_trackers({"AISLE_RASA_STATE_CACHE_ENTRIES": "7"})
    store = RedactingSQLTrackerStore(Domain.load("domain.yml"), dialect="sqlite", db=sys.argv[1])
    told = RedactingSQLTrackerStore(Domain.load("domain.yml"), dialect="sqlite", db=sys.argv[1],
                                    cached_conversations=0)
    print(json.dumps({"before": before, "got": got, "refused": refused,
                      "entries": [store.kept_entries, told.kept_entries]}))
""")


def test_the_server_switch_sets_the_entries_and_zero_keeps_none(tmp_path: Path) -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", SWITCH_SCRIPT, str(tmp_path / "t.sqlite")],
                          cwd=REPO_ROOT, env=ENV,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["before"] == 0  # a store not started by bot/server.py keeps nothing
    assert result["got"] == [0, 7, 1000]
    assert "AISLE_RASA_STATE_CACHE_ENTRIES" in result["refused"]
    assert result["entries"] == [7, 0]
