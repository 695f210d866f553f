"""A synthetic catalog for scale and latency tests, in the documented format.

    python -m catalog.generate --products N --seed S [--out FILE.synthetic.jsonl] [--data-dir DIR]

Each product is a recombination of real products of the Luma and Amazon Scientific data
(their names, description sentences, category paths, brands, attributes, colours and sizes),
so text lengths, vocabulary and filter selectivities resemble a real store's. The products
themselves are invented: every record carries ``"synthetic": true`` in its attributes and a
``syn`` id, the file starts with a header saying so, and its name must contain
``synthetic``. Use such a catalog for scale and latency only, never for quality claims.

Records are written one at a time: memory depends on the source data, not on N.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from aisle.settings import load_settings
from catalog.domain import Product
from catalog.importers.amazon import parse_scientific
from catalog.importers.base import CatalogSourceMissing
from catalog.importers.luma import parse_luma
from catalog.importers.record import FORMAT, VERSION

NOTE = ("Synthetic products recombined from the Luma and Amazon Scientific data, for scale "
        "and latency tests only: never quote search or answer quality measured on them.")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CODE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class SourcePool:
    """The real products that synthetic ones are made from, by store."""

    luma: tuple[Product, ...]
    scientific: tuple[Product, ...]

    @classmethod
    def load(cls, data_dir: Path) -> SourcePool:
        """Parse both stores' files from ``data_dir`` (raises CatalogSourceMissing).

        Products whose category paths exceed the record's 512 characters are left out: a
        few Scientific items have part of their description parsed into the path.
        """
        return cls(
            luma=_fit(parse_luma(data_dir / "luma").products),
            scientific=_fit(parse_scientific(data_dir / "amazon-scientific").products),
        )


def _fit(products: list[Product]) -> tuple[Product, ...]:
    return tuple(p for p in products
                 if all(len(path) <= 512 for path in (p.category, *p.categories)))


def _code(rng: random.Random) -> str:
    return "".join(rng.choice(_CODE_LETTERS) for _ in range(2)) + str(rng.randint(10, 999))


def _description(rng: random.Random, base: Product, donor: Product) -> str:
    """The base's sentences, with one sentence of a donor of the same store added."""
    sentences = [s for s in _SENTENCE.split(base.description) if s]
    extra = [s for s in _SENTENCE.split(donor.description) if s]
    if extra:
        sentences.insert(rng.randint(0, len(sentences)), rng.choice(extra))
    return " ".join(sentences)


def _name(rng: random.Random, base: Product, donor: Product) -> str:
    """The base's name with its first word taken from a donor's name, plus a model code."""
    words, donor_words = base.name.split(), donor.name.split()
    if len(words) > 1 and donor_words and rng.random() < 0.7:
        words[0] = donor_words[0]
    return " ".join([*words, _code(rng)])[:500]


def _price(rng: random.Random, base: Product) -> float:
    if base.price is not None:
        return round(base.price * rng.uniform(0.8, 1.25), 2)
    return round(min(5000.0, rng.lognormvariate(3.2, 1.0)), 2)  # median about $25


def _variants(rng: random.Random, product_id: str, base: Product) -> list[dict[str, Any]]:
    colors = [c for c in base.colors if rng.random() < 0.8] or list(base.colors[:1])
    sizes = [s for s in base.sizes if rng.random() < 0.85] or list(base.sizes[:1])
    return [
        {"sku": f"{product_id}-{size or 'one'}-{color or 'plain'}".replace(" ", "_")[:64],
         "color": color, "size": size,
         "stock": 0 if rng.random() < 0.2 else rng.randint(1, 60)}
        for color in (colors or [None])
        for size in (sizes or [None])
    ]


def synthetic_product(rng: random.Random, index: int, seed: int, pool: SourcePool) -> dict[str, Any]:
    """One synthetic record in the documented format."""
    source, store = (pool.luma, "luma") if rng.random() < 0.5 else (pool.scientific, "scientific")
    base, donor = rng.choice(source), rng.choice(source)
    return recombined(rng, f"syn{seed}-{index:07d}", store, base, donor)


def recombined(
    rng: random.Random, product_id: str, store: str, base: Product, donor: Product
) -> dict[str, Any]:
    """A record made from ``base`` with a sentence and a name word of ``donor``."""
    attributes: dict[str, Any] = {"synthetic": True, "synthetic_source": f"{store}:{base.id}"}
    for name, values in (("material", base.materials), ("climate", base.climates),
                         ("activity", base.activities), ("pattern", base.patterns)):
        if values:
            attributes[name] = list(values)
    if base.gender:
        attributes["gender"] = base.gender
    for flag in ("eco_friendly", "performance_fabric"):
        if getattr(base, flag):
            attributes[flag] = True
    record: dict[str, Any] = {
        "id": product_id,
        "name": _name(rng, base, donor),
        "description": _description(rng, base, donor),
        "category": base.category,
        "categories": [c for c in base.categories if c != base.category],
        "brand": base.brand or donor.brand,
        "price": _price(rng, base),
        "currency": "USD",
        "image": base.image,
        "attributes": attributes,
    }
    if base.colors or base.sizes:
        record["variants"] = _variants(rng, product_id, base)
    else:
        record["in_stock"] = rng.random() >= 0.1
    return record


def generate(count: int, seed: int, pool: SourcePool) -> Iterator[dict[str, Any]]:
    """``count`` synthetic records, lazily, the same ones for the same seed and pool."""
    if not pool.luma or not pool.scientific:
        raise ValueError("the source pool needs products of both stores")
    rng = random.Random(seed)
    for index in range(count):
        yield synthetic_product(rng, index, seed, pool)


def header(count: int, seed: int) -> dict[str, Any]:
    """The file's first line."""
    return {"catalog": {"format": FORMAT, "version": VERSION, "synthetic": True, "note": NOTE,
                        "generator": "catalog.generate", "seed": seed, "products": count,
                        "sources": ["luma", "amazon-scientific"]}}


def write_catalog(path: Path, count: int, seed: int, pool: SourcePool, *,
                  progress: bool = False) -> Path:
    """Write the header and ``count`` records to ``path`` (its name must say ``synthetic``)."""
    if "synthetic" not in path.name.lower():
        raise ValueError(f"the file name must contain 'synthetic' (got {path.name}), so the "
                         "catalog cannot pass for a real one")
    path.parent.mkdir(parents=True, exist_ok=True)
    records = tqdm(generate(count, seed, pool), total=count, desc=f"writing {path.name}",
                   unit=" products", disable=not progress)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(header(count, seed)) + "\n")
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, write the file, print its path; return the exit code."""
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m catalog.generate",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, required=True, help="how many products")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None,
                        help="default: <state dir>/catalog-synthetic-<N>-seed<S>.jsonl")
    parser.add_argument("--data-dir", type=Path, default=settings.data_dir,
                        help="folder holding luma/ and amazon-scientific/")
    args = parser.parse_args(argv)
    if args.products < 1:
        print("error: --products must be at least 1", file=sys.stderr)
        return 2
    out = args.out or settings.state_dir / f"catalog-synthetic-{args.products}-seed{args.seed}.jsonl"
    try:
        pool = SourcePool.load(args.data_dir)
        write_catalog(out, args.products, args.seed, pool, progress=True)
    except (CatalogSourceMissing, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
