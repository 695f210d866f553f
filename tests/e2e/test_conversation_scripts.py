"""The shipped conversation scripts (tests/scripted/luma) against the whole assistant, and the
runner's own behaviour on scripts that must fail."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT, load_settings
from ops.conversation_tests.report import RunReport
from ops.conversation_tests.runner import Target, own_assistant, run_files
from ops.conversation_tests.script import parse_script_file

pytestmark = pytest.mark.e2e
LUMA_SCRIPTS = REPO_ROOT / "tests" / "scripted" / "luma"
JUNIT = REPO_ROOT / "results" / "conversation-scripts.xml"


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    with own_assistant(load_settings(), "luma") as running:
        yield running


def test_the_luma_scripts_pass(target: Target, play_scripts: Callable[..., RunReport]) -> None:
    report = play_scripts(LUMA_SCRIPTS, target, "luma", JUNIT)
    assert len(report.results) >= 120
    assert report.novel_turns * 2 >= report.user_turns, report.summary()


WRONG = """
scripts:
  - name: a bag under a price no bag has
    turns:
      - user: show me bags
        expect:
          products: {each: {category: Bags, price_max: 5}}
  - name: a cart that was never filled
    turns:
      - user: what's in my cart?
        expect:
          cart: {count: 2}
          shop: {cart_lines: 2}
  - name: a known issue that passes
    known_issue: marked to check that the runner says it is fixed
    turns:
      - user: what's your return policy?
        expect:
          answer: {grounded: true, source: policy}
"""


def test_the_runner_fails_what_does_not_hold(target: Target, tmp_path: Path) -> None:
    path = tmp_path / "wrong.yml"
    path.write_text(WRONG)
    report = run_files([(path, parse_script_file(WRONG, str(path)))], target, "luma")
    bags, cart, fixed = report.results
    assert bags.status == "fail" and cart.status == "fail" and fixed.status == "fixed"
    assert any("is over 5.0" in p for p in bags.problems[1])
    assert cart.problems[1] == ["cart: expected exactly 2 lines, got 0",
                                "shop: 0 cart lines, expected 2"]
    assert not report.ok and "1 fixed" in report.summary()
