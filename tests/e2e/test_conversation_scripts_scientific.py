"""The second store's conversation scripts (tests/scripted/scientific) against the whole assistant
run on the Amazon Scientific catalog with the same NLU model as Luma."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from aisle.settings import REPO_ROOT, load_settings
from ops.conversation_tests.report import RunReport
from ops.conversation_tests.runner import Target, own_assistant

pytestmark = pytest.mark.e2e
SCIENTIFIC_SCRIPTS = REPO_ROOT / "tests" / "scripted" / "scientific"
JUNIT = REPO_ROOT / "results" / "conversation-scripts-scientific.xml"


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    # Fails with "run `make data` (AISLE_STORE=scientific)" when that store was not imported:
    # `make test` imports it first (make data-scientific).
    with own_assistant(load_settings(), "scientific") as running:
        yield running


def test_the_scientific_scripts_pass(target: Target,
                                     play_scripts: Callable[..., RunReport]) -> None:
    report = play_scripts(SCIENTIFIC_SCRIPTS, target, "scientific", JUNIT)
    assert report.count("pass") >= 25, report.summary()
