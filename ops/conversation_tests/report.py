"""Results of a run: per script, the one-line summary, the console report and JUnit XML."""

from __future__ import annotations

import statistics
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ops.conversation_tests.outcome import TurnOutcome

Status = Literal["pass", "fail", "known", "fixed"]
LABELS: dict[Status, str] = {"pass": "PASS", "fail": "FAIL", "known": "KNOWN", "fixed": "FIXED"}


@dataclass
class ScriptResult:
    """One script's run: its turns, what failed (turn number → problems) and its status."""

    file: Path
    name: str
    known_issue: str | None
    turns: list[TurnOutcome] = field(default_factory=list)
    problems: dict[int, list[str]] = field(default_factory=dict)
    over_budget: list[tuple[int, float, float]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.problems) or self.error is not None

    @property
    def status(self) -> Status:
        if self.known_issue:
            return "known" if self.failed else "fixed"
        return "fail" if self.failed else "pass"

    def problem_lines(self) -> list[str]:
        lines = [f"turn {n}: {p}" for n, found in sorted(self.problems.items()) for p in found]
        return lines + ([f"error: {self.error}"] if self.error else [])

    def transcript(self) -> list[str]:
        return [line for number, turn in enumerate(self.turns, 1)
                for line in turn.transcript(number)]


@dataclass
class RunReport:
    """Every script's result plus what the run was (files, skipped, novelty)."""

    results: list[ScriptResult] = field(default_factory=list)
    files: int = 0
    skipped_files: list[str] = field(default_factory=list)
    user_turns: int = 0
    novel_turns: int = 0
    seconds: float = 0.0

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def ok(self) -> bool:
        return self.count("fail") == 0

    def reply_times(self) -> list[float]:
        return [t.seconds for r in self.results for t in r.turns]

    def summary(self) -> str:
        """The one line ``make test`` shows."""
        times = sorted(self.reply_times())
        timing = ""
        if times:
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            over = sum(len(r.over_budget) for r in self.results)
            timing = (f"; reply p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s, "
                      f"{over} turns over budget")
        share = f"{self.novel_turns / self.user_turns:.0%}" if self.user_turns else "n/a"
        skipped = f", {len(self.skipped_files)} files for another store skipped" if (
            self.skipped_files) else ""
        return (f"conversation scripts: {self.count('pass')} passed, {self.count('fail')} failed, "
                f"{self.count('known')} known issues, {self.count('fixed')} fixed "
                f"({self.files} files{skipped}, {len(times)} turns played; {self.novel_turns} "
                f"of {self.user_turns} scripted user turns ({share}) not in the NLU data"
                f"{timing}) "
                f"in {self.seconds:.0f} s")

    def lines(self, verbose: bool = False) -> list[str]:
        """The console report: a line per script; failures with problems and transcript."""
        out: list[str] = []
        for result in self.results:
            out.append(f"{LABELS[result.status]:<5} {result.file}: {result.name} "
                       f"({len(result.turns)} turns, {result.seconds:.1f} s)")
            if result.status == "known":
                first = result.problem_lines()[:1]
                out.append(f"      known issue: {result.known_issue}"
                           + (f" — failed at {first[0]}" if first else ""))
            if result.status == "fixed":
                out.append(f"      passes now: remove `known_issue: {result.known_issue}`")
            if result.status == "fail" or (verbose and result.failed):
                out += [f"      {line}" for line in result.problem_lines()]
                out += ["      transcript:", *(f"      {line}" for line in result.transcript())]
            for number, took, budget in result.over_budget:
                out.append(f"      note: turn {number} replied in {took:.2f} s "
                           f"(budget {budget:.1f} s)")
        return [*out, self.summary()]

    def write_junit(self, path: Path) -> None:
        """JUnit XML: one test case per script, classname = file; known issues are skipped
        cases (with the reason), failures carry the problems and the transcript."""
        suite = ET.Element("testsuite", name="conversation-scripts", tests=str(len(self.results)),
                           failures=str(self.count("fail")), errors="0",
                           skipped=str(self.count("known")), time=f"{self.seconds:.1f}")
        for result in self.results:
            case = ET.SubElement(suite, "testcase", classname=str(result.file),
                                 name=result.name, time=f"{result.seconds:.2f}")
            if result.status == "fail":
                problems = result.problem_lines()
                failure = ET.SubElement(case, "failure", message=problems[0] if problems else "")
                failure.text = "\n".join(problems)
            elif result.status == "known":
                ET.SubElement(case, "skipped", message=f"known issue: {result.known_issue}")
            ET.SubElement(case, "system-out").text = "\n".join(result.transcript())
        path.parent.mkdir(parents=True, exist_ok=True)
        root = ET.Element("testsuites")
        root.append(suite)
        ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
