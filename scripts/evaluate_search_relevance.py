"""Search relevance on a judged set: P@5 and NDCG@5, and absent products answered honestly.

    python scripts/evaluate_search_relevance.py [--set tests/relevance/scientific.json]
        [--store scientific] [--out results/relevance-after.json]

Run by path, not with ``-m``, so the same file measures an older checkout: with ``PYTHONPATH``
(and the working directory) on that checkout, every ``catalog``/``knowledge``/``dialogue``
import below is the old code's. It uses only what the code before and after "search without
scanning" share: ``SqlCatalog``, ``KnowledgeStore.from_settings``, ``ProductSearch`` and the
dialogue's ``read_filters`` / ``query_words``.

The judged set (``scripts/build_relevance_set.py``) holds category queries with their relevant
product ids and absent queries (kinds of product the store does not carry). Each query is asked
two ways:

* **search**: ``ProductSearch.search(query, no filters, k=5)``, the ranking alone;
* **dialogue**: as the search turn asks it (``dialogue.search.search_products``), with the
  query's words taken as the NLU's ``product_type`` entity ("tagged") or with no entity
  ("untagged"): ``read_filters`` maps the words onto the catalog's vocabulary; a kind the
  catalog lacks is said ("We don't seem to carry any …; the closest I have:") and up to 3
  closest products shown; otherwise up to 5 cards are shown as matches.

Every query is also phrased five ways as a shopper would (:data:`PHRASINGS`), untagged, and
only the turn's reading is checked: how many leaf phrasings it calls not carried (should be
none) and how many absent ones (should be all), per half of the set (:func:`half`).

Category queries: P@5 (relevant among the first 5 shown, over 5) and NDCG@5 (binary gains,
``1/log2(rank+1)``, ideal = min(5, relevant) hits first), macro-averaged; and how many the
dialogue wrongly called absent. Absent queries: the share answered honestly, i.e. said not to be
carried ("closest" shown) or answered with no products; shown as matches is dishonest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

K = 5
#: Cards the search turn shows for a kind of product the store does not carry
#: (``dialogue.search.CLOSEST_PER_TURN``; repeated so the old checkout needs no new name).
CLOSEST = 3
Answer = Literal["flagged", "empty", "matches"]


def precision_at_k(ranked: Sequence[str], relevant: set[str], k: int = K) -> float:
    """Relevant ids among the first ``k`` of ``ranked``, over ``k`` (fewer shown count as
    misses)."""
    return sum(1 for pid in ranked[:k] if pid in relevant) / k


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int = K) -> float:
    """Normalised discounted cumulative gain with binary gains: ``sum(rel_i / log2(i + 1))``
    over ranks ``i`` = 1..k, divided by the same sum for ``min(k, |relevant|)`` relevant ids
    first; 0 when nothing is relevant."""
    dcg = sum(1 / math.log2(i + 1) for i, pid in enumerate(ranked[:k], start=1)
              if pid in relevant)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal if ideal else 0.0


@dataclass(frozen=True)
class Shown:
    """What a turn shows: product ids in order, and whether it said the kind is not carried."""

    ids: list[str]
    flagged: bool

    @property
    def answer(self) -> Answer:
        return "flagged" if self.flagged else "empty" if not self.ids else "matches"


def search_alone(search: Any, query: str, k: int = K) -> Shown:
    """The ranking alone: ``search.search(query)`` without filters."""
    return Shown([h.product.id for h in search.search(query, None, k).hits], False)


def as_dialogue(search: Any, query: str, tagged: bool, k: int = K) -> Shown:
    """What the search turn shows for a fresh search with ``query`` as the message: the words
    as the NLU's ``product_type`` entity when ``tagged``, else no entity."""
    from catalog.filters import ProductFilters
    from dialogue.catalog_terms import read_filters
    from dialogue.constraints import query_words

    filters = ProductFilters(product_type=query) if tagged else ProductFilters()
    reading = read_filters(filters, search.vocabulary, query)
    words = query_words(query)
    absent, searched = reading.absent_type, reading.filters
    if not tagged and not absent:
        absent, searched = _untagged_absent(search, query, reading.filters)
    if absent:
        result = search.search(words, searched, CLOSEST)
        return Shown([h.product.id for h in result.hits], True)
    return Shown([h.product.id for h in search.search(words, reading.filters, k).hits], False)


