"""``python -m insights``: the commands on temporary databases, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from insights.__main__ import main
from tests.unit.test_insights_sync_privacy import CONVERSATION, _write_tracker


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _write_tracker(tmp_path / "tracker.sqlite", "s1", CONVERSATION)
    monkeypatch.setenv("AISLE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("AISLE_STATE_DATABASE_URL", f"sqlite:///{tmp_path / 'shop.sqlite'}")
    monkeypatch.setenv("AISLE_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'tracker.sqlite'}")
    return tmp_path


def test_sync_report_export_forget(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 0
    assert capsys.readouterr().out.startswith(f"synced {len(CONVERSATION)} tracker rows into 14 new events")
    out = env / "report.html"
    assert main(["report", "--out", str(out), "--no-propensity", "--since", "2026-01-01"]) == 0
    assert "vegaEmbed" in out.read_text() and "jacket" in out.read_text()
    capsys.readouterr()
    assert main(["export-nlu", "--no-sync"]) == 0
    exported = capsys.readouterr().out
    assert "- intent: nlu_fallback\n  examples: |\n    - qwerty\n" in exported
    assert "- intent: search_products\n  examples: |\n    - laptops\n" in exported
    assert main(["forget", "--sender", "s1"]) == 0
    assert capsys.readouterr().out.startswith(f"forgot s1: {len(CONVERSATION)} tracker rows, 14 events")


def test_bad_input_gets_a_clear_message(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["retention", "--days", "0"]) == 2
    assert "retention needs at least 1 day" in capsys.readouterr().err
    assert main(["forget", "--sender", " "]) == 2
    with pytest.raises(SystemExit):
        main(["report", "--since", "last tuesday"])
    assert "not an ISO date" in capsys.readouterr().err
