"""The conversation the Rasa server sends with an action request: what Aisle's actions read.

Rasa 3.6's ``RemoteAction`` sends ``tracker.current_state(EventVerbosity.ALL)``: every event of
the session, serialised by Rasa and parsed again by the action server on every action call, so
a call cost more the longer the conversation. The action server reads of those events only

* every shopper message's text and intent name (``actions.common.read_turn``'s history, which
  ``dialogue`` searches for an earlier message: ``Turn.last_text_with``, ``previous_intent``);
* the events since the shopper's previous message (``actions.orders.just_asked`` walks back to
  it; rasa-sdk's ``Tracker.slots_to_validate`` reads the slot events at the end);

and the rest of the state (slots, latest message, active loop, latest action...), which is sent
as Rasa sends it. So :func:`request_events` keeps every event from the shopper's
:data:`RECENT_MESSAGES`-th last message on as Rasa serialises it, and before it only the
shopper's messages, each cut to its text, intent name and time, marked ``aisle_cut``. An action
that needs more of an older event must say so here (the tests compare what the actions read
from both, on the project's conversations).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rasa.shared.core.events import Event, UserUttered

#: Shopper messages (counted from the latest) from which on every event is sent whole.
RECENT_MESSAGES = 2
#: Set on a shopper message cut to what the actions read.
CUT_MARK = "aisle_cut"


def cut_message(event: Any) -> dict[str, Any]:
    """A shopper message as the action server's history reads it."""
    intent = (event.parse_data or {}).get("intent") or {}
    return {"event": UserUttered.type_name, "timestamp": event.timestamp, "text": event.text,
            "parse_data": {"intent": {"name": intent.get("name")}}, CUT_MARK: True}


def request_events(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The events of an action request: older shopper messages cut, the recent events whole."""
    events = list(events)
    seen = 0
    start = 0
    for index in range(len(events) - 1, -1, -1):
        if events[index].type_name == UserUttered.type_name:
            seen += 1
            if seen == RECENT_MESSAGES:
                start = index
                break
    older = [cut_message(e) for e in events[:start] if e.type_name == UserUttered.type_name]
    return older + [e.as_dict() for e in events[start:]]


def request_tracker_state(tracker: Any) -> dict[str, Any]:
    """``tracker.current_state(EventVerbosity.ALL)`` with :func:`request_events`' events."""
    from rasa.shared.core.trackers import EventVerbosity

    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = request_events(tracker.events)
    return state
