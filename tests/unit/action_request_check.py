"""Run in the Rasa venv by test_action_request.py: action requests as Rasa 3.6 sends them and as
``bot.server.send_actions_what_they_read`` sends them, for the project's conversations.

    .venv-rasa/bin/python tests/unit/action_request_check.py <out.jsonl>

Grows each conversation of tests/unit/prior_states_check.py (stories, rules and conversation
tests with reverts, restarts, new sessions, follow-ups and loops) and writes, at every
:data:`EVERY`-th event, one JSON line: Rasa's request body and ours for the same action.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from prior_states_check import CONVERSATION_EVENTS, story_events, with_disruptions  # noqa: E402

from bot.server import send_actions_what_they_read  # noqa: E402

EVERY = 7


def main() -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    action = RemoteAction("action_search_products", EndpointConfig("http://localhost:1"))
    rasas = RemoteAction._action_call_format
    send_actions_what_they_read()
    ours = RemoteAction._action_call_format
    events = story_events(domain)
    lines = 0
    with open(sys.argv[1], "w") as out:
        for number, start in enumerate(range(0, len(events), CONVERSATION_EVENTS)):
            conversation = with_disruptions(events[start:start + CONVERSATION_EVENTS], number)
            for index, event in enumerate(conversation):
                if isinstance(event, UserUttered) and not event.text:  # stories: intent only
                    event.text = f"message {index} ({event.intent_name})"
                if index % EVERY:
                    continue
                tracker = DialogueStateTracker.from_events(f"c{number}", conversation[:index + 1],
                                                           slots=domain.slots)
                out.write(json.dumps({"rasa": rasas(action, tracker, domain),
                                      "ours": ours(action, tracker, domain)}) + "\n")
                lines += 1
    print(json.dumps({"requests": lines}))


if __name__ == "__main__":
    main()
