"""``python -m insights``: sync, report, replay, retention, forget, export-nlu.

Every command reads :class:`aisle.settings.Settings` (``AISLE_*``): the event store lives in
the shop database (``state_url``), Rasa's conversations in ``tracker_url``.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from aisle.db import make_engine
from aisle.logs import configure_logging
from aisle.settings import Settings, load_settings
from insights.events import EventStore
from insights.propensity import Scorer


def _moment(text: str) -> datetime:
    """An ISO date or date-time, read as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not an ISO date: {text!r}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _sync(settings: Settings, store: EventStore) -> None:
    from insights.sync import sync_tracker

    done = sync_tracker(make_engine(settings.tracker_url, read_only=True), store)
    print(f"synced {done.rows} tracker rows into {done.events} new events in "
          f"{done.seconds:.2f}s ({done.rows_per_second:,.0f} rows/s)")


def _scorer(settings: Settings) -> Scorer | None:
    """The recommender's propensity, loaded here, unless the embedded Chroma store it needs
    is open in another process (the running assistant's action server): a second embedded
    client beside it could corrupt the store, so the report goes without (and says so)."""
    from insights.propensity import recommender_scorer

    if not settings.chroma_url:
        from aisle.store_lock import StoreInUse, claim

        try:
            claim(settings.chroma_path)
        except StoreInUse as error:
            print(f"propensity not computed: {error}. While the assistant runs, the console's "
                  "/insights page shows it (the action server computes it).", file=sys.stderr)
            return None
    return recommender_scorer(settings)


def _report(settings: Settings, store: EventStore, args: argparse.Namespace) -> None:
    from insights.report import build_report, catalog_names, render_html

    if not args.no_sync:
        _sync(settings, store)
    started = time.perf_counter()
    events = store.events(args.since, args.until)
    scorer = None if args.no_propensity else _scorer(settings)
    report = build_report(events, args.since, args.until, scorer, settings.low_confidence,
                          catalog_names(settings))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_html(report))
    print(f"wrote {args.out} ({len(events)} events) in {time.perf_counter() - started:.2f}s")


def _replay(settings: Settings, args: argparse.Namespace) -> None:
    import httpx

    from insights.replay import load_corpus, replay

    with httpx.Client(timeout=120) as client:
        done = replay(load_corpus(args.corpus), args.rasa_url or settings.rasa_url, client)
    print(f"replayed {len(done.senders)} conversations ({done.messages} messages, "
          f"{done.replies} replies) in {done.seconds:.1f}s as {', '.join(done.senders)}")


def _email_tokens(settings: Settings, email: str) -> list[str]:
    """The keyed hash conversations hold instead of ``email`` (none without a key)."""
    from aisle.redaction import email_token

    try:
        return [email_token(email, settings.pii_key())]
    except ValueError as error:  # production without AISLE_PII_SECRET
        print(f"warning: {error}; conversations that hold only the email's hash are not "
              "found by it", file=sys.stderr)
        return []


def _forget(settings: Settings, store: EventStore, args: argparse.Namespace) -> None:
    from commerce.erasure import normalise_email
    from commerce.schema import commerce_engine
    from insights.privacy import forget

    email = normalise_email(args.email) if args.email is not None else None
    removed = forget(make_engine(settings.tracker_url), store, commerce_engine(settings.state_url),
                     sender_ids=[args.sender] if args.sender is not None else [], email=email,
                     email_tokens=_email_tokens(settings, email) if email else [])
    who = args.sender if args.sender is not None else "the shopper with that email"
    print(f"forgot {who}: " + ", ".join(f"{count} {kind}" for kind, count in removed.items()))


def _retention(settings: Settings, store: EventStore, args: argparse.Namespace) -> None:
    from commerce.schema import commerce_engine
    from insights.privacy import apply_retention

    removed = apply_retention(args.days, make_engine(settings.tracker_url), store,
                              commerce=commerce_engine(settings.state_url),
                              order_days=args.order_days, audit_days=args.audit_days)
    kept = "" if args.order_days else " (orders kept: no --order-days)"
    print(f"deleted what is older than {args.days} days: "
          + ", ".join(f"{count} {kind}" for kind, count in removed.items()) + kept)


def _export_nlu(settings: Settings, store: EventStore, args: argparse.Namespace) -> None:
    from insights.metrics import low_confidence
    from insights.nlu_export import nlu_yaml

    if not args.no_sync:
        _sync(settings, store)
    below = args.below if args.below is not None else settings.low_confidence
    messages = low_confidence(store.events(args.since, args.until, kinds=["message"]), below)
    text = nlu_yaml(messages)
    if args.out:
        args.out.write_text(text)
        print(f"wrote {len(messages)} low-confidence messages to {args.out}")
    else:
        sys.stdout.write(text)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m insights", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("sync", help="read new tracker-store rows into the event store")
    report = commands.add_parser("report", help="write the insights report as static HTML")
    report.add_argument("--out", type=Path, default=Path("results/insights.html"))
    for command in (report, export := commands.add_parser(
            "export-nlu", help="low-confidence messages as Rasa NLU YAML")):
        command.add_argument("--since", type=_moment)
        command.add_argument("--until", type=_moment)
        command.add_argument("--no-sync", action="store_true", help="skip the sync first")
    report.add_argument("--no-propensity", action="store_true",
                        help="skip loading the recommender for purchase propensity")
    export.add_argument("--out", type=Path)
    export.add_argument("--below", type=float, help="confidence threshold (default: settings)")
    replay = commands.add_parser("replay", help="send the replay corpus through Rasa's REST channel")
    replay.add_argument("--corpus", type=Path, default=Path(__file__).with_name("replay_corpus.yml"))
    replay.add_argument("--rasa-url", help="default: the settings' Rasa URL")
    retention = commands.add_parser(
        "retention", help="delete conversations, events, carts and checkout emails older than "
                          "N days (and anonymise orders older than --order-days)")
    retention.add_argument("--days", type=int, required=True)
    retention.add_argument("--order-days", type=int,
                           help="anonymise orders placed longer ago (default: orders are kept)")
    retention.add_argument("--audit-days", type=int, default=365,
                           help="delete older lines of the agent console's audit log, which "
                                "holds agents' addresses (default: 365)")
    forget = commands.add_parser(
        "forget", help="erase one shopper everywhere: by conversation, or by email (every "
                       "conversation and order of that address)")
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--sender", help="the conversation (sender id)")
    who.add_argument("--email", help="the shopper's email address")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = load_settings()
    configure_logging(settings.log_level)
    if args.command == "replay":
        _replay(settings, args)
        return 0
    store = EventStore(settings.state_url)
    try:
        if args.command == "sync":
            _sync(settings, store)
        elif args.command == "report":
            _report(settings, store, args)
        elif args.command == "retention":
            _retention(settings, store, args)
        elif args.command == "forget":
            _forget(settings, store, args)
        elif args.command == "export-nlu":
            _export_nlu(settings, store, args)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
