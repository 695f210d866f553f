"""The key of the email hashes: required in production, made once and atomically in development."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from aisle.settings import Settings, read_or_create_key

ROUNDS, RACERS = 15, 4


def _race(path: str, start: multiprocessing.synchronize.Barrier,
          keys: multiprocessing.Queue) -> None:
    start.wait()
    keys.put(Settings(state_dir=Path(path)).pii_key())


def test_processes_starting_together_agree_on_one_nonempty_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(ROUNDS):
        state = tmp_path / f"state-{round_}"
        start, keys = context.Barrier(RACERS), context.Queue()
        racers = [context.Process(target=_race, args=(str(state), start, keys))
                  for _ in range(RACERS)]
        for racer in racers:
            racer.start()
        got = [keys.get(timeout=30) for _ in racers]
        for racer in racers:
            racer.join(timeout=30)
            assert racer.exitcode == 0
        assert len(set(got)) == 1 and len(got[0]) == 64, f"round {round_}: {got}"
        key_file = state / "pii-secret"
        assert key_file.read_text() == got[0]
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert [p.name for p in state.iterdir()] == ["pii-secret"]  # no candidate left behind


def test_the_key_is_mode_0600_before_it_is_published_whatever_the_umask(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    modes: list[int] = []
    real_link = os.link

    def spy(source: str | Path, target: str | Path) -> None:
        modes.append(stat.S_IMODE(os.stat(source).st_mode))
        real_link(source, target)

    monkeypatch.setattr(os, "link", spy)
    old_umask = os.umask(0)
    try:
        read_or_create_key(tmp_path / "pii-secret")
    finally:
        os.umask(old_umask)
    assert modes == [0o600]


def test_a_later_process_reads_the_same_key(tmp_path: Path) -> None:
    first = Settings(state_dir=tmp_path).pii_key()
    assert Settings(state_dir=tmp_path).pii_key() == first


def test_an_empty_key_file_is_refused_not_used(tmp_path: Path) -> None:
    (tmp_path / "pii-secret").write_text("")
    with pytest.raises(ValueError, match="empty"):
        read_or_create_key(tmp_path / "pii-secret")


def test_the_configured_secret_wins(tmp_path: Path) -> None:
    assert Settings(state_dir=tmp_path, pii_secret="k1").pii_key() == "k1"
    assert not (tmp_path / "pii-secret").exists()


def test_production_requires_the_secret_and_makes_no_key_file(tmp_path: Path) -> None:
    urls = {name: "postgresql://a:b@h/d" for name in
            ("tracker_database_url", "state_database_url", "database_url")}
    settings = Settings(profile="production", state_dir=tmp_path, redis_url="redis://h:6379/0",
                        chroma_url="http://h:8000", **urls)
    with pytest.raises(ValueError, match="AISLE_PII_SECRET"):
        settings.pii_key()
    assert not (tmp_path / "pii-secret").exists()
    assert Settings(**{**settings.model_dump(), "pii_secret": "k"}).pii_key() == "k"
