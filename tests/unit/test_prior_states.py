"""The per-conversation cache of Rasa's prior states (bot/prior_states.py) and the per-tracker
walk of its applied events (bot/applied_events.py), both installed by bot/server.py, checked in
the Rasa venv (Python 3.10) against Rasa 3.6's own computation."""

from __future__ import annotations

import json
import subprocess

import pytest

from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
CHECK = REPO_ROOT / "tests" / "unit" / "prior_states_check.py"


@pytest.fixture(scope="module")
def checked() -> dict:
    done = subprocess.run([str(RASA_PYTHON), str(CHECK)], cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "TF_CPP_MIN_LOG_LEVEL": "2"},
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_cached_states_equal_rasas_on_the_projects_conversations(checked: dict) -> None:
    # every story, rule and conversation test, grown one event at a time with reverts,
    # restarts, new sessions, follow-ups and form loops, for the 8 flag combinations
    assert checked["conversations"] >= 10 and checked["longest"] >= 150
    assert checked["compared"] > 10_000
    assert checked["mismatches"] == 0, checked["first_mismatch"]
    # the answers came from the cache, not from Rasa's method behind it
    assert checked["bypassed"] == 0
    assert checked["extended"] > checked["replayed"] and checked["reused"] > 0


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_applied_events_walked_once_per_tracker_equal_rasas(checked: dict) -> None:
    # a tracker updated event by event and one rebuilt from (reloaded) events at every step
    assert checked["applied_compared"] > 4000
    assert checked["applied_mismatches"] == 0
    # most calls continued an earlier walk (a new loop name or new objects walk again)
    assert checked["applied_continued"] > 5 * checked["applied_restarted"] > 0


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_a_message_late_in_a_long_conversation_builds_only_its_new_states(checked: dict) -> None:
    assert checked["long_events"] > 1000 and checked["long_same"] is True
    assert checked["rasa_builds"] > 500  # Rasa: one state per action of the conversation
    assert checked["cached_builds"] <= 3  # the message's action, the next listen, the end


SWITCH_SCRIPT = """
import json
from rasa.shared.core.domain import Domain
from bot.server import StartRefused, cache_prior_states

rasa_method = Domain.states_for_tracker_history
off = cache_prior_states({"AISLE_RASA_STATE_CACHE_ENTRIES": "0"})
untouched = Domain.states_for_tracker_history is rasa_method
try:
    cache_prior_states({"AISLE_RASA_STATE_CACHE_ENTRIES": "lots"})
    refused = None
except StartRefused as error:
    refused = str(error)
still_untouched = Domain.states_for_tracker_history is rasa_method
cache = cache_prior_states({"AISLE_RASA_STATE_CACHE_ENTRIES": "2"})
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
domain = Domain.load("domain.yml")
events = [ActionExecuted("action_listen"), UserUttered("hi", {"name": "greet"}),
          ActionExecuted("utter_greet"), ActionExecuted("action_listen")]
same = []
for sender in ("a", "b", "c"):
    tracker = DialogueStateTracker.from_events(sender, events, slots=domain.slots)
    same.append(domain.states_for_tracker_history(tracker) == rasa_method(domain, tracker))
from bot.prior_states import PriorStatesCache
now = [0.0]
idle = PriorStatesCache(entries=10, idle_seconds=900, clock=lambda: now[0])
for sender, at in (("a", 0.0), ("b", 600.0), ("c", 1000.0)):
    now[0] = at
    tracker = DialogueStateTracker.from_events(sender, events, slots=domain.slots)
    idle.states(domain, tracker)
print(json.dumps({"kept": len(cache), "same": same, "after_idle": len(idle),"off": off is None, "untouched": untouched, "refused": refused,
                  "still_untouched": still_untouched, "entries": cache.entries,
                  "patched": Domain.states_for_tracker_history is not rasa_method}))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_the_cache_is_bounded_and_zero_entries_turn_it_off() -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", SWITCH_SCRIPT], cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "TF_CPP_MIN_LOG_LEVEL": "2"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["off"] and result["untouched"]
    assert "AISLE_RASA_STATE_CACHE_ENTRIES must be a whole number" in result["refused"]
    assert "'lots'" in result["refused"] and result["still_untouched"]
    assert result["entries"] == 2 and result["patched"]
    assert result["kept"] == 2 and result["same"] == [True, True, True]  # oldest dropped
    assert result["after_idle"] == 2  # "a", idle for 1000 s, dropped at c's message
