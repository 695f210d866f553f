"""How well the trained NLU understands text nobody here tuned on (issue 14's measure).

    .venv/bin/python -m scripts.evaluate_understanding [--write] [--errors N]
        [--epqa-half dev|report|all] [--sets ...]

Starts the Rasa server with the trained model (``models/aisle.tar.gz``) on a free port and
parses, through its HTTP API (``/model/parse``, the same pipeline a conversation runs):

* **ePQA dev questions**, all unique ones (real Amazon shoppers' product questions,
  ``../shared/data/epqa/ePQA_dev.csv``): the share recognised as a question intent;
* the **frozen request sets** of ``tests/understanding/*.yml`` (written before any tuning by
  someone who did not see the training data; never trained on): intent accuracy, and entity
  precision / recall / F1 over (entity, value) pairs, twice: the NLU's raw values compared
  case-insensitively, and both sides normalised (:func:`canonical`: word lemmas, misspellings
  corrected against the set's store catalog, measures in one spelling, size words as letters).

``--write`` puts the figures in docs/benchmarks.md and docs/nlu.md (marked sections).

ePQA's questions fall into two fixed halves by a hash of their text (:func:`epqa_half`): work on
the NLU looks only at the *development* half's aggregate share (``--epqa-half dev``, with
``--sets`` and nothing after it to skip the frozen sets); the *report* half shows whether a
change generalises. ``all`` (the default) scores every question and prints each half's share.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import statistics
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from aisle.measures import normalise_measure
from aisle.settings import REPO_ROOT, load_settings
from catalog.repository import SqlCatalog
from catalog.text import lemma
from catalog.vocabulary import CatalogVocabulary
from knowledge.qa_data import load_epqa
from ops.servers import api_headers, running_assistant
from scripts.benchmark_doc import publish

UNDERSTANDING_SETS = REPO_ROOT / "tests" / "understanding"
#: Intents that take a product question to the answering service (or its neighbours).
QUESTION_INTENTS = frozenset({"ask_product_question", "compare_products", "ask_similar",
                              "ask_complementary", "ask_policy", "ask_shipping", "ask_payment"})
SECTION = "understanding"
#: The store of an understanding set written for every store (no catalog vocabulary).
ANY_STORE = "any"
#: The entities the frozen sets label (tests/understanding/README.md). The NLU's other entities
#: (``mention`` for "it"/"the second one", ``activity``) are not labelled there, so the
#: normalised score leaves them out instead of counting each one as a false positive.
LABELLED_ENTITIES = frozenset({"product_type", "brand", "color", "size", "material", "measure",
                               "gender", "price_min", "price_max", "product", "quantity",
                               "order_id", "email"})


#: The two halves of the ePQA questions (:func:`epqa_half`), and both.
EPQA_HALVES = ("dev", "report", "all")


@dataclass
class Labelled:
    text: str
    intent: str
    entities: dict[str, Any] = field(default_factory=dict)


def epqa_questions(path: Path) -> list[str]:
    """The unique questions of the ePQA file (:func:`knowledge.qa_data.load_epqa`), in file
    order, whitespace collapsed."""
    return list(dict.fromkeys(" ".join(q.question.split()) for q in load_epqa(path)))


def epqa_half(question: str) -> str:
    """``"dev"`` or ``"report"``: the parity of the first byte of the SHA-256 of the question's
    text (whitespace collapsed, as :func:`epqa_questions` gives it), so a question stays in its
    half whatever else the file holds or in which order."""
    digest = hashlib.sha256(" ".join(question.split()).encode("utf-8")).digest()
    return "dev" if digest[0] % 2 == 0 else "report"


def select_half(questions: list[str], half: str) -> list[str]:
    """The questions of one half (``dev`` / ``report``), or all of them (``all``)."""
    if half not in EPQA_HALVES:
        raise ValueError(f"unknown ePQA half {half!r}: choose one of {', '.join(EPQA_HALVES)}")
    return questions if half == "all" else [q for q in questions if epqa_half(q) == half]


def labelled_set(path: Path) -> tuple[str, list[Labelled]]:
    """The set's store (``scientific``, or ``any``) and its labelled messages."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(data.get("store", ANY_STORE)), [
        Labelled(m["text"], m["intent"], dict(m.get("entities") or {}))
        for m in data["messages"]]


