"""Rasa's applied events of a tracker, extended by the events appended since the last call.

``DialogueStateTracker.applied_events`` (Rasa 3.6) walks every event of the conversation to
drop reverted and restarted ones; Rasa asks for it several times per prediction (the prior
states, the processor, the policies) on the same tracker, which only grows by ``update``
between calls. :func:`applied_events` keeps the walk's result on the tracker and continues it
over the new events with Rasa's own step, as long as

* the tracker's events still start with the very event objects walked before (anything else,
  a tracker rebuilt or its events replaced, walks again from the start), and
* the new events name no loop the walk did not know: Rasa first collects every loop name of
  the whole conversation, and an ``ActionExecuted`` of a loop is treated differently, so a
  new loop name walks again from the start.

The answer is a new list each call, as Rasa's is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import islice
from operator import is_
from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

#: The tracker attribute the walk is kept in.
ATTRIBUTE = "_aisle_applied_events"


@dataclass
class Walk:
    """Rasa's walk over ``events``: the loop names it knew and the events it kept."""

    events: list[Event] = field(default_factory=list)
    loop_names: set[str] = field(default_factory=set)
    applied: list[Event] = field(default_factory=list)


@dataclass
class WalkCounts:
    continued: int = 0
    restarted: int = 0


counts = WalkCounts()


def _loop_names(events: Any) -> set[str]:
    return {e.name for e in events if isinstance(e, ActiveLoop) and e.name}


def _step(tracker: DialogueStateTracker, walk: Walk, event: Event) -> None:
    """One pass of the loop in Rasa 3.6's ``DialogueStateTracker.applied_events``."""
    applied = walk.applied
    if isinstance(event, (Restarted, SessionStarted)):
        applied.clear()
    elif isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (isinstance(event, ActionExecuted) and event.action_name in walk.loop_names
          and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)
    walk.events.append(event)


def applied_events(tracker: DialogueStateTracker) -> list[Event]:
    """What Rasa's ``tracker.applied_events()`` returns, walking only the new events."""
    events = tracker.events
    walk: Walk | None = tracker.__dict__.get(ATTRIBUTE)
    done = len(walk.events) if walk is not None else 0
    if (walk is None or len(events) < done
            or not all(map(is_, walk.events, islice(events, done)))
            or not _loop_names(islice(events, done, None)) <= walk.loop_names):
        walk = Walk(loop_names=_loop_names(events))
        tracker.__dict__[ATTRIBUTE] = walk
        counts.restarted += 1
    else:
        counts.continued += 1
    for event in islice(events, len(walk.events), None):
        _step(tracker, walk, event)
    return list(walk.applied)
