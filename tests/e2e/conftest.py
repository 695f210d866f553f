"""Shared fixtures of the end-to-end tests."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from aisle.settings import REPO_ROOT
from dialogue.payloads import PayloadError, parse_payload
from ops.conversation_tests.report import RunReport
from ops.conversation_tests.runner import Target, run_files
from ops.conversation_tests.script import load_scripts

REST_WEBHOOK = "/webhooks/rest/webhook"


@dataclass
class PayloadLog:
    """Validates every ``custom`` payload of every bot reply the REST channel sends."""

    seen: Counter[str] = field(default_factory=Counter)
    broken: list[str] = field(default_factory=list)

    def check(self, response: httpx.Response) -> None:
        """An httpx response hook: a payload that breaks the contract fails the turn that got
        it, with the payload and the validation error."""
        if not response.url.path.endswith(REST_WEBHOOK) or response.status_code != 200:
            return
        response.read()
        messages: Any = response.json()
        for message in messages if isinstance(messages, list) else []:
            custom = message.get("custom") if isinstance(message, dict) else None
            if custom is None:
                continue
            try:
                parse_payload(custom)
            except PayloadError as error:
                self.broken.append(f"{error}\npayload: {json.dumps(custom, ensure_ascii=False)}")
                raise AssertionError(self.broken[-1]) from None
            self.seen[custom["type"]] += 1


@pytest.fixture(scope="module")
def payload_log() -> PayloadLog:
    return PayloadLog()


@pytest.fixture(scope="module")
def client(payload_log: PayloadLog) -> Iterator[httpx.Client]:
    """An HTTP client patient enough for one turn on a busy two-core machine; every payload
    it receives from the REST channel is checked against dialogue/payloads.py."""
    with httpx.Client(timeout=180, event_hooks={"response": [payload_log.check]}) as http:
        yield http


#: One-line summaries the conversation-script tests want shown at the end of the run.
SUMMARIES: list[str] = []


@pytest.fixture(scope="session")
def summaries() -> list[str]:
    """Lines printed after the test results (the list this conftest's hook reads; a test
    must not import it, since pytest loads this file under its own module name)."""
    return SUMMARIES


@pytest.fixture(scope="session")
def play_scripts(summaries: list[str]) -> Callable[..., RunReport]:
    """Plays a store's script folder on a running assistant, writes its JUnit XML, puts its
    summary line in ``summaries`` and fails with every failing script's transcript."""

    def play(folder: Path, target: Target, store: str, junit: Path) -> RunReport:
        report = run_files(load_scripts([folder]), target, store)
        report.write_junit(junit)
        summaries.append(report.summary() + f" [JUnit: {junit.relative_to(REPO_ROOT)}]")
        failing = [line for r in report.results if r.status == "fail"
                   for line in [f"{r.file.name}: {r.name}", *r.problem_lines(), *r.transcript()]]
        assert report.ok, "\n".join(failing)
        return report

    return play


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in SUMMARIES:
        terminalreporter.write_line(line)
