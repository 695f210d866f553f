"""Where a turn's CPU goes: py-spy samples of both servers while one shopper at a time talks.

    python -m scripts.profile_turns [--conversations 40] [--write docs/benchmarks.md]

Starts the real Rasa server and action server (embedded profile, fresh tracker store), warms
them up, then records both with py-spy (``--format raw``: folded stacks, CPU-active samples
only) while shoppers talk over REST one at a time, each conversation four turns: a greeting
(no custom action: the baseline), a search, a question about the first card and a
recommendation. CPU per turn is the process's own CPU time (psutil, user + system) over the
measured turns divided by their number; the profile splits it by component: every sampled
stack is given to the first rule below that one of its frames matches, and a component's share
of the samples times the CPU per turn is its milliseconds per turn. py-spy attaches to another
process, which needs root or ``ptrace`` rights.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import psutil

from aisle.settings import REPO_ROOT
from ops.servers import RunningAssistant, running_assistant
from scripts.benchmark_doc import markers, publish

PY_SPY = REPO_ROOT / ".venv" / "bin" / "py-spy"
#: Each conversation: the greeting, one of the searches, then the follow-ups.
GREETING = "hello"
FOLLOW_UPS = ("is the first one waterproof?", "what would you recommend for yoga?")
SEARCHES = ("I need a women's jacket under $80", "men's hoodies under $60 in black",
            "show me yoga pants for women", "a gym bag", "running shorts for men",
            "women's bras in blue", "a watch for running", "fleece jackets")

#: (component, pattern of a frame's file or function), most specific first.
RASA_RULES: tuple[tuple[str, str], ...] = (
    ("intent: fine-tuned MiniLM encoder (ONNX)", r"intent_encoder_onnx\.py"),
    ("intent: linear n-gram + MiniLM model", r"intent_model\.py"),
    ("intent classifier, other", r"intent_classifier\.py"),
    ("MiniLM featurizer (ONNX)", r"minilm_featurizer\.py|minilm_onnx\.py"),
    ("entities: CRF", r"crf_entit"),
    ("entities: DIET", r"diet_classifier\.py"),
    ("count vectors featurizers", r"count_vectors_featurizer\.py"),
    ("regex featurizer", r"regex_featurizer\.py"),
    ("lexical-syntactic featurizer", r"lexical_syntactic_featurizer\.py"),
    ("tokenizer", r"tokenizers/"),
    ("price entities", r"price_entities\.py|components/prices\.py"),
    ("message guards, fallback, synonyms", r"message_guard\.py|fallback_classifier\.py|"
                                           r"entity_synonyms\.py"),
    ("policy: TED", r"ted_policy\.py"),
    ("policy: memoization", r"memoization\.py"),
    ("policy: rules", r"rule_policy\.py"),
    ("policy: agent hold", r"agent_hold_policy\.py"),
    ("policies, other (ensemble, state featurizing)", r"core/policies/|core/featurizers/"),
    ("tracker store: PII redaction", r"redaction\.py"),
    ("tracker store: load and save", r"tracker_store\.py"),
    ("lock store", r"lock_store\.py"),
    ("action call (HTTP to the action server)", r"core/actions/action\.py|aiohttp"),
    ("NLU graph, other", r"rasa/nlu/|rasa/engine/"),
    ("dialogue processing, other", r"rasa/core/|rasa/shared/core/"),
    ("HTTP server (Sanic), channels", r"sanic|rasa/core/channels|bot/channels|httptools"),
)
ACTION_RULES: tuple[tuple[str, str], ...] = (
    ("recommender", r"recommender/"),
    ("grounded answers", r"knowledge/answers|knowledge/qa|qa_scor"),
    ("product search", r"knowledge/search|finder\.py|knowledge/keyword"),
    ("Chroma", r"chromadb/"),
    ("catalog database (SQLAlchemy)", r"sqlalchemy/|catalog"),
    ("commerce", r"commerce/"),
    ("embedding (torch / onnxruntime)", r"torch/|onnxruntime|sentence_transformers|transformers/"),
    ("actions, other", r"actions/"),
    ("action server (Sanic, rasa-sdk)", r"sanic|rasa_sdk"),
)


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def talk(running: RunningAssistant, conversations: int, client: httpx.Client) -> int:
    """Play ``conversations`` four-turn conversations one at a time; return the turns sent."""
    turns = 0
    for n in range(conversations):
        sender = f"profile-{uuid.uuid4().hex[:8]}"
        for text in (GREETING, SEARCHES[n % len(SEARCHES)], *FOLLOW_UPS):
            if not running.say(sender, text, client):
                raise SystemExit(f"no reply to {text!r}")
            turns += 1
    return turns


def buckets(folded: Path, rules: tuple[tuple[str, str], ...]) -> Counter[str]:
    """Samples per component from py-spy's raw output (``frame;frame;... count`` lines)."""
    compiled = [(name, re.compile(pattern)) for name, pattern in rules]
    counts: Counter[str] = Counter()
    for line in folded.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        name = next((name for name, pattern in compiled if pattern.search(stack)), "other")
        counts[name] += int(count)
    return counts


