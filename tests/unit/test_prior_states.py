"""The per-conversation cache of Rasa's prior states (bot/prior_states.py, installed by
bot/server.py), checked in the Rasa venv (Python 3.10) against Rasa 3.6's own computation."""

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
def test_a_message_late_in_a_long_conversation_builds_only_its_new_states(checked: dict) -> None:
    assert checked["long_events"] > 1000 and checked["long_same"] is True
    assert checked["rasa_builds"] > 500  # Rasa: one state per action of the conversation
    assert checked["cached_builds"] <= 3  # the message's action, the next listen, the end
