"""The load benchmark: simulated shoppers on the embedded and the production profile.

    python -m scripts.load_test [--profile both|embedded|production] [--shoppers 200]
                                [--turns 20] [--max-seconds 1200] [--write docs/benchmarks.md]

Each profile is started from scratch on free loopback ports: the embedded one as one Rasa
server and one action server on SQLite and the embedded Chroma store; the production one as
PostgreSQL, Redis and a Chroma server (``scripts/services.sh``, in a temp folder) with two Rasa
replicas and two action workers behind nginx. Everything stops when the run ends. With
``--write``, the section between the load-test markers of the file is replaced (or appended).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import tempfile
from pathlib import Path

from ops.load import LoadReport, markdown, run_load
from ops.profiles import running_profile
from scripts.benchmark_doc import markers, publish

START, END = markers("load-test")


def run(profile: str, args: argparse.Namespace) -> LoadReport:
    with (tempfile.TemporaryDirectory(prefix="aisle-load-") as tmp,
          running_profile(profile, Path(tmp)) as running):
        print(f"{profile} profile up in {running.startup_seconds:.0f}s", flush=True)
        return asyncio.run(run_load(running.url, args.shoppers, args.turns, args.max_seconds,
                                    pids=running.pids))


def section(reports: list[tuple[str, LoadReport]], args: argparse.Namespace) -> str:
    lost = sum(r.lost_or_misaddressed for _, r in reports)
    return "\n".join([
        START,
        "## Load: concurrent shoppers on the embedded and the production profile",
        "",
        f"`python -m scripts.load_test --shoppers {args.shoppers} --turns {args.turns} "
        f"--max-seconds {args.max_seconds:.0f}` on {platform.machine()}, {os.cpu_count()} "
        "cores shared with other work. Each shopper looks for its own kind of product and mixes "
        "search, refine, question, add-to-cart, cart and policy turns; every reply is checked "
        "against that shopper's own context (cards of its product type, answers citing only "
        "products it was shown, a cart holding only what it added). Embedded: one Rasa server, "
        "one action server, SQLite, embedded Chroma. Production: PostgreSQL tracker and shop, "
        "Redis lock store, Chroma server, two Rasa replicas and two action workers behind nginx. "
        "The run stops by itself at the time limit; turns not started by then are not counted.",
        "",
        markdown(reports),
        "",
        f"Lost or misaddressed replies over all runs: {lost}.",
        END,
    ])



def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.load_test",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--profile", choices=["both", "embedded", "production"], default="both")
    parser.add_argument("--shoppers", type=int, default=200)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--max-seconds", type=float, default=1200)
    parser.add_argument("--write", type=Path, default=None,
                        help="markdown file whose load-test section is replaced")
    args = parser.parse_args(argv)
    reports: list[tuple[str, LoadReport]] = []
    for profile in ("embedded", "production"):
        if args.profile in ("both", profile):
            reports.append((profile, run(profile, args)))
            print(f"{profile}:", reports[-1][1].line(), flush=True)
    for name, report in reports:
        for failure in report.failures[:20]:
            print(f"{name}: {failure}")
    text = section(reports, args)
    publish(text, "load-test", args.write)
    return 0 if all(not r.failures for _, r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
