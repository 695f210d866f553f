"""Run in the Rasa venv by test_prior_states.py: the cached prior states against Rasa's own.

    .venv-rasa/bin/python tests/unit/prior_states_check.py

Builds long conversations from the project's stories, rules and conversation tests (an
``action_listen`` before each message, actions from rule files marked ``hide_rule_turn`` as the
rule policy marks its rule-only turns), with reverted actions, reverted messages, restarts, new
sessions, follow-up actions and form loops mixed in. It grows each conversation one event at a
time, the way Rasa sees it: sometimes the same event objects (several predictions within a
message), sometimes every event deserialised again (the tracker reloaded from the store), and
compares, for every flag combination the policies use, the states Rasa 3.6's
``Domain.states_for_tracker_history`` gives with those of the patched method
(``bot.server.cache_prior_states``). Prints one JSON line.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.applied_events import counts as applied_counts  # noqa: E402
from bot.server import cache_prior_states  # noqa: E402

#: Events per conversation built from the stories (Rasa's own computation is quadratic).
CONVERSATION_EVENTS = 160


def story_events(domain: Domain) -> list[Event]:
    """Every step of the project's stories, rules and conversation tests, in file order."""
    events: list[Event] = []
    files = [(p, False) for p in sorted((ROOT / "bot/data/stories").glob("*.yml"))]
    files += [(p, True) for p in sorted((ROOT / "bot/data/rules").glob("*.yml"))]
    files += [(p, False) for p in sorted((ROOT / "tests/conversations").glob("*.yml"))]
    for path, rule_file in files:
        for step in YAMLStoryReader(domain).read_from_file(str(path)):
            for event in step.events:
                if isinstance(event, UserUttered):
                    if not (events and isinstance(events[-1], ActionExecuted)
                            and events[-1].action_name == "action_listen"):
                        events.append(ActionExecuted("action_listen"))
                elif (isinstance(event, ActionExecuted) and rule_file
                      and event.action_name not in ("action_listen", None)):
                    event = ActionExecuted(event.action_name, hide_rule_turn=True)
                if isinstance(event, (ActionExecuted, UserUttered, SlotSet, ActiveLoop)):
                    events.append(event)
    return events


