"""Aisle's fixes to Rasa's server (bot/server.py), run in the Rasa venv (Python 3.10)."""

from __future__ import annotations

import json
import subprocess
import textwrap

import pytest

from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = textwrap.dedent('''
    import json
    import jsonschema
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from bot.server import validate_action_results_with_one_validator

    good = {"events": [{"event": "slot", "name": "color", "value": "blue"}],
            "responses": [{"text": "Here you are", "custom": {"type": "cards"}}]}
    bad = {"events": [{"event": "slot", "name": 3}], "responses": "not a list"}
    action = RemoteAction("action_search_products", None)

    def outcome(reply):
        try:
            return action._validate_action_result(reply)
        except jsonschema.ValidationError as error:
            return error.message

    before = [outcome(good), outcome(bad)]
    validate_action_results_with_one_validator()
    schema_class = validator_for(RemoteAction.action_response_format_spec())
    checks = []
    schema_class.check_schema = classmethod(lambda cls, schema: checks.append(1))
    after = [outcome(good), outcome(bad), outcome(good)]
    print(json.dumps({"before": before, "after": after, "schema_checks": len(checks)}))
''')


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_action_replies_are_checked_as_before_without_rechecking_the_schema() -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT], cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "TF_CPP_MIN_LOG_LEVEL": "2"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["before"][0] is True
    assert "Failed to validate Action server response" in result["before"][1]
    assert result["after"] == [True, result["before"][1], True]
    assert result["schema_checks"] == 0


EVENTS_SCRIPT = textwrap.dedent('''
    import json
    import rasa.shared.utils.common as common
    from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
    from bot.server import resolve_event_types_once

    events = [UserUttered("show me bags", {"name": "search_products", "confidence": 0.9}),
              ActionExecuted("action_search_products"), BotUttered("Here you are"),
              SlotSet("color", "blue"), ActionExecuted("action_listen")] * 20
    stored = [e.as_dict() for e in events]

    def unknown():
        try:
            Event.from_parameters({"event": "no_such_event"})
        except ValueError as error:
            return str(error)

    before = [type(Event.from_parameters(d)).__name__ for d in stored], unknown()
    resolve_event_types_once()
    walks = []
    original = common.all_subclasses
    common.all_subclasses = lambda cls: (walks.append(1) if cls is Event else None) or original(cls)
    after = [type(Event.from_parameters(d)).__name__ for d in stored], unknown()
    same = [Event.from_parameters(d) for d in stored] == events
    print(json.dumps({"before": before, "after": after, "walks": len(walks), "same": same}))
''')


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_event_classes_are_looked_up_once_per_type_name() -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", EVENTS_SCRIPT], cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "TF_CPP_MIN_LOG_LEVEL": "2"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["after"] == result["before"]  # the same classes, the same error for a typo
    assert "no_such_event" in result["after"][1]
    assert result["same"] is True
    # 100 events of 4 types: one walk of the subclass tree per type, one for the unknown name
    assert result["walks"] <= 5
