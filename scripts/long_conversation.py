"""Does a long conversation cost more per turn than a short one? (tracker growth)

    python -m scripts.long_conversation [--turns 60] [--conversations 3] [--baseline]
                                        [--write docs/benchmarks.md]

Starts the embedded profile on free ports, then shoppers one after another each play ``--turns``
turns of the load test's conversation (search, refine, question, add to cart, cart, policy...;
every reply checked as in the load test) over REST. For every turn it records the reply time
and the CPU time the Rasa and action servers spent on it (psutil, with their children), and
compares the first ten turns of each conversation with its last ten.

psutil counts CPU time in ticks of 10 ms, so a turn's CPU reads as 30, 40 or 50 ms: the means
over each window are reported beside the medians. ``--baseline`` runs a second embedded
profile beside the first, started with ``AISLE_RASA_STATE_CACHE_ENTRIES=0`` (none of
``bot/server.py``'s history caches: the tracker loaded from the store every message, Rasa's own
replay of the history on every call and before every action), and plays every turn on both,
one after the other, so that the shared machine's changing load falls on both alike.
``--profile DIR`` records both servers with py-spy (as ``scripts/profile_turns.py`` does) during
the first and the last ten turns of every conversation, and prints where each window's CPU went
per component (``DIR/{rasa,actions}-{first,last}.folded`` keep the stacks).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from ops.load import SHOPPER_KINDS, TURN_PLAN, Shopper, check_reply, turn_text
from ops.profiles import running_profile
from scripts.benchmark_doc import markers, publish
from scripts.profile_turns import ACTION_RULES, RASA_RULES, buckets, record, stop

START, END = markers("long-conversation")
WINDOW = 10


@dataclass
class TurnCost:
    index: int
    seconds: float
    rasa_cpu_ms: float
    actions_cpu_ms: float


def cpu_seconds(pid: int) -> float:
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def take_turn(client: httpx.Client, url: str, pids: dict[str, int], shopper: Shopper,
              index: int) -> tuple[TurnCost, str | None]:
    """Turn ``index`` of ``shopper``'s conversation: its cost, and what was wrong with it."""
    kind = TURN_PLAN[index % len(TURN_PLAN)]
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    response = client.post(f"{url}/webhooks/rest/webhook",
                           json={"sender": shopper.sender,
                                 "message": turn_text(shopper, kind, index)})
    seconds = time.perf_counter() - started
    problem = (f"HTTP {response.status_code}" if response.status_code != 200
               else check_reply(shopper, kind, response.json()))
    after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    cost = TurnCost(index + 1, seconds, 1000 * (after["rasa"] - before["rasa"]),
                    1000 * (after["actions"] - before["actions"]))
    return cost, (f"turn {index + 1} ({kind}): {problem}" if problem else None)


def play(client: httpx.Client, servers: list[tuple[str, dict[str, int]]], turns: int,
         kind_index: int) -> tuple[list[list[TurnCost]], list[str]]:
    """One conversation on each server, turn by turn in step (turn 1 on each, then turn 2...),
    so that the machine's changing load falls on both alike."""
    shoppers = [Shopper(f"long-{uuid.uuid4().hex[:10]}", *SHOPPER_KINDS[kind_index])
                for _ in servers]
    costs: list[list[TurnCost]] = [[] for _ in servers]
    problems: list[str] = []
    for index in range(turns):
        for number, ((url, pids), shopper) in enumerate(zip(servers, shoppers, strict=True)):
            cost, problem = take_turn(client, url, pids, shopper, index)
            costs[number].append(cost)
            if problem:
                problems.append(problem)
    return costs, problems


#: Finer rules for what grows with the conversation, tried before profile_turns' own.
GROWTH_RULES: tuple[tuple[str, str], ...] = (
    # py-spy's --nonblocking mode counts a thread waiting in C (the event loop's poll, a pool
    # thread's queue) as active: those samples are left out of the split
    (IDLE := "idle: event loop or pool thread waiting",
     r"(_worker \(concurrent/futures/thread\.py|serve \(sanic/server/runners\.py):\d+\)$"),
    ("tracker store: load (JSON, replaying the events)", r"_retrieve \(|from_dict \("),
    ("action call: the tracker serialised for the request", r"_action_call_format \("),
    ("policy: rules, formatting states for the debug log", r"format_tracker_states \("),
    ("prior states (bot/prior_states.py)", r"prior_states\.py"),
    ("applied events (bot/applied_events.py)", r"applied_events"),
    ("tracker copies (deepcopy)", r"deepcopy \("),
    *RASA_RULES,
)


