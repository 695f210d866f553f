"""The CPU a turn spends on a conversation's history, by turn, without a model (Rasa venv).

    .venv-rasa/bin/python -m scripts.history_cost [--turns 60] [--rasa]

Plays ``--turns`` messages of the conversation tests' stories (tests/conversations) through the
redacting tracker store on a temporary SQLite file, the way Rasa handles a message: load the
tracker, append the message and its actions, and at each of them ask for the applied events
and the prior states as the policies do (memoization; the rule policy with its rule-only data,
with and without rule-only turns), then save. Prints the mean CPU per turn over the first and
the last ten turns, with bot/server.py's caches installed, or Rasa's own methods (``--rasa``).
Measures only the history's share of a turn (no NLU, no policy lookups, no action server):
``scripts/long_conversation.py`` measures whole turns.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from bot.server import cache_prior_states, resolve_event_types_once
from bot.tracker_store import RedactingSQLTrackerStore

ROOT = Path(__file__).resolve().parents[1]
RULE_ONLY_DATA = {"rule_only_slots": ["finder_needed"],
                  "rule_only_loops": ["product_finder_form", "return_form"]}
WINDOW = 10


def messages(domain: Domain) -> list[list[Event]]:
    """Each user message of the conversation tests with the actions after it."""
    found: list[list[Event]] = []
    for path in sorted((ROOT / "tests" / "conversations").glob("*.yml")):
        for step in YAMLStoryReader(domain).read_from_file(str(path)):
            current: list[Event] | None = None
            for event in step.events:
                if isinstance(event, UserUttered):
                    if current:
                        found.append([*current, ActionExecuted("action_listen")])
                    current = [event]
                elif current is not None and not (isinstance(event, ActionExecuted)
                                                  and event.action_name == "action_listen"):
                    current.append(event)
            if current:
                found.append([*current, ActionExecuted("action_listen")])
    return found


async def play(turns: int, workdir: Path) -> tuple[list[float], int]:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = RedactingSQLTrackerStore(domain, dialect="sqlite", db=str(workdir / "t.sqlite"))
    clock = [1_700_000_000.0]

    def stamped(event: Event) -> Event:  # a fresh event, later than the one before
        clock[0] += 1
        data = event.as_dict()
        data["timestamp"] = clock[0]
        return Event.from_parameters(data)

    start = DialogueStateTracker("long", domain.slots)
    for event in (ActionExecuted("action_session_start"), SessionStarted(),
                  ActionExecuted("action_listen")):
        start.update(stamped(event))
    await store.save(start)
    plan = messages(domain)
    costs = []
    tracker = start
    for turn in range(turns):
        began = time.process_time()
        tracker = await store.retrieve("long") or start
        for event in plan[turn % len(plan)]:
            event = stamped(event)
            tracker.update(event)
            if isinstance(event, (ActionExecuted, UserUttered)):
                tracker.applied_events()
                domain.states_for_tracker_history(tracker)
                domain.states_for_tracker_history(tracker, rule_only_data=RULE_ONLY_DATA)
                domain.states_for_tracker_history(tracker, ignore_rule_only_turns=True,
                                                  rule_only_data=RULE_ONLY_DATA)
        await store.save(tracker)
        costs.append(1000 * (time.process_time() - began))
    return costs, len(tracker.events)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.history_cost",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--rasa", action="store_true", help="Rasa's own methods, no caches")
    args = parser.parse_args(argv)
    if args.turns < 2 * WINDOW:
        parser.error(f"--turns must be at least {2 * WINDOW}")
    resolve_event_types_once()
    if not args.rasa:
        cache_prior_states({})
    with tempfile.TemporaryDirectory(prefix="aisle-history-") as tmp:
        costs, events = asyncio.run(play(args.turns, Path(tmp)))
    first, last = statistics.fmean(costs[:WINDOW]), statistics.fmean(costs[-WINDOW:])
    print(f"{'rasa' if args.rasa else 'cached'}: {events} events after {args.turns} turns; "
          f"CPU per turn, mean of turns 1-{WINDOW}: {first:.1f} ms, of turns "
          f"{args.turns - WINDOW + 1}-{args.turns}: {last:.1f} ms ({last / first:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