def _untagged_absent(search: Any, query: str, filters: Any) -> tuple[str | None, Any]:
    """What the search turn adds for untagged words (``dialogue.untagged_kind``, absent from
    an older checkout, which then searches the words as they are)."""
    try:
        from dialogue.untagged_kind import untagged_absent_kind
    except ImportError:
        return None, filters
    kind = untagged_absent_kind(query, filters, search)
    return kind, filters.without("product_type") if kind else filters


def half(query: str) -> str:
    """``dev`` or ``report``: the query's half of the set, by the parity of the SHA-256 of its
    text (rules and thresholds are chosen on ``dev`` only; both halves are reported)."""
    return "dev" if int(hashlib.sha256(query.encode()).hexdigest(), 16) % 2 == 0 else "report"


#: Each judged query also said as a shopper would, untagged, to see whether the turn calls it
#: carried (leaf) or not (absent): written before they were first run, never tuned.
PHRASINGS = ("do you sell {q}?", "I need some {q} for my lab", "looking for {q} please",
             "got any good {q} in stock", "{q} asap")


def said_not_carried(search: Any, message: str) -> bool:
    """Whether the search turn says the kind ``message`` asks for (untagged) is not carried
    (no search is run: only the turn's reading of the words)."""
    from catalog.filters import ProductFilters
    from dialogue.catalog_terms import read_filters

    reading = read_filters(ProductFilters(), search.vocabulary, message)
    return bool(reading.absent_type or _untagged_absent(search, message, reading.filters)[0])


def phrased(search: Any, judged: dict[str, Any]) -> dict[str, dict[str, dict[str, int]]]:
    """For each half: leaf queries said not carried, and absent kinds said not carried, when
    phrased each way of :data:`PHRASINGS` (counts over all phrasings, and the totals)."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for part in ("dev", "report"):
        leaves = [c["query"] for c in judged["category_queries"] if half(c["query"]) == part]
        absent = [q for q in judged["absent_queries"] if half(q) == part]
        out[part] = {
            "leaf_said_absent": {"count": sum(said_not_carried(search, t.format(q=q))
                                              for t in PHRASINGS for q in leaves),
                                 "of": len(PHRASINGS) * len(leaves)},
            "absent_said_absent": {"count": sum(said_not_carried(search, t.format(q=q))
                                                for t in PHRASINGS for q in absent),
                                   "of": len(PHRASINGS) * len(absent)},
        }
    return out


@dataclass
class CategoryOutcome:
    query: str
    relevant: int
    search: list[str]
    dialogue: list[str]
    dialogue_flagged: bool
    p5_search: float
    ndcg5_search: float
    p5_dialogue: float
    ndcg5_dialogue: float
    untagged: list[str] = field(default_factory=list)
    untagged_flagged: bool = False
    p5_untagged: float = 0.0
    ndcg5_untagged: float = 0.0
    half: str = ""


@dataclass
class AbsentOutcome:
    query: str
    search: list[str]
    tagged: Answer
    untagged: Answer
    half: str = ""


@dataclass
class Report:
    """Macro averages over the judged set, and every query's outcome."""

    categories: list[CategoryOutcome] = field(default_factory=list)
    absent: list[AbsentOutcome] = field(default_factory=list)
    search_ms: list[float] = field(default_factory=list)

    def summary(self, part: str | None = None) -> dict[str, float | int]:
        """The figures over the whole set, or over one ``part`` (``dev``, ``report``)."""
        cats = [c for c in self.categories if part in (None, c.half)]
        absent = [a for a in self.absent if part in (None, a.half)]
        n_absent = len(absent)

        def mean(name: str) -> float:
            return statistics.fmean(getattr(c, name) for c in cats)

        return {
            "category_queries": len(cats),
            "p5_search": mean("p5_search"),
            "ndcg5_search": mean("ndcg5_search"),
            "p5_dialogue": mean("p5_dialogue"),
            "ndcg5_dialogue": mean("ndcg5_dialogue"),
            "p5_untagged": mean("p5_untagged"),
            "ndcg5_untagged": mean("ndcg5_untagged"),
            "category_said_absent": sum(c.dialogue_flagged for c in cats),
            "category_said_absent_untagged": sum(c.untagged_flagged for c in cats),
            "absent_queries": n_absent,
            "honest_tagged_count": sum(a.tagged != "matches" for a in absent),
            "honest_untagged_count": sum(a.untagged != "matches" for a in absent),
            "honest_tagged": sum(a.tagged != "matches" for a in absent) / n_absent,
            "honest_untagged": sum(a.untagged != "matches" for a in absent) / n_absent,
            "search_empty_absent": sum(not a.search for a in absent) / n_absent,
            "search_ms_median": (statistics.median(self.search_ms)
                                 if self.search_ms and part is None else 0.0),
        }