def profile(client: httpx.Client, server: tuple[str, dict[str, int]], turns: int,
            conversations: int, folder: Path) -> list[str]:
    """Play ``conversations`` conversations on ``server`` with py-spy recording both of its
    processes during the first and the last :data:`WINDOW` turns; the per-component table."""
    url, pids = server
    cpu = {(name, window): 0.0 for name in ("rasa", "actions") for window in ("first", "last")}
    counts = {key: Counter() for key in cpu}
    for number in range(conversations):
        shopper = Shopper(f"long-{uuid.uuid4().hex[:10]}",
                          *SHOPPER_KINDS[number % len(SHOPPER_KINDS)])
        for index in range(turns):
            window = ("first" if index < WINDOW else "last" if index >= turns - WINDOW
                      else None)
            if window and index in (0, turns - WINDOW):
                recorders = {name: record(pid, folder / f"{name}-{window}-{number}.folded")
                             for name, pid in (("rasa", pids["rasa"]),
                                               ("actions", pids["actions"]))}
                time.sleep(1.0)
            cost, problem = take_turn(client, url, pids, shopper, index)
            if problem:
                print(problem)
            if window:
                cpu["rasa", window] += cost.rasa_cpu_ms
                cpu["actions", window] += cost.actions_cpu_ms
            if window and index in (WINDOW - 1, turns - 1):
                for name, recorder in recorders.items():
                    stop(recorder)
                    rules = GROWTH_RULES if name == "rasa" else ACTION_RULES
                    counts[name, window] += buckets(
                        folder / f"{name}-{window}-{number}.folded", rules)
    lines = []
    per_window_turns = WINDOW * conversations
    for name in ("rasa", "actions"):
        first, last = counts[name, "first"], counts[name, "last"]
        ms = {w: cpu[name, w] / per_window_turns for w in ("first", "last")}
        for window in ("first", "last"):
            counts[name, window].pop(IDLE, None)
        total = {w: sum(counts[name, w].values()) or 1 for w in ("first", "last")}
        lines += [f"**{name}**: {ms['first']:.1f} ms CPU per turn in turns 1-{WINDOW}, "
                  f"{ms['last']:.1f} in turns {turns - WINDOW + 1}-{turns} "
                  f"({total['first']} and {total['last']} samples)", "",
                  f"| component | turns 1-{WINDOW} ms | turns {turns - WINDOW + 1}-{turns} ms "
                  "| growth ms |", "|---|---:|---:|---:|"]
        split = {w: {c: n / total[w] * ms[w] for c, n in counts[name, w].items()}
                 for w in ("first", "last")}
        names = sorted(set(first) | set(last),
                       key=lambda c: split["first"].get(c, 0) - split["last"].get(c, 0))
        for component in names:
            a, b = split["first"].get(component, 0.0), split["last"].get(component, 0.0)
            lines.append(f"| {component} | {a:.1f} | {b:.1f} | {b - a:+.1f} |")
        lines.append("")
    return lines


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def rows(costs: list[list[TurnCost]], label: str = "") -> list[str]:
    """Table rows comparing the first and the last window of every conversation."""
    first = [c for run in costs for c in run[:WINDOW]]
    last = [c for run in costs for c in run[-WINDOW:]]
    out = []
    for name, pick, stats in (
            ("reply ms, median", lambda c: 1000 * c.seconds, median),
            ("Rasa CPU ms, median", lambda c: c.rasa_cpu_ms, median),
            ("Rasa CPU ms, mean", lambda c: c.rasa_cpu_ms, mean),
            ("action server CPU ms, mean", lambda c: c.actions_cpu_ms, mean)):
        a, b = stats([pick(c) for c in first]), stats([pick(c) for c in last])
        ratio = f"{b / a:.2f}×" if a else "—"
        out.append(f"| {label}{name} | {a:.1f} | {b:.1f} | {ratio} |")
    return out


def late_comparison(baseline: list[list[TurnCost]], costs: list[list[TurnCost]]) -> str:
    """One sentence: the last window's mean Rasa CPU with the caches against without them."""
    without = mean([c.rasa_cpu_ms for run in baseline for c in run[-WINDOW:]])
    with_cache = mean([c.rasa_cpu_ms for run in costs for c in run[-WINDOW:]])
    return (f"Over the last {WINDOW} turns Rasa spent {with_cache:.1f} ms of CPU per turn with "
            f"the caches against {without:.1f} without them ({with_cache / without:.2f}×).")


