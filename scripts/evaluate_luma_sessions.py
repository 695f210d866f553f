"""Score recommenders on the judged Luma sessions: ``python -m scripts.evaluate_luma_sessions``.

The judging rule, the metrics, the rankers and the verdict were fixed before the run:
``tests/relevance/luma_sessions/README.md``. ``--build`` (re)writes the frozen session file from
the catalog by that seeded rule; without it the frozen file is read and every ranker scored:
the shipped recommender (``Recommender.recommend`` over a real Chroma item index, with links and
review popularity, as the assistant uses it on Luma), zero-shot MiniLM, popularity (review
counts), and, to see what training does, the trained towers alone and the service with the
zero-shot towers. Prints a table, per-session win / tie / loss and paired bootstrap intervals;
``--json`` writes the report.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

from aisle.settings import Settings
from catalog.domain import Product, ProductLink
from catalog.importers.luma import parse_luma
from knowledge.store import persistent_client
from recommender.factory import weights_fingerprint
from recommender.index import ItemIndex, ItemTowerEmbedder
from recommender.io import LoadedModel, load_model, new_model
from recommender.judged_sessions import (
    SEED,
    SESSIONS,
    JudgedSession,
    build_sessions,
    load_sessions,
    save_sessions,
)
from recommender.metrics import graded_metrics
from recommender.model import ModelConfig, PropensityHead
from recommender.service import Recommender, ShopperContext

FROZEN = Path("tests/relevance/luma_sessions/sessions.json")
TOP = 10
BOOTSTRAP = 2000
Ranker = Callable[[JudgedSession], list[str]]
PRIMARY = ("shipped recommender", "zero-shot MiniLM", "popularity (review count)")
TOWERS, ZERO_SERVICE = "trained towers alone", "service with zero-shot towers"
#: The comparisons the README fixed: the verdict (shipped vs the two baselines), then what
#: training does with the links left out (towers vs zero-shot) and with them in (service vs service).
PAIRS = ((PRIMARY[0], PRIMARY[1]), (PRIMARY[0], PRIMARY[2]), (TOWERS, PRIMARY[1]),
         (PRIMARY[0], ZERO_SERVICE), (PRIMARY[0], TOWERS))


def popularity_ranker(products: Mapping[str, Product]) -> Ranker:
    """Products by review count, most first, ties in id order; viewed products left out."""
    order = sorted(products, key=lambda pid: (-products[pid].review_count, pid))

    def rank(session: JudgedSession) -> list[str]:
        return [pid for pid in order if pid not in session.viewed][:TOP]

    return rank


def service_ranker(recommender: Recommender) -> Ranker:
    """``Recommender.recommend`` for a shopper who viewed the session's products."""
    def rank(session: JudgedSession) -> list[str]:
        found = recommender.recommend(ShopperContext(history=session.viewed), k=TOP)
        return [r.product.id for r in found]

    return rank


def build_service(loaded: LoadedModel, fingerprint: str, chroma_dir: Path,
                  products: Sequence[Product], links: Mapping[str, Sequence[ProductLink]],
                  towers_only: bool = False) -> Recommender:
    """A ``Recommender`` over a fresh Chroma item index; ``towers_only``: no links, no popularity.

    Mirrors ``recommender.factory.build_recommender`` for a store without a log: popularity from
    review counts, no repeat/new gate.
    """
    index = ItemIndex(persistent_client(chroma_dir), ItemTowerEmbedder(loaded, fingerprint))
    index.sync(products)
    by_id = {p.id: p for p in products}
    if towers_only:
        return Recommender(index, by_id, {}, {pid: 0.0 for pid in by_id})
    return Recommender(index, by_id, links)


