"""Run in the Rasa venv by test_tracker_cache.py: trackers kept between messages against Rasa's.

    .venv-rasa/bin/python tests/unit/tracker_cache_check.py <scratch folder>

Two parts, one JSON line:

* ``copy_tracker`` (bot/tracker_clone.py) against Rasa's replay: the project's stories, rules and
  conversation tests grown one event at a time with reverts, restarts, new sessions, follow-ups
  and loops mixed in (tests/unit/prior_states_check.py); at every step the copy's state equals
  ``DialogueStateTracker.from_events`` over the same events, and changing the copy leaves the
  original alone.
* the redacting store keeping trackers (bot/tracker_store.py) against the same store with none
  kept, on one SQLite file: shoppers' turns with personal data in them, a second replica
  writing to the same conversation, a turn that fails before saving, a new session, an erased
  conversation, a save that fails, more conversations than entries.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from prior_states_check import CONVERSATION_EVENTS, story_events, with_disruptions  # noqa: E402

import bot.tracker_store as tracker_store  # noqa: E402
from bot.server import (  # noqa: E402
    cache_prior_states,
    copy_trackers_without_replay,
    format_rule_states_for_debug_only,
)
from bot.tracker_clone import copy_tracker  # noqa: E402

EMAIL = "jo.shopper@example.com"
PHONE = "+44 7700 900123"
#: How loading a conversation's events starts (bot/tracker_store.py, Rasa's own query).
LOAD = "SELECT events.data AS events_data"


def state(tracker: DialogueStateTracker | None) -> Any:
    """Everything of a tracker's state that a replay sets, as comparable values."""
    if tracker is None:
        return None
    return {
        "current": tracker.current_state(EventVerbosity.ALL),
        "slots": {name: dict(vars(slot)) for name, slot in tracker.slots.items()},
        "active_loop": vars(tracker.active_loop) if tracker.active_loop else None,
        "latest_action": tracker.latest_action,
        "latest_message": placeholder_free(tracker.latest_message),
        "latest_bot": placeholder_free(tracker.latest_bot_utterance),
        "followup": tracker.followup_action, "paused": tracker._paused,
        "ids": [tracker.model_id, tracker.assistant_id, tracker.sender_source,
                tracker.is_rule_tracker, tracker._max_event_history],
        "applied": [e.as_dict() for e in tracker.applied_events()],
    }


def placeholder_free(event: Any) -> Any:
    """The event as a dict; without its time when it is not one of the conversation's events
    (Rasa's empty placeholder, stamped with the time it was created: any two replays differ)."""
    if event is None:
        return None
    data = event.as_dict()
    if event.text is None:
        data.pop("timestamp")
    return data


def check_copies(domain: Domain) -> dict[str, Any]:
    compared = mismatches = independent = changed = 0
    first_mismatch = None
    rasa_copy = DialogueStateTracker.copy
    copy_trackers_without_replay()
    copies_as_rasas = rasa_copies = 0
    events = story_events(domain)
    for number, start in enumerate(range(0, len(events), CONVERSATION_EVENTS)):
        conversation = with_disruptions(events[start:start + CONVERSATION_EVENTS], number)
        grown = DialogueStateTracker(f"c{number}", domain.slots)
        for index, event in enumerate(conversation):
            grown.update(event)
            grown.applied_events()  # a walk to copy, as within a message
            replayed = DialogueStateTracker.from_events(f"c{number}", list(grown.events),
                                                       slots=domain.slots)
            twin = copy_tracker(grown)
            expected = state(replayed)
            if index % 5 == 0:  # tracker.copy(), patched, as Rasa's (from a story file too)
                grown.sender_source = "stories.yml" if index % 10 else None
                rasa_copies += 1
                copies_as_rasas += state(grown.copy()) == state(rasa_copy(grown))
                grown.sender_source = None
            compared += 1
            if state(twin) != expected:
                mismatches += 1
                first_mismatch = first_mismatch or {"conversation": number, "events": index + 1}
            if index % 7 == 0:  # a turn changing its copy changes nothing of the original
                before = state(grown)
                changed += 1
                twin.update(UserUttered("scribble", {"name": "greet"}))
                twin.update(SlotSet(domain.slots[0].name, "scribbled"))
                twin.update(ActiveLoop("add_to_cart_form"))
                twin.update(ActionExecuted("add_to_cart_form"))
                twin.active_loop.rejected = True
                twin.latest_action["scribbled"] = "yes"
                twin.slots[domain.slots[1].name].value = "scribbled"
                independent += state(grown) == before
    DialogueStateTracker.copy = rasa_copy
    return {"copies_compared": compared, "copy_mismatches": mismatches,
            "rasa_copies_compared": rasa_copies, "rasa_copies_same": copies_as_rasas,
            "first_copy_mismatch": first_mismatch, "copies_changed": changed,
            "copies_left_alone": independent}


def turn_events(turn: int) -> list[Any]:
    return [
        UserUttered(f"send it to {EMAIL} or call {PHONE}, bags {turn}",
                    {"name": "search_products", "confidence": 0.9},
                    [{"entity": "product_type", "value": f"bags {EMAIL}"}]),
        ActionExecuted("action_search_products"),
        SlotSet("shown_products", [f"MB{turn:02d}", f"MB{turn + 1:02d}"]),
        SlotSet("product_type", f"bags for {EMAIL}"),
        BotUttered(f"Here are bags, {EMAIL}", {"custom": {"type": "cards", "id": f"MB{turn}"}}),
        ActionExecuted("action_listen"),
    ]