def section(costs: list[list[TurnCost]], problems: list[str], turns: int,
            conversations: int, baseline: list[list[TurnCost]] | None = None) -> str:
    table = rows(costs)
    command = (f"`python -m scripts.long_conversation --turns {turns} --conversations "
               f"{conversations}{' --baseline' if baseline is not None else ''}`")
    if baseline is not None:
        table = [*rows(baseline, "without the history caches: "),
                 *rows(costs, "with them: ")]
        command += (" (two embedded profiles side by side, one started with "
                    "`AISLE_RASA_STATE_CACHE_ENTRIES=0`: the tracker loaded from the store on "
                    "every message and Rasa replaying the whole history on every call; each "
                    "turn is played on both, one after the other)")
    return "\n".join([
        START,
        "## A long conversation: turn 50 against turn 1",
        "",
        f"{command}: on the embedded profile, {conversations} shoppers one "
        f"after another each play {turns} turns of the load test's conversation over REST "
        f"(one shopper at a time). Medians and means over turns 1-{WINDOW} and over turns "
        f"{turns - WINDOW + 1}-{turns} of every conversation (the same mix of turn "
        "kinds in both windows); CPU from psutil, per turn, in 10 ms ticks (so the means).",
        "",
        f"| per turn | turns 1-{WINDOW} | turns {turns - WINDOW + 1}-{turns} "
        "| last / first |",
        "|---|---:|---:|---:|",
        *table,
        "",
        *([late_comparison(baseline, costs), ""] if baseline is not None else []),
        f"Replies that failed the load test's checks: {len(problems)}.",
        END,
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.long_conversation",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--conversations", type=int, default=3)
    parser.add_argument("--baseline", action="store_true",
                        help="also measure without the history caches, in the same run")
    parser.add_argument("--write", type=Path, default=None,
                        help="markdown file whose long-conversation section is replaced")
    parser.add_argument("--profile", type=Path, default=None,
                        help="folder for py-spy's stacks: profile the first and last turns of "
                             "one server instead of measuring")
    args = parser.parse_args(argv)
    if args.turns < 2 * WINDOW or args.turns % len(TURN_PLAN):
        parser.error(f"--turns must be a multiple of {len(TURN_PLAN)} and at least {2 * WINDOW}")
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
        with (tempfile.TemporaryDirectory(prefix="aisle-long-") as tmp,
              running_profile("embedded", Path(tmp)) as running,
              httpx.Client(timeout=120) as client):
            print("\n".join(profile(client, (running.url, running.pids), args.turns,
                                     args.conversations, args.profile)))
        return 0
    text, problems = measure(args.turns, args.conversations, args.baseline)
    for problem in problems[:20]:
        print(problem)
    publish(text, "long-conversation", args.write)
    return 0 if not problems else 1


def measure(turns: int = 60, conversations: int = 3,
            baseline: bool = False) -> tuple[str, list[str]]:
    """Run the measurement on a fresh embedded profile: the marked section, and the replies
    that failed the load test's checks. With ``baseline`` a second embedded profile runs beside
    it with ``AISLE_RASA_STATE_CACHE_ENTRIES=0`` (no history caches), and every turn
    is played on both, one after the other."""
    with (tempfile.TemporaryDirectory(prefix="aisle-long-") as tmp,
          contextlib.ExitStack() as stack,
          httpx.Client(timeout=120) as client):
        servers = []
        for name in ("b", "c"):
            (Path(tmp) / name).mkdir()
        if baseline:
            with environment({"AISLE_RASA_STATE_CACHE_ENTRIES": "0"}):
                running = stack.enter_context(running_profile("embedded", Path(tmp) / "b"))
            servers.append((running.url, running.pids))
        running = stack.enter_context(running_profile("embedded", Path(tmp) / "c"))
        servers.append((running.url, running.pids))
        results = [play(client, servers, turns, i) for i in range(conversations)]
    problems = [p for _, found in results for p in found]
    costs = [runs[-1] for runs, _ in results]
    before = [runs[0] for runs, _ in results] if baseline else None
    return section(costs, problems, turns, conversations, before), problems


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """This process's environment with ``values`` (the servers started inherit it)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


if __name__ == "__main__":
    raise SystemExit(main())