def with_disruptions(events: list[Event], seed: int) -> list[Event]:
    """The events with reverts, restarts, new sessions and follow-ups at a few places."""
    disruptions = [
        [ActionReverted()],
        [UserUtteranceReverted()],
        [ActionExecuted("action_restart"), Restarted(), ActionExecuted("action_listen")],
        [ActionExecuted("action_session_start"), SessionStarted(),
         ActionExecuted("action_listen")],
        [FollowupAction("action_listen")],
        [ActiveLoop(None)],
    ]
    out: list[Event] = [ActionExecuted("action_session_start"), SessionStarted(),
                        ActionExecuted("action_listen")]
    for index, event in enumerate(events):
        out.append(event)
        if index % 23 == 11 + seed % 7:
            out.extend(disruptions[(index // 23 + seed) % len(disruptions)])
    return out


def reloaded(event: Event) -> Event:
    """The event as the tracker store gives it back: deserialised from its dict."""
    return Event.from_parameters(json.loads(json.dumps(event.as_dict())))


def state_builds_per_message(domain: Domain, rasa_states: Any, rasa_applied: Any,
                             conversation: list[Event]) -> dict[str, Any]:
    """States built (``get_active_state`` calls) for one more message late in a conversation.

    The whole conversation (every story, rule and test, about 1,500 events) has been asked
    about once; then a message, its action and the next ``action_listen`` are appended and
    the tracker is reloaded: Rasa builds a state for every action so far, the cache for the
    new ones.
    """
    built = [0]
    rasa_get_active_state = domain.get_active_state

    def counting(*args: Any, **kwargs: Any) -> Any:
        built[0] += 1
        return rasa_get_active_state(*args, **kwargs)

    domain.get_active_state = counting  # type: ignore[method-assign]
    tail = [UserUttered("show me bags", {"name": "search_products", "confidence": 1.0}),
            ActionExecuted("action_search_products"), ActionExecuted("action_listen")]
    before = DialogueStateTracker.from_events("long", conversation, slots=domain.slots)
    domain.states_for_tracker_history(before)
    after = DialogueStateTracker.from_events(
        "long", [reloaded(e) for e in conversation + tail], slots=domain.slots)
    built[0] = 0
    got = domain.states_for_tracker_history(after)
    cached_builds = built[0]
    built[0] = 0
    with RasasOwn(rasa_applied):
        expected = rasa_states(domain, after)
    rasa_builds = built[0]
    del domain.get_active_state
    return {"long_events": len(after.events), "long_same": got == expected,
            "cached_builds": cached_builds, "rasa_builds": rasa_builds}


class RasasOwn:
    """Within the block, Rasa's own ``applied_events`` (the expected answers are pure Rasa)."""

    def __init__(self, method: Any) -> None:
        self.method = method

    def __enter__(self) -> None:
        self.patched = DialogueStateTracker.applied_events
        DialogueStateTracker.applied_events = self.method

    def __exit__(self, *exc: object) -> None:
        DialogueStateTracker.applied_events = self.patched


def main() -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    rasa_states = Domain.states_for_tracker_history
    rasa_own = RasasOwn(DialogueStateTracker.applied_events)
    cache = cache_prior_states({})
    rule_only_data = {"rule_only_slots": [s.name for s in domain.slots][:3] + ["finder_needed"],
                      "rule_only_loops": list(domain.form_names)}
    flag_sets = [dict(omit_unset_slots=omit, ignore_rule_only_turns=ignore, rule_only_data=data)
                 for omit, ignore, data in itertools.product(
                     (False, True), (False, True), (None, rule_only_data))]
    events = story_events(domain)
    chunks = [events[i:i + CONVERSATION_EVENTS]
              for i in range(0, len(events), CONVERSATION_EVENTS)]
    compared = mismatches = applied_compared = applied_mismatches = 0
    first_mismatch: dict[str, Any] | None = None
    longest = 0
    for number, chunk in enumerate(chunks):
        conversation = with_disruptions(chunk, number)
        longest = max(longest, len(conversation))
        current: list[Event] = []
        grown = DialogueStateTracker(f"g{number}", domain.slots)
        for index, event in enumerate(conversation):
            if index % 5 == 4:  # the tracker reloaded from the store: new objects
                current = [reloaded(e) for e in current]
            current.append(event)
            tracker = DialogueStateTracker.from_events(f"c{number}", current,
                                                      slots=domain.slots)
            # one tracker updated event by event, as within a message
            grown.update(event)
            applied_compared += 2
            with rasa_own:
                expected_applied = [grown.applied_events(), tracker.applied_events()]
            if [grown.applied_events(), tracker.applied_events()] != expected_applied:
                applied_mismatches += 1
            for flags in flag_sets:
                with rasa_own:
                    expected = rasa_states(domain, tracker, **flags)
                got = domain.states_for_tracker_history(tracker, **flags)
                compared += 1
                if got != expected:
                    mismatches += 1
                    first_mismatch = first_mismatch or {
                        "conversation": number, "events": len(current),
                        "flags": {k: bool(v) for k, v in flags.items()}}
                if index % 3 == 0:  # asked again about the same tracker, as within a message
                    compared += 1
                    if domain.states_for_tracker_history(tracker, **flags) != expected:
                        mismatches += 1
                if got and index % 7 == 0:  # a caller changing what it got changes nothing
                    got[-1].clear()
                    got[0]["scribbled"] = {"x": "y"}
    growth = state_builds_per_message(domain, rasa_states, rasa_own.method, [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        *events])
    counts = cache.counts
    print(json.dumps({**growth, "applied_compared": applied_compared,
                      "applied_mismatches": applied_mismatches,
                      "applied_continued": applied_counts.continued,
                      "applied_restarted": applied_counts.restarted,"compared": compared, "mismatches": mismatches,
                      "first_mismatch": first_mismatch, "conversations": len(chunks),
                      "longest": longest, "reused": counts.reused,
                      "extended": counts.extended, "replayed": counts.replayed,
                      "bypassed": counts.bypassed}))


if __name__ == "__main__":
    main()
