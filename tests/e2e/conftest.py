"""Shared fixtures of the end-to-end tests."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from dialogue.payloads import PayloadError, parse_payload

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in SUMMARIES:
        terminalreporter.write_line(line)