def evaluate(search: Any, judged: dict[str, Any], k: int = K) -> Report:
    """Ask every judged query of ``judged`` of ``search`` (a ``ProductSearch``), both ways."""
    report = Report()

    def timed(query: str) -> Shown:
        started = time.perf_counter()
        shown = search_alone(search, query, k)
        report.search_ms.append((time.perf_counter() - started) * 1000)
        return shown

    for entry in judged["category_queries"]:
        relevant = set(entry["relevant"])
        alone = timed(entry["query"])
        turn = as_dialogue(search, entry["query"], tagged=True, k=k)
        bare = as_dialogue(search, entry["query"], tagged=False, k=k)
        report.categories.append(CategoryOutcome(
            entry["query"], len(relevant), alone.ids, turn.ids, turn.flagged,
            precision_at_k(alone.ids, relevant, k), ndcg_at_k(alone.ids, relevant, k),
            precision_at_k(turn.ids, relevant, k), ndcg_at_k(turn.ids, relevant, k),
            bare.ids, bare.flagged, precision_at_k(bare.ids, relevant, k),
            ndcg_at_k(bare.ids, relevant, k), half(entry["query"])))
    for query in judged["absent_queries"]:
        report.absent.append(AbsentOutcome(
            query, timed(query).ids, as_dialogue(search, query, tagged=True, k=k).answer,
            as_dialogue(search, query, tagged=False, k=k).answer, half(query)))
    return report


def open_search(store: str) -> Any:
    """The real ``ProductSearch`` of ``store`` as the action server builds it (its catalog in
    ``AISLE_STATE_DIR``, its Chroma store, the configured MiniLM)."""
    from aisle.settings import load_settings
    from catalog.repository import SqlCatalog
    from knowledge.embedding import load_embedder
    from knowledge.search import ProductSearch
    from knowledge.store import KnowledgeStore

    settings = load_settings().model_copy(update={"store": store})
    embedder = load_embedder(settings.embedding_model)
    catalog = SqlCatalog(settings.catalog_url, store)
    return ProductSearch(catalog, KnowledgeStore.from_settings(settings, embedder), embedder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="scripts/evaluate_search_relevance.py")
    parser.add_argument("--set", type=Path, default=Path(__file__).resolve().parent.parent
                        / "tests" / "relevance" / "scientific.json")
    parser.add_argument("--store", default=None, help="default: the set's store")
    parser.add_argument("--out", type=Path, default=None, help="every query's outcome (JSON)")
    parser.add_argument("--label", default="", help="printed with the figures")
    args = parser.parse_args(argv)
    judged = json.loads(args.set.read_text())
    started = time.perf_counter()
    search = open_search(args.store or judged["store"])
    ready = time.perf_counter() - started
    report = evaluate(search, judged)
    summary = report.summary()
    halves = {part: report.summary(part) for part in ("dev", "report")}
    phrasings = phrased(search, judged)
    print(f"{args.label or 'run'}: search ready in {ready:.1f} s")
    print(json.dumps({"all": summary, **halves, "phrased": phrasings}, indent=1))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"summary": summary, "halves": halves,
                                        "phrased": phrasings,
                                        "categories": [asdict(c) for c in report.categories],
                                        "absent": [asdict(a) for a in report.absent]},
                                       indent=1) + "\n")


if __name__ == "__main__":
    main()
