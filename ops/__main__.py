"""Aisle's operations commands.

    python -m ops test-conversations PATH... [--store NAME] [--url URL] [--junit FILE]
                                             [--typos SEED]

``test-conversations`` plays conversation scripts (``docs/conversation-tests.md``) against the
whole assistant: its own Rasa and action servers on free ports (default), or a running one
(``--url``). Exit code 0 when no script failed, 1 when one did, 2 when a file is invalid or
the assistant cannot be started or reached. ``--typos SEED`` sends each user turn with one
seeded typo in each entity value (``ops/conversation_tests/typos.py``), expectations unchanged.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

from aisle.settings import STORE_NAME, load_settings


def _store_name(value: str) -> str:
    if not STORE_NAME.match(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a store name (1-32 lower-case letters, digits, - or _)")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("test-conversations", help="run conversation scripts",
                              description="Play conversation scripts against the assistant.")
    run.add_argument("paths", nargs="+", type=Path, help="script files or folders (*.yml)")
    run.add_argument("--store", type=_store_name, default=None,
                     help="the store to run (default: AISLE_STORE, else luma); files written "
                          "for another store are skipped")
    run.add_argument("--url", help="a running Rasa server (HTTP API enabled); default: start one")
    run.add_argument("--token", help="the running server's API token (AISLE_RASA_TOKEN)")
    run.add_argument("--junit", type=Path, help="write JUnit XML here")
    run.add_argument("--budget", type=float, default=3.0,
                     help="default reply-time budget per turn in seconds (reported, never failing)")
    run.add_argument("--parallel", type=int, default=1,
                     help="conversations played at once (default 1: scripts that change the "
                          "shared sample orders then cannot race with those that read them)")
    run.add_argument("--typos", type=int, metavar="SEED", default=None,
                     help="send each user turn with one typo in each entity value, chosen by "
                          "this seed (ops/conversation_tests/typos.py); expectations unchanged")
    run.add_argument("--check", action="store_true", help="only validate the files")
    run.add_argument("-v", "--verbose", action="store_true",
                     help="also print the transcripts of known issues")
    return parser


def test_conversations(args: argparse.Namespace) -> int:
    import httpx

    from ops.conversation_tests.runner import (
        AssistantUnavailable,
        Target,
        own_assistant,
        run_files,
    )
    from ops.conversation_tests.script import ScriptError, load_scripts
    from ops.conversation_tests.typos import assistant_typos

    settings = load_settings()
    store = args.store or settings.store
    try:
        files = load_scripts(args.paths)
    except ScriptError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    scripts = sum(len(f.scripts) for _, f in files if f.store == store)
    if args.check:
        print(f"{len(files)} files, {scripts} scripts for {store}: valid")
        return 0
    if not scripts:
        print(f"error: no scripts for store {store!r} under {[str(p) for p in args.paths]}",
              file=sys.stderr)
        return 2
    try:
        with ExitStack() as stack:
            target = (Target(args.url, args.token, settings) if args.url
                      else stack.enter_context(own_assistant(settings, store)))
            typos = None
            if args.typos is not None:
                client = stack.enter_context(httpx.Client(timeout=60))
                typos = assistant_typos(args.typos, target.rasa_url, target.token, client,
                                        target.settings.catalog_url, store)
            report = run_files(files, target, store, args.budget, args.parallel, rewrite=typos)
    except AssistantUnavailable as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(report.lines(verbose=args.verbose)))
    if typos is not None:
        values = sum(len(t.typos) for t in typos.turns)
        changed = sum(1 for t in typos.turns if t.typos)
        print(f"typos (seed {args.typos}): {values} entity values misspelt in {changed} of "
              f"{len(typos.turns)} user turns played")
    if args.junit:
        report.write_junit(args.junit)
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "test-conversations":
        return test_conversations(args)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
