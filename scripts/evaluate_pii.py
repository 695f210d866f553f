"""How well the redaction rules find personal data, and how often they take what is not.

    python -m scripts.evaluate_pii            # print the tables
    python -m scripts.evaluate_pii --write    # ... and publish them in docs/benchmarks.md (pii)
    python -m scripts.evaluate_pii --misses   # ... and list every miss and false positive
    python -m scripts.evaluate_pii --presidio # the same corpus through Microsoft Presidio's
                                              # pattern recognizers (where it is installed)

Reads tests/pii/corpus.tsv (hand-written, see its header). A line with personal data counts as
found when every non-space character of its value lies inside a redacted span; a look-alike
line is a false positive when anything on it is redacted. The product names of both catalogs
(../shared/data) are a second, real set of look-alikes: the share of names that would lose
something to redaction (bot replies and agent transcripts name products).
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from aisle.settings import REPO_ROOT, Settings
from scripts.benchmark_doc import markers, publish

CORPUS = REPO_ROOT / "tests" / "pii" / "corpus.tsv"
HELD_OUT = CORPUS.with_name("heldout.tsv")
BENCHMARKS = REPO_ROOT / "docs" / "benchmarks.md"
KINDS = ("email", "phone", "card", "iban", "ssn", "address")
#: Recall each kind must reach (issue 17); look-alike categories that must never be redacted.
RECALL_TARGETS = {"email": 0.99, "card": 0.99, "iban": 0.99, "phone": 0.95}
NEVER_REDACTED = ("order number", "sku", "price")

#: A finder: text -> (start, end, kind) of what it would redact.
Finder = Callable[[str], list[tuple[int, int, str]]]


@dataclass(frozen=True)
class Line:
    kind: str
    category: str
    value: str
    text: str


@dataclass
class Result:
    """Counts of one evaluation, and the lines that went wrong."""

    found: Counter[str] = field(default_factory=Counter)
    total: Counter[str] = field(default_factory=Counter)
    mislabelled: Counter[str] = field(default_factory=Counter)
    flagged: Counter[str] = field(default_factory=Counter)  # look-alike lines redacted, by category
    flagged_by: Counter[str] = field(default_factory=Counter)  # ... by the kind that fired
    look_alikes: Counter[str] = field(default_factory=Counter)
    misses: list[tuple[Line, str]] = field(default_factory=list)
    false_positives: list[tuple[Line, str]] = field(default_factory=list)
    seconds: float = 0.0

    def recall(self, kind: str) -> float:
        return self.found[kind] / self.total[kind] if self.total[kind] else 0.0

    def rate(self, category: str) -> float:
        return self.flagged[category] / self.look_alikes[category] if self.look_alikes[category] else 0.0


def load_corpus(path: Path = CORPUS) -> list[Line]:
    """The corpus lines (comment lines start with ``#``)."""
    rows = [row for row in path.read_text(encoding="utf-8").splitlines() if not row.startswith("#")]
    reader = csv.DictReader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [Line(r["kind"], r["category"], r["value"], r["text"]) for r in reader]


def aisle_finder(text: str) -> list[tuple[int, int, str]]:
    """What :mod:`aisle.redaction` redacts in ``text``."""
    from aisle.redaction import find_personal_data

    return [(f.start, f.end, f.kind) for f in find_personal_data(text)]


def _show(text: str, spans: list[tuple[int, int, str]]) -> str:
    out, last = [], 0
    for start, end, kind in spans:
        out += [text[last:start], f"[{kind}:{text[start:end]}]"]
        last = end
    return "".join(out + [text[last:]])


def evaluate(lines: list[Line], find: Finder) -> Result:
    """Recall per kind of personal data and redaction rate per kind of look-alike."""
    result = Result()
    started = time.perf_counter()
    for line in lines:
        spans = find(line.text)
        if line.kind == "none":
            result.look_alikes[line.category] += 1
            if spans:
                result.flagged[line.category] += 1
                result.flagged_by.update({kind for _, _, kind in spans})
                result.false_positives.append((line, _show(line.text, spans)))
            continue
        result.total[line.kind] += 1
        start = line.text.index(line.value)
        needed = {i for i in range(start, start + len(line.value)) if not line.text[i].isspace()}
        covering = [(s, e, k) for s, e, k in spans if s < start + len(line.value) and e > start]
        if needed <= {i for s, e, _ in covering for i in range(s, e)}:
            result.found[line.kind] += 1
            if any(kind != line.kind for _, _, kind in covering):
                result.mislabelled[line.kind] += 1
        else:
            result.misses.append((line, _show(line.text, spans)))
    result.seconds = time.perf_counter() - started
    return result


def catalog_names(settings: Settings) -> dict[str, list[str]]:
    """Product names of the Luma store and titles of the Amazon Scientific catalog."""
    names: dict[str, list[str]] = {}
    luma = sorted(settings.data_dir.glob("luma/products_*.csv"))
    if luma:
        seen: list[str] = []
        for path in luma:
            with path.open(newline="", encoding="utf-8") as file:
                seen += [row["name"] for row in csv.DictReader(file) if row.get("name")]
        names["Luma products"] = sorted(set(seen))
    scientific = settings.data_dir / "amazon-scientific" / "industrial_items_with_descriptions.json"
    if scientific.exists():
        items = json.loads(scientific.read_text(encoding="utf-8"))
        names["Amazon Scientific titles"] = sorted({i["title"] for i in items.values() if i["title"]})
    return names


CatalogRates = dict[str, tuple[int, int, Counter[str]]]


def catalog_rates(names: dict[str, list[str]], find: Finder) -> CatalogRates:
    """For each catalog: how many names, how many lose something, and to which kinds."""
    rates = {}
    for catalog, titles in names.items():
        kinds: Counter[str] = Counter()
        flagged = 0
        for title in titles:
            found = {kind for _, _, kind in find(title)}
            flagged += bool(found)
            kinds.update(found)
        rates[catalog] = (len(titles), flagged, kinds)
    return rates


def _status(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(result: Result, catalogs: CatalogRates, title: str) -> str:
    """The markdown tables of one evaluation."""
    lines = [f"{title}: {sum(result.total.values())} lines with personal data, "
             f"{sum(result.look_alikes.values())} look-alikes ({result.seconds:.2f} s).", "",
             "| personal data | lines | found whole | recall | labelled as another kind | target |",
             "| --- | ---: | ---: | ---: | ---: | --- |"]
    for kind in KINDS:
        target = RECALL_TARGETS.get(kind)
        verdict = f"≥ {target:.2f}: {_status(result.recall(kind) >= target)}" if target else "—"
        lines.append(f"| {kind} | {result.total[kind]} | {result.found[kind]} | "
                     f"{result.recall(kind):.3f} | {result.mislabelled[kind]} | {verdict} |")
    lines += ["", "| look-alike | lines | redacted | false-positive rate | target |",
              "| --- | ---: | ---: | ---: | --- |"]
    for category in sorted(result.look_alikes):
        target = f"0: {_status(result.flagged[category] == 0)}" if category in NEVER_REDACTED else "—"
        lines.append(f"| {category} | {result.look_alikes[category]} | {result.flagged[category]} | "
                     f"{result.rate(category):.3f} | {target} |")
    total = sum(result.look_alikes.values())
    lines += ["", "False-positive rate of each finder over all look-alike lines: " + ", ".join(
        f"{kind} {result.flagged_by[kind] / total:.3f}" for kind in KINDS) + "."]
    if catalogs:
        lines += ["", "| catalog (real look-alikes) | names | with anything redacted | by kind |",
                  "| --- | ---: | ---: | --- |"]
        for catalog, (count, flagged, kinds) in catalogs.items():
            detail = ", ".join(f"{k} {n}" for k, n in kinds.most_common()) or "—"
            lines.append(f"| {catalog} | {count} | {flagged} ({flagged / count:.1%}) | {detail} |")
    return "\n".join(lines)


def held_out_summary(result: Result) -> str:
    """One paragraph on tests/pii/heldout.tsv, written after the rules were last adjusted."""
    recalls = ", ".join(f"{kind} {result.found[kind]}/{result.total[kind]}" for kind in KINDS)
    flagged = ", ".join(f"{line.category}: {shown}" for line, shown in result.false_positives)
    return (f"Held-out check ({HELD_OUT.relative_to(REPO_ROOT)}, written after the rules were "
            f"last adjusted and not used to adjust them): found {recalls}; "
            f"{sum(result.flagged.values())} of {sum(result.look_alikes.values())} look-alikes "
            f"redacted" + (f" ({flagged})." if flagged else "."))


def presidio_finder() -> Finder:
    """Presidio's pattern recognizers (email, phone, card, IBAN, US SSN) on a blank spaCy
    pipeline: no NER model, so no address or name finder (those need a trained model)."""
    import spacy
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        PhoneRecognizer,
        UsSsnRecognizer,
    )

    from aisle.pii import DEFAULT_REGION, OTHER_REGIONS

    class BlankEnglish(SpacyNlpEngine):  # SpacyNlpEngine.load would try to download a model
        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

    engine = BlankEnglish(models=[{"lang_code": "en", "model_name": "blank"}])
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (EmailRecognizer(), CreditCardRecognizer(), IbanRecognizer(),
                       UsSsnRecognizer(),
                       PhoneRecognizer(supported_regions=(DEFAULT_REGION, *OTHER_REGIONS))):
        registry.add_recognizer(recognizer)
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
    kinds = {"EMAIL_ADDRESS": "email", "PHONE_NUMBER": "phone", "CREDIT_CARD": "card",
             "IBAN_CODE": "iban", "US_SSN": "ssn"}

    def find(text: str) -> list[tuple[int, int, str]]:
        results = analyzer.analyze(text=text, language="en")
        return sorted((r.start, r.end, kinds[r.entity_type]) for r in results
                      if r.entity_type in kinds)

    return find


def _print_examples(result: Result) -> None:
    by_kind: dict[str, list[str]] = defaultdict(list)
    for line, shown in result.misses:
        by_kind[line.kind].append(f"  {line.category}: {line.value!r} in {shown!r}")
    for kind, rows in by_kind.items():
        print(f"\nmissed {kind} ({len(rows)}):", *rows, sep="\n")
    if result.false_positives:
        print(f"\nfalse positives ({len(result.false_positives)}):")
        for line, shown in result.false_positives:
            print(f"  {line.category}: {shown!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="publish in docs/benchmarks.md")
    parser.add_argument("--misses", action="store_true", help="list misses and false positives")
    parser.add_argument("--presidio", action="store_true", help="evaluate Presidio instead")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="another labelled file")
    args = parser.parse_args(argv)
    corpus = load_corpus(args.corpus)
    find, title = ((presidio_finder(), "Presidio pattern recognizers") if args.presidio
                   else (aisle_finder, "aisle.redaction"))
    result = evaluate(corpus, find)
    catalogs = catalog_rates(catalog_names(Settings()), find)
    start, end = markers("pii")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, text=True,
                            capture_output=True, check=False).stdout.strip() or "unknown"
    text = (f"{start}\n## Personal data found by the redaction rules\n\n"
            f"`python -m scripts.evaluate_pii --write` on {date.today()}, commit {commit}, on "
            f"{args.corpus.relative_to(REPO_ROOT)} (hand-written; see docs/privacy.md).\n\n"
            + report(result, catalogs, title))
    if args.corpus == CORPUS and HELD_OUT.exists():
        text += "\n\n" + held_out_summary(evaluate(load_corpus(HELD_OUT), find))
    text += f"\n{end}"
    publish(text, "pii", BENCHMARKS if args.write and not args.presidio else None)
    if args.misses:
        _print_examples(result)


if __name__ == "__main__":
    main()
