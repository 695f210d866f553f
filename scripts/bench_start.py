"""First start, later start and retraining, measured as a newcomer meets them (``make bench-start``).

    python -m scripts.bench_start [--write docs/benchmarks.md] [--ci]

Clones the committed HEAD into a temporary folder and times, there:

1. each step of a first ``make run``: ``make setup`` (both venvs from a cold uv cache, as on a
   fresh machine; the web bundle), ``make train`` (the MiniLM ONNX export and ``rasa
   train``), then ``make run`` itself (catalog import, Chroma and recommender ingest while
   Rasa loads its model) until all three servers answer;
2. a later ``make run`` with nothing changed, until all three servers answer;
3. ``make train`` after one NLU example was added to one file;
4. with ``--ci``, a whole ``.ci/run`` (the test command) in a second fresh clone.

The section it writes into ``--write`` is marked, so ``make bench`` keeps it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aisle.settings import REPO_ROOT
from ops.servers import free_port, stop_process_group, wait_until_up
from scripts.benchmark_doc import markers, publish

START, END = markers("first-start")
NLU_FILE = Path("bot/data/nlu/chitchat.yml")


def _env(clone: Path, ports: dict[str, int], cache: Path) -> dict[str, str]:
    data = os.environ.get("AISLE_DATA_DIR", str((REPO_ROOT.parent / "shared" / "data").resolve()))
    return {**os.environ, "AISLE_DATA_DIR": data, "UV_CACHE_DIR": str(cache),
            "AISLE_STATE_DIR": str(clone / "state"),
            "AISLE_RASA_PORT": str(ports["rasa"]), "AISLE_ACTION_PORT": str(ports["actions"]),
            "AISLE_WEB_PORT": str(ports["web"]),
            "PYTHONPATH": str(clone)}


def _timed(command: list[str], clone: Path, env: dict[str, str], log: Path) -> float:
    started = time.perf_counter()
    with log.open("a") as out:
        done = subprocess.run(command, cwd=clone, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {done.returncode}); see {log}")
    return time.perf_counter() - started


def _urls(ports: dict[str, int]) -> list[str]:
    return [f"http://127.0.0.1:{ports['actions']}/health",
            f"http://127.0.0.1:{ports['rasa']}/status", f"http://127.0.0.1:{ports['web']}/"]


@contextmanager
def _serving(command: list[str], clone: Path, env: dict[str, str], log: Path,
             ports: dict[str, int], timeout: float = 1800) -> Iterator[float]:
    """Start ``command``; yield the seconds until every server answers 200; stop it all."""
    started = time.perf_counter()
    with log.open("a") as out:
        process = subprocess.Popen(command, cwd=clone, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for url in _urls(ports):
            wait_until_up(url, process, log, timeout - (time.perf_counter() - started))
        yield time.perf_counter() - started
    finally:
        stop_process_group(process)


def _add_nlu_example(clone: Path) -> None:
    """One more greeting in one NLU file: a typical small data edit."""
    path = clone / NLU_FILE
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r"(- intent: greet\n  examples: \|\n)", r"\1    - hiya, anyone around?\n",
                    text, count=1)
    if edited == text:
        raise SystemExit(f"no greet intent in {NLU_FILE}")
    path.write_text(edited, encoding="utf-8")


def _clone(into: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO_ROOT), str(into)],
                   check=True)
    return into


def measure(workdir: Path, ci: bool) -> list[tuple[str, float]]:
    clone = _clone(workdir / "aisle")
    ports = {"rasa": free_port(), "actions": free_port(), "web": free_port()}
    env = _env(clone, ports, workdir / "uv-cache")
    log = workdir / "bench-start.log"
    rows = [("`make setup`: both venvs (cold uv cache) and the web bundle",
             _timed(["make", "setup"], clone, env, log)),
            ("`make train`: MiniLM ONNX export and `rasa train`",
             _timed(["make", "train"], clone, env, log))]
    with _serving(["make", "run"], clone, env, log, ports) as seconds:
        rows.append(("`make run` after those: catalog import and ingest (while Rasa loads), "
                     "until all three servers answer", seconds))
    rows.append(("**first `make run`, all of the above**", sum(s for _, s in rows)))
    with _serving(["make", "run"], clone, env, log, ports) as seconds:
        rows.append(("later `make run`, nothing changed, until all three answer", seconds))
    _add_nlu_example(clone)
    rows.append(("`make train` after one NLU example was added",
                 _timed(["make", "train"], clone, env, log)))
    if ci:
        ci_clone = _clone(workdir / "aisle-ci")
        ci_env = {**_env(ci_clone, ports, workdir / "uv-cache-ci"), "CI": "true"}
        rows.append(("`.ci/run` (all tests) in another fresh clone",
                     _timed(["bash", ".ci/run"], ci_clone, ci_env, workdir / "ci.log")))
    return rows


def section(rows: list[tuple[str, float]], commit: str) -> str:
    lines = [START, "## First start, later start, retraining and CI", "",
             f"Measured by `make bench-start` (`python -m scripts.bench_start`) on "
             f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, commit {commit}, in a fresh "
             "clone of that commit. The venvs are installed from a cold uv cache, as on a new "
             "machine; pip's own cache and npm's were warm.", "",
             "| step | seconds | minutes |", "|---|---:|---:|"]
    lines += [f"| {name} | {seconds:.0f} | {seconds / 60:.1f} |" for name, seconds in rows]
    return "\n".join([*lines, "", END])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench_start",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=Path, default=None,
                        help="markdown file whose first-start section is replaced")
    parser.add_argument("--ci", action="store_true", help="also time .ci/run in a fresh clone")
    args = parser.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="aisle-bench-start-") as tmp:
        text = section(measure(Path(tmp), args.ci), commit)
    publish(text, "first-start", args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
