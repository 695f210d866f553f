"""What the store gazetteer adds to the entities of a frozen request set, before a model with
``CatalogGazetteer`` in its pipeline is trained.

    .venv/bin/python -m scripts.evaluate_gazetteer [--set tests/understanding/scientific_requests.yml]

Starts the assistant on the set's store with ``AISLE_GAZETTEER=none`` (the trained model's
entities as they are), parses each message once and scores the parses twice with
:mod:`scripts.evaluate_understanding`'s normalised scoring: as they are, and with
:class:`aisle.gazetteer.GazetteerMatcher` applied the way ``CatalogGazetteer.process`` applies it
(the store's gazetteer file, the training words of ``bot/data/nlu``, other extractors' spans
kept). Prints the aggregate figures only.
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from aisle.gazetteer import (
    Gazetteer,
    GazetteerMatcher,
    gazetteer_path,
    message_words,
    training_words,
)
from aisle.settings import REPO_ROOT, load_settings
from ops.servers import running_assistant
from scripts import evaluate_understanding as ev

_LABEL = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]+\))")


def nlu_examples(folder: Path) -> list[tuple[str, list[dict[str, Any]]]]:
    """(text, entities) of every intent example in ``folder``'s Rasa YAML files."""
    found: list[tuple[str, list[dict[str, Any]]]] = []
    for path in sorted(folder.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in (block.get("examples") or "").splitlines() if "intent" in block else []:
                if not line.startswith("- "):
                    continue
                raw, text, entities, pos = line[2:], "", [], 0
                for match in _LABEL.finditer(raw):
                    text += raw[pos:match.start()]
                    start, label = len(text), match.group(2)
                    text += match.group(1)
                    kind = label[1:-1] if label.startswith("(") else json.loads(label)["entity"]
                    entities.append({"entity": kind, "start": start, "end": len(text)})
                    pos = match.end()
                found.append((text + raw[pos:], entities))
    return found


class Replay:
    """Hands back stored parses in order, with the gazetteer's spans added when asked."""

    def __init__(self, parses: list[dict[str, Any]], matcher: GazetteerMatcher | None) -> None:
        self.parses, self.matcher, self.added = iter(parses), matcher, Counter()

    def parse(self, text: str) -> dict[str, Any]:
        parse = next(self.parses)
        if self.matcher is None:
            return parse
        entities = list(parse.get("entities") or [])
        spans = self.matcher.find(message_words(parse["text"]),
                                  [(e["start"], e["end"]) for e in entities if "start" in e])
        self.added.update(s.kind for s in spans)
        return {**parse, "entities": entities + [
            {"entity": s.kind, "start": s.start, "end": s.end, "value": s.value} for s in spans]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path,
                        default=ev.UNDERSTANDING_SETS / "scientific_requests.yml")
    args = parser.parse_args(argv)
    store, items = ev.labelled_set(args.set)
    common, known = training_words(nlu_examples(REPO_ROOT / "bot" / "data" / "nlu"))
    gazetteer = Gazetteer.read(gazetteer_path(load_settings().state_dir, store))
    matcher = GazetteerMatcher(gazetteer, common_words=common, known_words=known)
    with tempfile.TemporaryDirectory(prefix="aisle-gazetteer-eval-") as folder, \
            running_assistant(Path(folder), extra_env={"AISLE_STORE": store,
                                                      "AISLE_GAZETTEER": "none"},
                              token="evaluate") as running:
        nlu = ev.Parser(running.rasa_url, running.token)
        parses = [nlu.parse(item.text) for item in items]
    vocabulary = ev.store_vocabulary(store)
    for name, use in (("as trained", None), ("with the gazetteer", matcher)):
        replay = Replay(parses, use)
        score = ev.score_set(args.set.stem, items, replay, vocabulary)
        total = score.normalised
        print(f"{name}: normalised P / R / F1 {total.precision:.2f} / {total.recall:.2f} / "
              f"{total.f1:.3f}; added {dict(replay.added) or 'nothing'}")
        print("  " + ", ".join(f"{n} {s.gold}/{s.predicted}/{s.f1:.2f}" for n, s in
                               sorted(score.per_entity.items(), key=lambda kv: -kv[1].gold)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
