"""Does a long conversation cost more per turn than a short one? (tracker growth)

    python -m scripts.long_conversation [--turns 60] [--conversations 3] [--write docs/benchmarks.md]

Starts the embedded profile on free ports, then shoppers one after another each play ``--turns``
turns of the load test's conversation (search, refine, question, add to cart, cart, policy...;
every reply checked as in the load test) over REST. For every turn it records the reply time
and the CPU time the Rasa and action servers spent on it (psutil, with their children), and
compares the first ten turns of each conversation with its last ten.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from ops.load import SHOPPER_KINDS, TURN_PLAN, Shopper, check_reply, turn_text
from ops.profiles import running_profile
from scripts.benchmark_doc import markers, publish

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


def play(client: httpx.Client, url: str, pids: dict[str, int], turns: int,
         kind_index: int) -> tuple[list[TurnCost], list[str]]:
    shopper = Shopper(f"long-{uuid.uuid4().hex[:10]}", *SHOPPER_KINDS[kind_index])
    costs: list[TurnCost] = []
    problems: list[str] = []
    for index in range(turns):
        kind = TURN_PLAN[index % len(TURN_PLAN)]
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        response = client.post(f"{url}/webhooks/rest/webhook",
                               json={"sender": shopper.sender,
                                     "message": turn_text(shopper, kind, index)})
        seconds = time.perf_counter() - started
        problem = (f"HTTP {response.status_code}" if response.status_code != 200
                   else check_reply(shopper, kind, response.json()))
        if problem:
            problems.append(f"turn {index + 1} ({kind}): {problem}")
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        costs.append(TurnCost(index + 1, seconds, 1000 * (after["rasa"] - before["rasa"]),
                              1000 * (after["actions"] - before["actions"])))
    return costs, problems


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def section(costs: list[list[TurnCost]], problems: list[str], turns: int,
            conversations: int) -> str:
    first = [c for run in costs for c in run[:WINDOW]]
    last = [c for run in costs for c in run[-WINDOW:]]
    rows = []
    for label, pick in (("reply ms", lambda c: 1000 * c.seconds),
                        ("Rasa CPU ms", lambda c: c.rasa_cpu_ms),
                        ("action server CPU ms", lambda c: c.actions_cpu_ms)):
        a, b = median([pick(c) for c in first]), median([pick(c) for c in last])
        rows.append(f"| {label} | {a:.1f} | {b:.1f} | {b / a:.2f}× |")
    return "\n".join([
        START,
        "## A long conversation: turn 50 against turn 1",
        "",
        f"`python -m scripts.long_conversation --turns {turns} --conversations "
        f"{conversations}`: on the embedded profile, {conversations} shoppers one "
        f"after another each play {turns} turns of the load test's conversation over REST "
        f"(one shopper at a time). Medians over turns 1-{WINDOW} and over turns "
        f"{turns - WINDOW + 1}-{turns} of every conversation (the same mix of turn "
        "kinds in both windows); CPU from psutil, per turn.",
        "",
        f"| per turn | turns 1-{WINDOW} | turns {turns - WINDOW + 1}-{turns} "
        "| last / first |",
        "|---|---:|---:|---:|",
        *rows,
        "",
        f"Replies that failed the load test's checks: {len(problems)}.",
        END,
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.long_conversation",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=60)
    parser.add_argument("--conversations", type=int, default=3)
    parser.add_argument("--write", type=Path, default=None,
                        help="markdown file whose long-conversation section is replaced")
    args = parser.parse_args(argv)
    if args.turns < 2 * WINDOW or args.turns % len(TURN_PLAN):
        parser.error(f"--turns must be a multiple of {len(TURN_PLAN)} and at least {2 * WINDOW}")
    text, problems = measure(args.turns, args.conversations)
    for problem in problems[:20]:
        print(problem)
    publish(text, "long-conversation", args.write)
    return 0 if not problems else 1


def measure(turns: int = 60, conversations: int = 3) -> tuple[str, list[str]]:
    """Run the measurement on a fresh embedded profile: the marked section, and the replies
    that failed the load test's checks."""
    with (tempfile.TemporaryDirectory(prefix="aisle-long-") as tmp,
          running_profile("embedded", Path(tmp)) as running,
          httpx.Client(timeout=120) as client):
        results = [play(client, running.url, running.pids, turns, i)
                   for i in range(conversations)]
    problems = [p for _, found in results for p in found]
    return section([c for c, _ in results], problems, turns, conversations), problems


if __name__ == "__main__":
    raise SystemExit(main())
