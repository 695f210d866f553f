"""Action requests with the older events cut (bot/action_request.py, installed by bot/server.py):
the action server reads the same from them as from Rasa 3.6's, on the project's conversations.

The requests are built in the Rasa venv (tests/unit/action_request_check.py); here, in the
action server's venv, each is read the way the actions read it: rasa-sdk's ``Tracker``, the
turn ``actions.common.read_turn`` hands the dialogue layer (slots, latest message, every
shopper message's text and intent), ``actions.orders.just_asked`` and the slots a form
validator sees (``Tracker.slots_to_validate``).
"""

from __future__ import annotations

import json
import subprocess

import pytest
from rasa_sdk import Tracker

from actions.common import read_turn
from actions.orders import just_asked
from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
CHECK = REPO_ROOT / "tests" / "unit" / "action_request_check.py"

pytestmark = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")


@pytest.fixture(scope="module")
def requests(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("requests") / "requests.jsonl"
    done = subprocess.run([str(RASA_PYTHON), str(CHECK), str(out)], cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "TF_CPP_MIN_LOG_LEVEL": "2"},
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in out.read_text().splitlines()]


def read(tracker: Tracker) -> tuple:
    return (read_turn(tracker), just_asked(tracker), tracker.slots_to_validate(),
            tracker.latest_message, tracker.active_loop, tracker.latest_action_name,
            tracker.followup_action, tracker.is_paused(), tracker.get_latest_input_channel())


def test_the_actions_read_the_same_from_the_cut_request(requests: list[dict]) -> None:
    assert len(requests) > 200
    differ = [n for n, pair in enumerate(requests)
              if read(Tracker.from_dict(pair["ours"]["tracker"]))
              != read(Tracker.from_dict(pair["rasa"]["tracker"]))]
    assert differ == []
    # long enough that some messages lie before the window and the history needs them
    assert sum(len(read_turn(Tracker.from_dict(p["ours"]["tracker"])).history) > 10
               for p in requests) > 50


def test_only_the_events_differ_and_the_recent_ones_are_rasas(requests: list[dict]) -> None:
    for pair in requests:
        rasa, ours = pair["rasa"], pair["ours"]
        assert {k: v for k, v in rasa.items() if k != "tracker"} == \
            {k: v for k, v in ours.items() if k != "tracker"}
        assert {k: v for k, v in rasa["tracker"].items() if k != "events"} == \
            {k: v for k, v in ours["tracker"].items() if k != "events"}
        whole = [e for e in ours["tracker"]["events"] if not e.get("aisle_cut")]
        assert whole == rasa["tracker"]["events"][len(rasa["tracker"]["events"]) - len(whole):]


def test_a_request_no_longer_carries_the_whole_conversation(requests: list[dict]) -> None:
    longest = max(requests, key=lambda p: len(p["rasa"]["tracker"]["events"]))
    rasa, ours = longest["rasa"]["tracker"]["events"], longest["ours"]["tracker"]["events"]
    messages = sum(e["event"] == "user" for e in rasa)
    assert len(rasa) > 150
    assert len(ours) < messages + 20 and len(json.dumps(ours)) < len(json.dumps(rasa)) / 3


def test_the_actions_read_events_only_where_the_cut_was_checked() -> None:
    # bot/action_request.py sends older events cut to what these readers need; an action that
    # reads tracker.events elsewhere must be checked against the cut (and named here)
    readers = sorted(
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for folder in ("actions", "dialogue")
        for path in (REPO_ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "tracker.events" in line or "get_last_event_for" in line
        or "applied_events" in line or "events_after_latest_restart" in line)
    assert [r.split(":")[0] for r in readers] == ["actions/common.py", "actions/orders.py"]
