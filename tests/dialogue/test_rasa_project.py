"""The Rasa project itself: training data validation and the scripted conversation tests.

Both run the real Rasa 3.6 CLI from the project's Rasa environment against the trained model
(`make train` builds it; `make test` does that first).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from aisle.settings import REPO_ROOT

RASA = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = REPO_ROOT / "models" / "aisle.tar.gz"
CONVERSATIONS = REPO_ROOT / "tests" / "conversations"


def _rasa(*args: str, workdir: Path, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    if not RASA.exists():
        pytest.fail(f"{RASA} is missing: run `make setup`")
    # endpoints.yml reads these; keep test trackers out of the real state dir.
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "2",
           "RASA_TELEMETRY_ENABLED": "false",
           "AISLE_TRACKER_DB": str(workdir / "tracker.sqlite"),
           "AISLE_ACTION_URL": "http://127.0.0.1:9/webhook"}
    return subprocess.run([str(RASA), *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _story_count() -> int:
    count = 0
    for path in CONVERSATIONS.glob("test_*.yml"):
        count += len((yaml.safe_load(path.read_text()) or {}).get("stories", []))
    return count


def test_training_data_is_valid(tmp_path: Path) -> None:
    result = _rasa("data", "validate", "--data", "bot/data", "--domain", "domain.yml",
                   "--config", "config.yml", workdir=tmp_path)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_there_are_enough_conversation_tests() -> None:
    assert _story_count() >= 25


def test_conversation_tests_pass(tmp_path: Path) -> None:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train`")
    result = _rasa("test", "core", "--e2e", "--stories", str(CONVERSATIONS), "--model", str(MODEL),
                   "--fail-on-prediction-errors", "--out", str(tmp_path), workdir=tmp_path)
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text()[-6000:] if failed.exists() else result.stdout[-4000:]
    assert result.returncode == 0, details + result.stderr[-3000:]