def bootstrap_interval(diffs: np.ndarray, resamples: int = BOOTSTRAP, seed: int = 0
                       ) -> tuple[float, float]:
    """95 % percentile interval of the mean of ``diffs`` over sessions resampled with replacement."""
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, len(diffs), size=(resamples, len(diffs)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def paired(ours: Sequence[float], theirs: Sequence[float]) -> dict:
    """Per-session NDCG@5 win / tie / loss of ``ours`` over ``theirs``, mean diff, 95 % interval."""
    diffs = np.asarray(ours) - np.asarray(theirs)
    low, high = bootstrap_interval(diffs)
    return {"wins": int((diffs > 1e-12).sum()), "ties": int((abs(diffs) <= 1e-12).sum()),
            "losses": int((diffs < -1e-12).sum()), "mean_diff": float(diffs.mean()),
            "interval95": [low, high], "beats": bool(diffs.mean() > 0 and low > 0)}


def score(rankers: Mapping[str, Ranker], sessions: Sequence[JudgedSession]) -> dict:
    """Mean metrics per ranker and the paired NDCG@5 comparisons of ``PAIRS`` (README's verdict)."""
    per_session = {name: [graded_metrics(rank(s), s.gains) for s in sessions]
                   for name, rank in rankers.items()}
    means = {name: {m: float(np.mean([row[m] for row in rows])) for m in rows[0]}
             for name, rows in per_session.items()}
    ndcg5 = {name: [row["ndcg@5"] for row in rows] for name, rows in per_session.items()}
    pairs = [(a, b) for a, b in PAIRS if a in ndcg5 and b in ndcg5]
    return {"sessions": len(sessions), "means": means,
            "paired_ndcg@5": [{"ranker": a, "against": b, **paired(ndcg5[a], ndcg5[b])}
                              for a, b in pairs]}


def format_report(report: dict) -> str:
    cols = ("recall@5", "ndcg@5", "recall@10", "ndcg@10")
    lines = [f"{report['sessions']} judged sessions", f"{'':32}" + "".join(f"{c:>11}" for c in cols)]
    for name, m in report["means"].items():
        lines.append(f"{name[:32]:32}" + "".join(f"{m[c]:>11.4f}" for c in cols))
    lines.append("NDCG@5 per session (win/tie/loss, mean diff, paired bootstrap 95% CI):")
    for p in report["paired_ndcg@5"]:
        name = f"{p['ranker']} vs {p['against']}"
        lines.append(f"  {name[:52]:52} {p['wins']}/{p['ties']}/{p['losses']}  "
                     f"{p['mean_diff']:+.4f}  [{p['interval95'][0]:+.4f}, {p['interval95'][1]:+.4f}]"
                     f"  beats: {p['beats']}")
    return "\n".join(lines)


def evaluate_sessions(sessions: Sequence[JudgedSession], products: Sequence[Product],
                      links: Mapping[str, Sequence[ProductLink]], model_dir: Path,
                      work_dir: Path) -> dict:
    """Build the five rankers of the README and score them on ``sessions``."""
    shipped = load_model(model_dir)
    fingerprint = weights_fingerprint(model_dir)
    zero, tokenizer, _ = new_model(ModelConfig())
    untrained = LoadedModel(model=zero.eval(), tokenizer=tokenizer, propensity=PropensityHead())
    by_id = {p.id: p for p in products}
    rankers: dict[str, Ranker] = {
        PRIMARY[0]: service_ranker(build_service(shipped, fingerprint, work_dir / "shipped",
                                                 products, links)),
        PRIMARY[1]: service_ranker(build_service(untrained, "zero-shot-minilm", work_dir / "zero",
                                                 products, links, towers_only=True)),
        PRIMARY[2]: popularity_ranker(by_id),
        TOWERS: service_ranker(build_service(
            shipped, fingerprint, work_dir / "shipped-towers", products, links, towers_only=True)),
        ZERO_SERVICE: service_ranker(build_service(
            untrained, "zero-shot-minilm", work_dir / "zero-service", products, links)),
    }
    report = score(rankers, sessions)
    report["model"] = str(model_dir)
    return report


def main(argv: list[str] | None = None) -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--luma", type=Path, default=settings.data_dir / "luma")
    parser.add_argument("--model", type=Path, default=settings.recommender_model)
    parser.add_argument("--sessions", type=Path, default=FROZEN)
    parser.add_argument("--build", action="store_true", help="write the frozen session file")
    parser.add_argument("--json", type=Path, default=None, help="where to write the report")
    args = parser.parse_args(argv)
    catalog = parse_luma(args.luma)
    links: dict[str, list[ProductLink]] = {}
    for link in catalog.links:
        links.setdefault(link.product_id, []).append(link)
    if args.build:
        sessions = build_sessions(catalog.products, links)
        save_sessions(args.sessions, sessions, {
            "rule": "tests/relevance/luma_sessions/README.md", "seed": SEED, "asked": SESSIONS,
            "catalog": f"Luma, {len(catalog.products)} products, {len(catalog.links)} links"})
        print(f"wrote {len(sessions)} sessions to {args.sessions}")
        return
    sessions = load_sessions(args.sessions, {p.id: p for p in catalog.products})
    with tempfile.TemporaryDirectory(prefix="luma-sessions-") as work:
        report = evaluate_sessions(sessions, catalog.products, links, args.model, Path(work))
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
