"""The second store's conversation scripts (tests/scripted/scientific) against the whole assistant
run on the Amazon Scientific catalog with the same NLU model as Luma."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aisle.settings import REPO_ROOT, load_settings
from ops.conversation_tests.runner import Target, own_assistant, run_files
from ops.conversation_tests.script import load_scripts

pytestmark = pytest.mark.e2e
SCIENTIFIC_SCRIPTS = REPO_ROOT / "tests" / "scripted" / "scientific"
JUNIT = REPO_ROOT / "results" / "conversation-scripts-scientific.xml"


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    # Fails with "run `make data` (AISLE_STORE=scientific)" when that store was not imported:
    # `make test` imports it first (make data-scientific).
    with own_assistant(load_settings(), "scientific") as running:
        yield running


def test_the_scientific_scripts_pass(target: Target, summaries: list[str]) -> None:
    files = load_scripts([SCIENTIFIC_SCRIPTS])
    report = run_files(files, target, "scientific")
    report.write_junit(JUNIT)
    summaries.append(report.summary() + f" [JUnit: {JUNIT.relative_to(REPO_ROOT)}]")
    failing = [line for r in report.results if r.status == "fail"
               for line in [f"{r.file.name}: {r.name}", *r.problem_lines(), *r.transcript()]]
    assert report.ok, "\n".join(failing)
    assert report.count("pass") >= 25, report.summary()
