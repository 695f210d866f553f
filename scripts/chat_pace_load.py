"""Shoppers at chat pace on a running profile, with Locust (``make load-chat-pace``).

    python -m scripts.chat_pace_load [--profile embedded|production] [--shoppers 300]
                                     [--minutes 10] [--spawn-rate 5] [--write docs/benchmarks.md]

Starts the profile from scratch on free loopback ports (``ops.profiles``), runs
``ops/locust_shoppers.py`` headless against its REST channel (each shopper waits 5-15 s between
messages; every reply checked against the shopper's own context), samples the CPU and memory of
every server process, and prints (with ``--write``: replaces the ``chat-pace-PROFILE`` section of) a
markdown summary. The stress run at full speed is ``scripts/load_test.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import platform
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ops.load import ProcessSampler
from ops.profiles import running_profile
from scripts.benchmark_doc import markers, publish

LOCUSTFILE = Path(__file__).resolve().parent.parent / "ops" / "locust_shoppers.py"


@dataclass
class ChatPaceReport:
    """What Locust counted, by turn kind and in total, and what the servers used."""

    rows: list[dict[str, str]]
    failures: list[dict[str, str]]
    processes: dict[str, dict[str, float]]

    @property
    def total(self) -> dict[str, str]:
        return next(r for r in self.rows if r["Name"] == "Aggregated")

    @property
    def failed(self) -> int:
        return int(self.total["Failure Count"])

    def line(self) -> str:
        t = self.total
        return (f"{t['Request Count']} turns, {float(t['Requests/s']):.1f} turns/s; p50 "
                f"{t['50%']} ms, p95 {t['95%']} ms, p99 {t['99%']} ms; {self.failed} failed")


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


async def run_locust(url: str, args: argparse.Namespace, prefix: Path,
                     pids: dict[str, int]) -> ChatPaceReport:
    sampler = ProcessSampler(pids)
    stop = asyncio.Event()
    sampling = asyncio.create_task(sampler.run(stop))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "-u", str(args.shoppers), "-r", str(args.spawn_rate), "-t", f"{args.minutes * 60:.0f}s",
        "--host", url, "--csv", str(prefix), "--only-summary", "--stop-timeout", "60",
        "--loglevel", "WARNING")
    await process.wait()
    stop.set()
    await sampling
    rows = read_csv(prefix.with_name(prefix.name + "_stats.csv"))
    if not rows:
        raise SystemExit(f"locust wrote no statistics (exit {process.returncode})")
    return ChatPaceReport(rows, read_csv(prefix.with_name(prefix.name + "_failures.csv")),
                          sampler.summary())


def section(profile: str, report: ChatPaceReport, args: argparse.Namespace) -> str:
    start, end = markers(f"chat-pace-{profile}")
    lines = [
        start,
        f"## Chat pace, {profile} profile: shoppers who wait between messages (Locust)",
        "",
        f"`python -m scripts.chat_pace_load --profile {profile} --shoppers {args.shoppers} "
        f"--minutes {args.minutes:g} --spawn-rate {args.spawn_rate:g}` on {platform.machine()}, "
        f"{os.cpu_count()} cores. Each of {args.shoppers} shoppers waits 5-15 s between messages "
        "and plays the load test's conversation (search, refine, question, add to cart, cart, "
        "policy; a new shopper arrives after each pass); every reply is checked against the "
        "shopper's own context and the payload contract, a wrong one counts as failed. Times "
        "are from sending a message to the whole reply, in milliseconds.",
        "",
        "| turn | turns | failed | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report.rows:
        name = "**all**" if row["Name"] == "Aggregated" else row["Name"]
        lines.append(f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
                     f"{row['50%']} | {row['95%']} | {row['99%']} | "
                     f"{float(row['Max Response Time']):.0f} |")
    total_rss = sum(p["rss_max_mb"] for p in report.processes.values())
    lines += ["", f"Served {float(report.total['Requests/s']):.1f} turns/s. Server processes "
              "(psutil, with their children): " + "; ".join(
                  f"{name} CPU mean {p['cpu_mean_pct']:.0f} % (max {p['cpu_max_pct']:.0f} %), "
                  f"RSS max {p['rss_max_mb']:.0f} MB"
                  for name, p in report.processes.items())
              + f"; RSS of all of them together at most {total_rss:.0f} MB (sum of maxima)."]
    if report.failures:
        lines += ["", "Failures:", ""] + [
            f"- {f['Name']}: {f['Error']} ({f['Occurrences']}×)" for f in report.failures[:10]]
    lines.append(end)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.chat_pace_load",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--profile", choices=["embedded", "production"], default="embedded")
    parser.add_argument("--shoppers", type=int, default=300)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--spawn-rate", type=float, default=5,
                        help="shoppers arriving per second at the start")
    parser.add_argument("--write", type=Path, default=None,
                        help="markdown file whose chat-pace section is replaced")
    args = parser.parse_args(argv)
    with (tempfile.TemporaryDirectory(prefix="aisle-chat-pace-") as tmp,
          running_profile(args.profile, Path(tmp)) as running):
        print(f"{args.profile} profile up in {running.startup_seconds:.0f}s", flush=True)
        report = asyncio.run(run_locust(running.url, args, Path(tmp) / "locust", running.pids))
    print(report.line())
    publish(section(args.profile, report, args), f"chat-pace-{args.profile}", args.write)
    return 0 if report.failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
