"""Command line: import a store's catalog into the SQL database.

    python -m catalog.import_catalog [--store luma|scientific] [--data-dir DIR] [--db URL]

Defaults come from :func:`aisle.settings.load_settings` (``AISLE_*`` variables). Exit code 0
even when rows were skipped (they are listed as ``file:line: reason``); 2 with a one-line
message when the data folder or a required file is missing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aisle.settings import load_settings
from catalog.importers.base import CatalogSourceMissing
from catalog.importers.load import import_catalog


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, import, print the summary; return the exit code."""
    settings = load_settings()
    parser = argparse.ArgumentParser(
        prog="python -m catalog.import_catalog", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--store", choices=["luma", "scientific"], default=settings.store)
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=settings.data_dir,
        help="folder holding luma/ and amazon-scientific/",
    )
    parser.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: the store's catalog URL from settings)"
    )
    args = parser.parse_args(argv)
    url = args.db or settings.model_copy(update={"store": args.store}).catalog_url
    try:
        summary = import_catalog(args.store, args.data_dir, url, progress=True)
    except CatalogSourceMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(summary.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