def pairs(entities: dict[str, Any],
          vocabulary: CatalogVocabulary | None = None,
          normalise: bool = False) -> Counter[tuple[str, str]]:
    """(entity, value) pairs, lower case, numbers as numbers (``30`` = ``30.0``); with
    ``normalise``, each value in :func:`canonical` form."""
    found: Counter[tuple[str, str]] = Counter()
    for name, value in entities.items():
        for item in value if isinstance(value, list) else [value]:
            text = str(item).strip().lower()
            with contextlib.suppress(ValueError):
                text = f"{float(text):g}"
            found[(name, canonical(name, text, vocabulary) if normalise else text)] += 1
    return found


#: Clothing size words and the letters a catalog lists them by.
SIZE_WORDS = {"extra small": "xs", "x-small": "xs", "small": "s", "medium": "m", "large": "l",
              "extra large": "xl", "x-large": "xl", "extra-large": "xl"}


def canonical(name: str, value: str, vocabulary: CatalogVocabulary | None) -> str:
    """One spelling for an entity value, applied alike to the labels and to the NLU's values:
    a measure as ``"<number> <unit>"``, a size word as its letters, other words as their lemmas,
    each misspelling corrected against the store's catalog words (as the dialogue does)."""
    if name == "measure":
        return normalise_measure(value) or value
    if name == "size":
        return SIZE_WORDS.get(value, value)
    if name not in {"product_type", "material", "color", "brand", "product", "gender"}:
        return value
    words = [lemma(w) for w in re.findall(r"[\w&/.+-]+", value.replace("'s", ""))]
    if vocabulary is not None:
        words = [vocabulary.correct(w) for w in words]
    return " ".join(words)


def store_vocabulary(store: str) -> CatalogVocabulary | None:
    """The imported catalog's vocabulary of ``store`` (``None`` for the any-store set, or when
    that store was not imported)."""
    if store == ANY_STORE:
        return None
    settings = load_settings().model_copy(update={"store": store})
    catalog = SqlCatalog(settings.catalog_url, store)
    products = catalog.products()
    return CatalogVocabulary.from_products(products) if products else None


def parsed_entities(parse: dict[str, Any]) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for entity in parse.get("entities") or []:
        found.setdefault(str(entity.get("entity")), []).append(entity.get("value"))
    return found


