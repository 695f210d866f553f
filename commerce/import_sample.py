"""Command line: import the Luma sample customers and orders into the shop's state database.

    python -m commerce.import_sample [--placed-at 2024-05-01T09:30:00]

Settings come from :func:`aisle.settings.load_settings`: the catalog database (prices and
variants, so run ``python -m catalog.import_catalog`` first), ``AISLE_STATE_DATABASE_URL``
for carts and orders, and the store's folder (``AISLE_DATA_DIR/luma``, or ``AISLE_STORE_PAGES`` for an imported
store) for ``customers.csv`` and ``orders.csv``.
The sample file has no order dates, so every imported order gets the fixed :data:`PLACED_AT`
(or ``--placed-at``); a fixed date keeps the import idempotent and return windows predictable.
A store whose folder has no ``orders.csv`` (the Amazon sample) has no sample orders: nothing
is done. Exit code 2 with a
one-line message when a file is missing.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from aisle.settings import load_settings
from catalog import SqlCatalog
from catalog.importers.base import CatalogSourceMissing
from commerce.importer import import_sample
from commerce.schema import commerce_engine

PLACED_AT = datetime(2024, 5, 1, 9, 30)


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, import, print the summary; return the exit code."""
    settings = load_settings()
    parser = argparse.ArgumentParser(prog="python -m commerce.import_sample",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--placed-at", type=datetime.fromisoformat, default=PLACED_AT,
                        help=f"order date of every sample order (default {PLACED_AT:%Y-%m-%dT%H:%M})")
    args = parser.parse_args(argv)
    sample_dir = settings.store_data_dir
    if not (sample_dir / "orders.csv").exists():
        print(f"no sample orders (orders.csv) in {sample_dir} for store {settings.store!r}: "
              "nothing imported")
        return 0
    engine = commerce_engine(settings.state_url)
    try:
        summary = import_sample(sample_dir,
                                SqlCatalog(settings.catalog_url, settings.store), engine,
                                args.placed_at)
    except CatalogSourceMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print("\n".join(summary.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
