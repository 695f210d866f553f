"""Fuzz the REST channel (and any other chat endpoint) with hostile input.

    python -m scripts.fuzz [--inputs 2000] [--profile embedded|production] [--seed 7]
                           [--target URL ...]

Starts the profile from scratch (see :mod:`ops.profiles`), plants a canary shopper A with a
real order and has A give their email in a conversation, then sends the generated inputs of
:mod:`ops.fuzz` as other senders to Rasa's REST webhook and to every ``--target`` (an
endpoint taking ``{"sender", "message"}`` JSON, e.g. the web app's chat API once it exists).
On the production profile it also sends Rasa's HTTP API and the agent console's paths, raw
and however spelled (:data:`ops.proxy.API_PROBES`), to the shoppers' front end, which must
refuse each. Then it guesses A's order with crafted ``/cancel_order{...}`` messages
(:func:`ops.fuzz.guessing_attack`): past the order-check limit every try must be locked out and
A's order must be left as it was. Fails (exit 1) on any 5xx, stack trace, secret or canary data in a response, an
API path the front end passed, or when the databases changed in a way chat cannot explain
(catalog rows, orders lost, SQLite integrity).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from aisle.settings import load_settings
from ops.fuzz import (
    fuzz,
    generate_cases,
    guess,
    guessing_attack,
    order_state,
    plant_canary,
    table_counts,
)
from ops.profiles import RunningProfile, running_profile
from ops.proxy import API_PROBES, probe_front_end

#: Shop tables chat may add rows to but never remove them from.
KEPT_TABLES = ("commerce_orders", "commerce_order_items", "commerce_customers")


def database_problems(profile: RunningProfile, before: dict[str, dict[str, int]]) -> list[str]:
    """What changed in the databases that hostile chat must not be able to change."""
    problems: list[str] = []
    catalog_after = table_counts(profile.catalog_url)
    if catalog_after != before["catalog"]:
        problems.append(f"catalog rows changed: {before['catalog']} -> {catalog_after}")
    shop_after = table_counts(profile.state_url)
    for table in KEPT_TABLES:
        if shop_after.get(table, 0) < before["shop"].get(table, 0):
            problems.append(f"{table} lost rows")
    for url in (profile.catalog_url, profile.state_url):
        if url.startswith("sqlite:///"):
            with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
                result = db.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                problems.append(f"{url}: integrity_check {result}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", type=int, default=2000)
    parser.add_argument("--profile", choices=["embedded", "production"], default="embedded")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--target", action="append", default=[],
                        help="another endpoint taking {sender, message} JSON (repeatable)")
    args = parser.parse_args(argv)
    token = uuid.uuid4().hex
    with (tempfile.TemporaryDirectory(prefix="aisle-fuzz-") as tmp,
          running_profile(args.profile, Path(tmp), token=token) as running):
        canary = plant_canary(running.state_url, running.catalog_url,
                              load_settings().data_dir / "luma", secrets=running.secrets)
        with httpx.Client(timeout=120) as client:
            client.post(f"{running.url}/webhooks/rest/webhook",
                        json={"sender": canary.sender, "message": f"my email is {canary.email}"})
        before = {"catalog": table_counts(running.catalog_url),
                  "shop": table_counts(running.state_url)}
        cases = list(generate_cases(args.inputs, canary, seed=args.seed))
        report = fuzz([f"{running.url}/webhooks/rest/webhook", *args.target], cases, canary)
        problems = report.problems + database_problems(running, before)
        with httpx.Client(timeout=120) as client:
            attack = guessing_attack(canary, load_settings().order_check_failures)
            problems += guess(f"{running.url}/webhooks/rest/webhook", attack, client)
        if order_state(running.state_url, canary.order_number) != "pending":
            problems.append("the canary order changed during the guessing attack")
        if args.profile == "production":  # the embedded profile has no front end
            front = urlsplit(running.url)
            problems += probe_front_end(front.hostname or "127.0.0.1", front.port or 80)
    print(f"{args.profile}: {report.line()}; guessing attack: {len(attack)} tries"
          + (f"; {len(API_PROBES)} API paths probed on the front end"
             if args.profile == "production" else ""))
    for problem in problems[:50]:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