async def play(store: Any, sender: str, turn: int, extra: list[Any] | None = None,
               save: bool = True) -> DialogueStateTracker:
    """One message of ``sender`` as Rasa's processor plays it: load, update, save."""
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.model_id = "model-1"
    if not tracker.events:
        for event in (ActionExecuted("action_session_start"), SessionStarted(),
                      ActionExecuted("action_listen")):
            tracker.update(event)
    for event in [*(extra or []), *turn_events(turn)]:
        tracker.update(event)
    if save:
        await store.save(tracker)
    return tracker


def dump(tracker: DialogueStateTracker | None) -> str:
    return json.dumps(state(tracker), sort_keys=True, default=str)


async def check_store(domain: Domain, folder: Path) -> dict[str, Any]:
    db = folder / "trackers.sqlite"
    kept = tracker_store.RedactingSQLTrackerStore(domain, dialect="sqlite", db=str(db),
                                                  cached_conversations=3)
    plain = tracker_store.RedactingSQLTrackerStore(domain, dialect="sqlite", db=str(db),
                                                   cached_conversations=0)
    statements: list[str] = []
    from sqlalchemy import event as sa_event
    sa_event.listen(kept.engine, "before_cursor_execute",
                    lambda _c, _cur, statement, *rest: statements.append(statement))
    out: dict[str, Any] = {"same": [], "personal_data_kept": False}

    async def same(step: str, sender: str = "jo") -> None:
        ours, rasas = await kept.retrieve(sender), await plain.retrieve(sender)
        out["same"].append([step, dump(ours) == dump(rasas)])
        text = dump(ours) + json.dumps([k.tracker.current_state(EventVerbosity.ALL)
                                        for k in kept.kept.values()], default=str)
        out["personal_data_kept"] |= EMAIL in text or PHONE in text

    for turn in range(12):  # a conversation, every message through the kept tracker
        await play(kept, "jo", turn)
        await same(f"turn {turn}")
    reads_before = sum(s.startswith(LOAD) for s in statements)
    reused_before = kept.kept_counts.reused
    for turn in range(12, 15):
        await play(kept, "jo", turn)
    out["json_reads_in_3_kept_turns"] = sum(s.startswith(LOAD) for s in statements) - reads_before
    out["reused_in_3_turns"] = kept.kept_counts.reused - reused_before
    await same("after kept turns")

    # another Rasa replica (no kept tracker) answers a message of the same conversation
    await play(plain, "jo", 15)
    await same("after another replica's turn")

    # a turn that fails after changing its tracker, before saving
    await play(kept, "jo", 16, save=False)
    await same("after a failed turn")
    failed = await kept.retrieve("jo")
    out["failed_turn_left_nothing"] = all("bags 16" not in (getattr(e, "text", "") or "")
                                          for e in failed.events)

    # a new session started within a message: only its events are loaded
    await play(kept, "jo", 17, extra=[ActionExecuted("action_session_start"), SessionStarted(),
                                      ActionExecuted("action_listen")])
    await same("after a new session")
    await play(kept, "jo", 18)
    await same("a message in the new session")

    # a save that fails: the kept entry goes, the next message loads the conversation
    real_redact = tracker_store.redact_event

    def failing(data: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("redaction down")

    tracker_store.redact_event = failing
    try:
        await play(kept, "jo", 19)
        out["failing_save_raised"] = False
    except RuntimeError:
        out["failing_save_raised"] = True
    finally:
        tracker_store.redact_event = real_redact
    out["kept_after_failing_save"] = "jo" in kept.kept
    await same("after a failed save")

    # the conversation erased from the database (the agent console's erasure)
    with sqlite3.connect(db) as connection:
        connection.execute("DELETE FROM events WHERE sender_id = 'jo'")
    out["erased_gives_none"] = await kept.retrieve("jo") is None
    out["erased_not_kept"] = "jo" not in kept.kept

    # more conversations than entries: the least recently used ones go
    for sender in ("a", "b", "c", "d", "e"):
        await play(kept, sender, 0)
        await kept.retrieve(sender)
    out["kept_conversations"] = sorted(kept.kept)
    for sender in ("a", "b", "c", "d", "e"):
        await same(f"conversation {sender}", sender)

    # none kept: every message loads, as Rasa's store
    for turn in range(3):
        await play(plain, "p", turn)
    out["plain_kept"] = len(plain.kept) + plain.kept_counts.reused
    out["counts"] = vars(kept.kept_counts)
    return out


def check_rule_formatting(domain: Domain) -> dict[str, Any]:
    """The rule policy's debug text of a conversation's states: formatted only for the log."""
    import logging

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.policies.rule_policy import logger as rule_logger

    tracker = DialogueStateTracker.from_events(
        "f", [ActionExecuted("action_listen"), *turn_events(1)], slots=domain.slots)
    states = domain.states_for_tracker_history(tracker)
    rasas = RulePolicy.format_tracker_states(states)
    format_rule_states_for_debug_only()
    level = rule_logger.level
    rule_logger.setLevel(logging.INFO)
    off = RulePolicy.format_tracker_states(states)
    rule_logger.setLevel(logging.DEBUG)
    on = RulePolicy.format_tracker_states(states)
    rule_logger.setLevel(level)
    return {"formatted_with_debug_on": on == rasas and "search_products" in on,
            "formatted_with_debug_off": "search_products" in off}


def main() -> None:
    started = time.perf_counter()
    domain = Domain.load(str(ROOT / "domain.yml"))
    cache_prior_states({})  # the server installs the applied-events walk; copies carry it
    result = check_copies(domain)
    result.update(check_rule_formatting(domain))
    result.update(asyncio.run(check_store(domain, Path(sys.argv[1]))))
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