class Parser:
    """``/model/parse`` of a running Rasa server."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url, self.token = url, token
        self.client = httpx.Client(timeout=120, headers=api_headers(token))

    def parse(self, text: str) -> dict[str, Any]:
        response = self.client.post(f"{self.url}/model/parse", json={"text": text})
        response.raise_for_status()
        return response.json()


@dataclass
class EntityScore:
    """Precision, recall and F1 over (entity, value) pairs."""

    true_pos: int = 0
    predicted: int = 0
    gold: int = 0

    def add(self, want: Counter[tuple[str, str]], got: Counter[tuple[str, str]]) -> None:
        self.true_pos += sum((want & got).values())
        self.predicted += sum(got.values())
        self.gold += sum(want.values())

    @property
    def precision(self) -> float:
        return self.true_pos / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_pos / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class SetResult:
    name: str
    size: int
    intent_accuracy: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    normalised: EntityScore
    per_entity: dict[str, EntityScore]
    confusions: Counter[tuple[str, str]]
    errors: list[str]


def score_set(name: str, items: list[Labelled], parser: Parser,
              vocabulary: CatalogVocabulary | None) -> SetResult:
    correct = 0
    raw, normalised = EntityScore(), EntityScore()
    per_entity: dict[str, EntityScore] = {}
    confusions: Counter[tuple[str, str]] = Counter()
    errors: list[str] = []
    for item in items:
        parse = parser.parse(item.text)
        intent = (parse.get("intent") or {}).get("name")
        correct += intent == item.intent
        if intent != item.intent:
            confusions[(item.intent, str(intent))] += 1
        raw.add(pairs(item.entities), pairs(parsed_entities(parse)))
        want = pairs(item.entities, vocabulary, normalise=True)
        got = pairs({name: values for name, values in parsed_entities(parse).items()
                     if name in LABELLED_ENTITIES}, vocabulary, normalise=True)
        normalised.add(want, got)
        for entity in {e for e, _ in want} | {e for e, _ in got}:
            per_entity.setdefault(entity, EntityScore()).add(
                Counter({k: n for k, n in want.items() if k[0] == entity}),
                Counter({k: n for k, n in got.items() if k[0] == entity}))
        if intent != item.intent or want != got:
            errors.append(f"{item.text!r}: intent {item.intent} -> {intent}; "
                          f"entities {dict(want)} -> {dict(got)}")
    return SetResult(name, len(items), correct / len(items), raw.precision, raw.recall, raw.f1,
                     normalised, per_entity, confusions, errors)


def score_epqa(questions: list[str], parser: Parser
               ) -> tuple[float, Counter[str], list[str], dict[str, float]]:
    """The share of ``questions`` parsed as a question intent, the parsed intents, the misses,
    and the share within each half (:func:`epqa_half`) that ``questions`` holds."""
    intents: Counter[str] = Counter()
    misses: list[str] = []
    hits: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for question in questions:
        intent = str((parser.parse(question).get("intent") or {}).get("name"))
        intents[intent] += 1
        half = epqa_half(question)
        sizes[half] += 1
        hits[half] += intent in QUESTION_INTENTS
        if intent not in QUESTION_INTENTS:
            misses.append(f"{question!r} -> {intent}")
    share = sum(n for i, n in intents.items() if i in QUESTION_INTENTS) / len(questions)
    return share, intents, misses, {half: hits[half] / sizes[half] for half in sorted(sizes)}


def section(epqa: tuple[float, Counter[str], int], sets: list[SetResult],
            halves: dict[str, float] | None = None) -> str:
    share, intents, total = epqa
    top = ", ".join(f"{intent} {n / total:.0%}" for intent, n in intents.most_common(6))
    lines = [
        f"<!-- {SECTION}:start -->",
        "## Understanding text nobody here tuned on",
        "",
        "`python -m scripts.evaluate_understanding --write` parses each message with the trained "
        "model through Rasa's `/model/parse` (the whole NLU pipeline). Entities count as (entity, "
        "value) pairs; *normalised* puts both the labels and the NLU's values in one spelling "
        "first (word lemmas, misspellings corrected against the store's catalog as the dialogue "
        "does, measures as `<number> <unit>`, size words as letters) and counts only the entities "
        "the sets label (not `mention` or `activity`, which they do not annotate).",
        "",
        "| set | messages | measure | value | target |",
        "|---|---:|---|---:|---|",
        f"| ePQA dev questions (real Amazon shoppers, all unique) | {total} | recognised as a "
        f"question intent | **{share:.3f}** | ≥ 0.95 |",
    ]
    for result in sets:
        lines.append(f"| {result.name} | {result.size} | intent accuracy | "
                     f"**{result.intent_accuracy:.3f}** | ≥ 0.95 |")
        lines.append(f"| {result.name} | {result.size} | entity P / R / F1, raw values | "
                     f"{result.entity_precision:.2f} / {result.entity_recall:.2f} / "
                     f"{result.entity_f1:.3f} | |")
        score = result.normalised
        lines.append(f"| {result.name} | {result.size} | entity P / R / F1, normalised | "
                     f"{score.precision:.2f} / {score.recall:.2f} / **{score.f1:.3f}** | "
                     "F1 ≥ 0.90 |")
    lines += ["", f"ePQA questions by parsed intent: {top}."]
    if halves:
        lines += ["", "The share within each half of the ePQA questions (a SHA-256 of the text "
                  "splits them; work on the NLU looked only at the development half's share): "
                  + ", ".join(f"{'development' if half == 'dev' else half} half "
                              f"{value:.3f}" for half, value in halves.items()) + "."]
    lines += [""]
    for result in sets:
        common = "; ".join(f"{gold} → {got} ×{n}" for (gold, got), n in
                           result.confusions.most_common(6))
        lines.append(f"{result.name}, most common intent confusions: {common or 'none'}.")
    lines += ["", "Normalised entity F1 by entity (labelled / found / F1):", ""]
    for result in sets:
        parts = [f"{name} {score.gold}/{score.predicted}/{score.f1:.2f}" for name, score in
                 sorted(result.per_entity.items(), key=lambda kv: -kv[1].gold)]
        lines.append(f"- {result.name}: " + ", ".join(parts))
    lines += ["", "How the sets were made: `tests/understanding/README.md`.",
              f"<!-- {SECTION}:end -->"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epqa", type=Path,
                        default=load_settings().data_dir / "epqa" / "ePQA_dev.csv")
    parser.add_argument("--sets", type=Path, nargs="*",
                        default=sorted(UNDERSTANDING_SETS.glob("*.yml")))
    parser.add_argument("--write", action="store_true",
                        help="write the section into docs/benchmarks.md and docs/nlu.md")
    parser.add_argument("--errors", type=int, default=0, help="print this many errors per set")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--epqa-half", choices=EPQA_HALVES, default="all",
                        help="score one half of the ePQA questions (dev while working on the "
                             "NLU, report to check it generalises) or all of them")
    args = parser.parse_args(argv)
    if args.write and args.epqa_half != "all":
        parser.error("--write publishes the figures for all ePQA questions: use --epqa-half all")
    questions = select_half(epqa_questions(args.epqa), args.epqa_half)
    labelled = [(path.stem, *labelled_set(path)) for path in args.sets]
    stores = list(dict.fromkeys(store for _, store, _ in labelled)) or [ANY_STORE]
    results = []
    # Each set is parsed by an assistant running on its own store, as a shop runs it: the Rasa
    # process tags that store's gazetteer terms (bot/components/catalog_gazetteer.py); the
    # any-store set runs on the default store with no gazetteer. ePQA's go to the first.
    with tempfile.TemporaryDirectory(prefix="aisle-nlu-eval-") as folder:
        for number, store in enumerate(stores):
            workdir = Path(folder) / str(number)
            workdir.mkdir()
            env = ({"AISLE_GAZETTEER": "none"} if store == ANY_STORE
                   else {"AISLE_STORE": store})
            with running_assistant(workdir, extra_env=env, token="evaluate") as running:
                nlu = Parser(running.rasa_url, running.token)
                if number == 0:
                    share, intents, misses, halves = score_epqa(questions, nlu)
                results += [score_set(name, items, nlu, store_vocabulary(store))
                            for name, set_store, items in labelled if set_store == store]
    results.sort(key=lambda r: [name for name, _, _ in labelled].index(r.name))
    print(f"ePQA ({args.epqa_half}, {len(questions)} questions): question share {share:.3f}; "
          + ", ".join(f"{half} half {value:.3f}" for half, value in halves.items()))
    for result in results:
        print(f"{result.name}: intent accuracy {result.intent_accuracy:.3f}, "
              f"normalised entity F1 {result.normalised.f1:.3f}")
    text = section((share, intents, len(questions)), results, halves)
    for name, errors in [("ePQA", misses), *((r.name, r.errors) for r in results)]:
        for line in errors[:args.errors]:
            print(f"{name}: {line}")
    paths = [REPO_ROOT / "docs" / "benchmarks.md", REPO_ROOT / "docs" / "nlu.md"]
    for path in paths if args.write else [None]:
        publish(text, SECTION, path)
    if args.json:
        args.json.write_text(json.dumps({
            "epqa_question_share": share, "epqa_questions": len(questions),
            "epqa_half": args.epqa_half, "epqa_half_shares": halves,
            "sets": {r.name: {"size": r.size, "intent_accuracy": r.intent_accuracy,
                              "entity_f1": r.entity_f1,
                              "entity_f1_normalised": r.normalised.f1} for r in results},
            "median_set_accuracy": statistics.median([r.intent_accuracy for r in results])
            if results else None}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
