"""Judged "what next" sessions for a store without an interaction log (Luma).

The rule (fixed before any ranker was scored) is written down in
``tests/relevance/luma_sessions/README.md``: seeded browsing sessions of 1–3 viewed products
that follow the catalog like a shopper (same leaf category and gender, or a merchandiser link),
each judged with graded gains: 2 for a product linked from any viewed product, 1 for one of the
same leaf category and gender as the last viewed, 0 otherwise; viewed products are excluded.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from catalog.domain import Product, ProductLink

SEED = 18
SESSIONS = 60
LENGTHS = (1, 2, 3)
LINK_GAIN = 2
CATEGORY_GAIN = 1


class JudgedSessionsError(ValueError):
    """A judged-sessions file is missing, malformed, or names products the catalog lacks."""


@dataclass(frozen=True)
class JudgedSession:
    """Products viewed (oldest first) and the judged gain of every relevant product (> 0)."""

    viewed: tuple[str, ...]
    gains: Mapping[str, int]


def _same_shelf(product: Product, other: Product) -> bool:
    return product.category == other.category and product.gender == other.gender


def judge(viewed: Sequence[str], products: Mapping[str, Product],
          links: Mapping[str, Sequence[ProductLink]]) -> dict[str, int]:
    """Graded gains of the products a fair "what next" shows after ``viewed`` (gain > 0 only)."""
    seen = set(viewed)
    last = products[viewed[-1]]
    gains = {pid: CATEGORY_GAIN for pid, p in products.items()
             if pid not in seen and _same_shelf(p, last)}
    for source in viewed:
        for link in links.get(source, ()):
            if link.linked_id in products and link.linked_id not in seen:
                gains[link.linked_id] = LINK_GAIN
    return dict(sorted(gains.items()))


def build_sessions(products: Sequence[Product], links: Mapping[str, Sequence[ProductLink]],
                   count: int = SESSIONS, seed: int = SEED) -> list[JudgedSession]:
    """``count`` judged sessions drawn by the seeded rule (see the module docstring).

    Raises:
        ValueError: fewer products with an outgoing link than ``count``.
    """
    by_id = {p.id: p for p in sorted(products, key=lambda p: p.id)}
    linked = {pid: sorted({link.linked_id for link in links.get(pid, ()) if link.linked_id in by_id})
              for pid in by_id}
    seeds = [pid for pid in by_id if linked[pid]]
    if len(seeds) < count:
        raise ValueError(f"only {len(seeds)} products have a link; {count} sessions asked")
    rng = random.Random(seed)
    sessions = []
    for start in rng.sample(seeds, count):
        length = rng.choice(LENGTHS)
        viewed = [start]
        while len(viewed) < length:
            current = by_id[viewed[-1]]
            shelf = [pid for pid, p in by_id.items() if pid not in viewed and _same_shelf(p, current)]
            onward = [pid for pid in linked[current.id] if pid not in viewed]
            first, second = (shelf, onward) if rng.random() < 0.5 else (onward, shelf)
            options = first or second
            if not options:
                break
            viewed.append(rng.choice(options))
        gains = judge(viewed, by_id, links)
        if gains:
            sessions.append(JudgedSession(tuple(viewed), gains))
    return sessions


def save_sessions(path: Path, sessions: Sequence[JudgedSession], about: Mapping[str, object]) -> None:
    """Freeze ``sessions`` as JSON with ``about`` (rule, seed, catalog) beside them."""
    record = {**about, "sessions": [{"viewed": list(s.viewed), "gains": dict(s.gains)}
                                    for s in sessions]}
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


def load_sessions(path: Path, products: Mapping[str, Product] | None = None) -> list[JudgedSession]:
    """Read a frozen set; with ``products``, check that every product it names exists."""
    try:
        record = json.loads(Path(path).read_text(encoding="utf-8"))
        sessions = [JudgedSession(tuple(s["viewed"]), {str(k): int(v) for k, v in s["gains"].items()})
                    for s in record["sessions"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise JudgedSessionsError(f"{path}: not a judged-sessions file ({error})") from error
    if products is not None:
        missing = sorted({pid for s in sessions for pid in (*s.viewed, *s.gains)
                          if pid not in products})
        if missing:
            raise JudgedSessionsError(f"{path}: products not in the catalog: {missing[:5]}")
    return sessions
