"""Aisle's Rasa entry point: Rasa 3.6's own command line, after the fixes below.

    .venv-rasa/bin/python -m bot.server run --enable-api --model models/aisle.tar.gz ...

Takes every argument ``rasa`` takes (``scripts/run.sh``, the test and cluster servers in
``ops/servers.py`` start Rasa this way). Rasa offers no hook for these, so they are applied
here, once, before its CLI runs, and each says why.

* **The action server's reply is checked with one schema validator built once.** Rasa 3.6
  checks every reply with ``jsonschema.validate(reply, schema)``, which first validates the
  (large) event schema itself against its meta-schema and builds a new validator each call:
  a quarter of the Rasa server's CPU per turn with a custom action, measured with
  ``scripts/profile_turns.py``. The check and the error raised for a bad reply are the same
  (``jsonschema.exceptions.best_match`` over the reply's errors, with Rasa's hint appended).
* **An event's class is looked up once per type name.** Rasa 3.6 finds the class of every
  stored or received event (``Event.resolve_by_type``) by walking the whole ``Event``
  subclass tree, with an ``inspect.isabstract`` check per class, each time: loading a
  tracker of 333 events took 12 ms, nearly all of it in that walk, and the tracker is loaded
  every turn, so a turn cost more the longer the conversation (``scripts/long_conversation.py``).
  The class found for a name is remembered; unknown names fail as before.
* **TensorFlow runs on one thread** (``TF_INTRA_OP_PARALLELISM_THREADS`` and
  ``TF_INTER_OP_PARALLELISM_THREADS`` default to 1; set them to override). No TensorFlow
  policy is configured now (TED was dropped); a config that adds one gets small matrix
  products per turn, for which a thread pool costs more CPU in waking and waiting threads
  than it saves, and the server's other requests are what should use the second core.
"""

from __future__ import annotations

import os
from typing import Any

#: Read by Rasa when it sets up TensorFlow (``rasa.utils.tensorflow.environment``).
TF_THREAD_VARIABLES = ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS")


def validate_action_results_with_one_validator() -> None:
    """Make Rasa's ``RemoteAction`` check action-server replies with a prebuilt validator."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, not on every reply
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error

    RemoteAction._validate_action_result = _validate_action_result


def resolve_event_types_once() -> None:
    """Make Rasa's ``Event.resolve_by_type`` remember the class it found for each type name."""
    from rasa.shared.core.events import Event

    walk_subclasses = Event.resolve_by_type
    found: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        known = found.get(type_name)
        if known is not None:
            return known
        resolved = walk_subclasses(type_name, default)
        if resolved is not None and resolved is not default:
            found[type_name] = resolved
        return resolved

    Event.resolve_by_type = staticmethod(resolve_by_type)


def main() -> None:
    for name in TF_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    validate_action_results_with_one_validator()
    resolve_event_types_once()
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
