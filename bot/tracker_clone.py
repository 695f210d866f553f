"""A copy of a Rasa tracker built from its state instead of by replaying its events.

Rasa 3.6 rebuilds a tracker by replaying every event into a fresh one (``from_dict`` when the
store loads it, ``copy`` before each action); a tracker's state after its events is, by Rasa's
own rule ("MUST be re-creatable by processing all the events"), what that replay gives. So a
copy of the state, with the same event objects, is the replay's result, at the cost of
copying a list: :func:`copy_tracker` copies every attribute ``DialogueStateTracker.__init__``
sets, copying what Rasa changes in place (the event deque, the slots, the active loop, the
latest action) and sharing what it only replaces (the events themselves, the latest message).
``model_id`` and ``assistant_id`` start unset, as on a replayed tracker. Anything else kept on
the tracker is left out, except the walk of its applied events (:mod:`bot.applied_events`),
which is copied: the copy's events are the very objects walked.
"""

from __future__ import annotations

import copy

from rasa.shared.core.trackers import DialogueStateTracker

from bot.applied_events import ATTRIBUTE as APPLIED_EVENTS
from bot.applied_events import Walk

#: Attributes of Rasa 3.6's ``DialogueStateTracker`` that the copy shares with the original:
#: immutable values, or objects Rasa replaces rather than changes.
SHARED = ("_max_event_history", "sender_id", "sender_source", "is_rule_tracker", "_paused",
          "followup_action", "latest_message", "latest_bot_utterance")


def copy_tracker(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """A new tracker in the state replaying ``tracker``'s events into a fresh one gives."""
    state = tracker.__dict__
    twin = DialogueStateTracker.__new__(DialogueStateTracker)
    twin.__dict__.update({name: state[name] for name in SHARED})
    twin.events = tracker._create_events(list(tracker.events))
    slots = type(tracker.slots)()
    slots.update({name: copy.copy(slot) for name, slot in tracker.slots.items()})
    twin.slots = slots
    twin.latest_action = dict(tracker.latest_action) if tracker.latest_action is not None else None
    twin.active_loop = copy.copy(tracker.active_loop)
    twin.model_id = None
    twin.assistant_id = None
    walk: Walk | None = state.get(APPLIED_EVENTS)
    if walk is not None:
        twin.__dict__[APPLIED_EVENTS] = Walk(list(walk.events), set(walk.loop_names),
                                             list(walk.applied))
    return twin
