"""``make insights`` opens no second embedded Chroma client beside a running process that has
the store open (the action server), on a real store folder with real processes: the process
opening the store through ``knowledge.store.persistent_client`` holds a shared lock until it
exits, the report is written without propensity and says why, and the lock dies with its
holder."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

import insights.propensity
from aisle.store_lock import StoreInUse, claim, release, share
from insights.__main__ import main
from tests.unit.test_insights_sync_privacy import CONVERSATION, _write_tracker


def _open_store(path: str, opened: multiprocessing.synchronize.Event,
                done: multiprocessing.synchronize.Event) -> None:
    """What the action server does: open the embedded store, then serve until told to stop."""
    from knowledge.store import persistent_client

    persistent_client(Path(path))
    opened.set()
    done.wait(120)


@pytest.fixture()
def action_server(tmp_path: Path) -> Iterator[multiprocessing.Process]:
    """A real process holding the embedded store ``tmp_path/chroma-luma`` open."""
    context = multiprocessing.get_context("spawn")
    opened, done = context.Event(), context.Event()
    process = context.Process(target=_open_store,
                              args=(str(tmp_path / "chroma-luma"), opened, done))
    process.start()
    assert opened.wait(60), "the store did not open"
    yield process
    if process.is_alive():  # (Event.set waits for a killed waiter forever)
        done.set()
    process.join(10)


def test_the_report_skips_propensity_while_another_process_has_the_store(
        tmp_path: Path, action_server: multiprocessing.Process,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _write_tracker(tmp_path / "tracker.sqlite", "s1", CONVERSATION)
    monkeypatch.setenv("AISLE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_STATE_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.sqlite'}")
    monkeypatch.setenv("AISLE_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.sqlite'}")

    def second_client(settings: object) -> None:
        raise AssertionError("a second embedded Chroma client was opened")

    monkeypatch.setattr(insights.propensity, "recommender_scorer", second_client)
    out = tmp_path / "report.html"
    assert main(["report", "--out", str(out), "--since", "2026-01-01"]) == 0
    assert "jacket" in out.read_text()
    error = capsys.readouterr().err
    assert "propensity not computed" in error and f"process {action_server.pid}" in error
    assert "AISLE_CHROMA_URL" in error


def test_users_share_the_store_and_a_claim_waits_for_none_of_them(
        tmp_path: Path, action_server: multiprocessing.Process) -> None:
    store = tmp_path / "chroma-luma"
    share(store, wait_seconds=0)  # a second user (this process) is fine: shared
    try:
        with pytest.raises(StoreInUse, match=str(action_server.pid)):
            claim(store)
    finally:
        release(store)


def test_a_claimed_store_makes_other_openers_wait_then_fail_clearly(tmp_path: Path) -> None:
    store = tmp_path / "chroma-luma"
    claim(store)
    try:
        claim(store)  # the claiming process itself may open it (build_services does)
        share(store)
        context = multiprocessing.get_context("spawn")
        with context.Pool(1) as pool:
            outcome = pool.apply(_try_share, (str(store),))
        assert "is open in process" in outcome and "AISLE_CHROMA_URL" in outcome
    finally:
        release(store)
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        assert pool.apply(_try_share, (str(store),)) == "shared"


def _try_share(store: str) -> str:
    try:
        share(Path(store), wait_seconds=0.3)
    except StoreInUse as error:
        return str(error)
    return "shared"


def test_the_lock_dies_with_its_holder(tmp_path: Path,
                                       action_server: multiprocessing.Process) -> None:
    store = tmp_path / "chroma-luma"
    with pytest.raises(StoreInUse):
        claim(store)
    assert action_server.pid is not None
    action_server.kill()  # a crash: no clean-up runs
    action_server.join(10)
    assert action_server.exitcode == -signal.SIGKILL
    claim(store)
    release(store)