def record(pid: int, out: Path) -> subprocess.Popen:
    return subprocess.Popen([str(PY_SPY), "record", "--pid", str(pid), "--format", "raw",
                             "--rate", "250", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop(recorder: subprocess.Popen) -> None:
    recorder.send_signal(signal.SIGINT)
    try:
        recorder.wait(timeout=120)
    except subprocess.TimeoutExpired:
        recorder.kill()


def table(title: str, counts: Counter[str], cpu_ms_per_turn: float) -> list[str]:
    total = sum(counts.values()) or 1
    rows = [f"**{title}**: {cpu_ms_per_turn:.1f} ms CPU per turn, {total} samples", "",
            "| component | share of samples | ms CPU per turn |", "|---|---:|---:|"]
    for name, count in counts.most_common():
        rows.append(f"| {name} | {count / total:.1%} | {count / total * cpu_ms_per_turn:.1f} |")
    return rows


def measure(conversations: int, workdir: Path) -> list[str]:
    with running_assistant(workdir) as running, httpx.Client(timeout=120) as client:
        talk(running, 3, client)  # warm-up: first-call costs stay out of the figures
        pids = {"rasa": running.pids["rasa"], "actions": running.pids["actions"]}
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        recorders = {name: record(pid, workdir / f"{name}.folded") for name, pid in pids.items()}
        time.sleep(1.0)
        started = time.perf_counter()
        turns = talk(running, conversations, client)
        elapsed = time.perf_counter() - started
        after = {name: cpu_seconds(pid) for name, pid in pids.items()}
        for recorder in recorders.values():
            stop(recorder)
    per_turn = {name: (after[name] - before[name]) / turns * 1000 for name in pids}
    lines = [f"{turns} turns ({conversations} conversations of greeting, search, question about "
             f"the first card, recommendation), one shopper at a time, {elapsed:.0f} s; CPU per "
             "turn from psutil, split by the share of py-spy samples (250 Hz).", ""]
    lines += table("Rasa server", buckets(workdir / "rasa.folded", RASA_RULES), per_turn["rasa"])
    lines += [""]
    lines += table("Action server", buckets(workdir / "actions.folded", ACTION_RULES),
                   per_turn["actions"])
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.profile_turns",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=40)
    parser.add_argument("--write", type=Path, default=None,
                        help="markdown file whose turn-profile section is replaced")
    parser.add_argument("--keep", type=Path, default=None,
                        help="folder to keep py-spy's folded stacks in (rasa.folded, "
                             "actions.folded), e.g. for a flame graph")
    args = parser.parse_args(argv)
    if not PY_SPY.exists():
        raise SystemExit(f"{PY_SPY} is missing: run `make setup`")
    with tempfile.TemporaryDirectory(prefix="aisle-profile-") as tmp:
        lines = measure(args.conversations, Path(tmp))
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for name in ("rasa.folded", "actions.folded"):
                shutil.copyfile(Path(tmp) / name, args.keep / name)
    start, end = markers("turn-profile")
    text = "\n".join([start, "## Where a turn's CPU goes (py-spy)", "",
                      f"Measured by `python -m scripts.profile_turns` on {time.strftime('%Y-%m-%d')}"
                      f", {os.cpu_count()} cores.", "", *lines, "", end])
    publish(text, "turn-profile", args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
