"""Command line: import a store's catalog into the SQL database.

    python -m catalog.import_catalog [--store luma|scientific] [--data-dir DIR] [--db URL]
    python -m catalog.import_catalog --store NAME --file PATH [--format jsonl|csv] [--prune]
                                     [--pages DIR] [--db URL]

The first form reads a known store's own files (Magento Luma, Amazon Scientific); the second
any store's catalog in the documented format (docs/catalog-schema.md), streamed in batches;
``--pages DIR`` imports the store's own pages (Markdown or HTML) as its policy sections.
Defaults come from :func:`aisle.settings.load_settings` (``AISLE_*`` variables). Exit code 0
even when rows were skipped (they are listed as ``file:line: reason``); 2 with a one-line
message when the data folder or a required file is missing, or the file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from aisle.settings import load_settings
from catalog.domain import ImportIssue
from catalog.gazetteer import gazetteer_dir, write_store_gazetteer
from catalog.importers.base import CatalogSourceMissing
from catalog.importers.generic import FORMATS, CatalogFileError
from catalog.importers.load import PARSERS, import_catalog
from catalog.importers.pages import StorePagesError, read_store_pages, save_store_pages
from catalog.importers.summary import check_store_name
from catalog.importers.upsert import import_catalog_file
from catalog.repository import SqlCatalog


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, import, print the summary; return the exit code."""
    settings = load_settings()
    parser = argparse.ArgumentParser(
        prog="python -m catalog.import_catalog", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--store", default=settings.store,
        help=f"store name: {' or '.join(sorted(PARSERS))} for their own files, any name "
             "(lower-case letters, digits, - and _) with --file",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=settings.data_dir,
        help="folder holding luma/ and amazon-scientific/",
    )
    parser.add_argument(
        "--file", type=Path, default=None,
        help="a catalog file in the documented format (docs/catalog-schema.md)",
    )
    parser.add_argument("--format", choices=FORMATS, default=None,
                        help="format of --file (default: from its suffix)")
    parser.add_argument(
        "--prune", action="store_true",
        help="with --file: remove the store's products the file does not give (only when no "
             "row was skipped)",
    )
    parser.add_argument(
        "--pages", type=Path, default=None,
        help="with --file: a folder of the store's pages (*.md, *.html: shipping, returns, "
             "privacy) imported as its policy sections, replacing earlier ones",
    )
    parser.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: the store's catalog URL from settings)"
    )
    args = parser.parse_args(argv)
    try:
        check_store_name(args.store)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.file is None and args.store not in PARSERS:
        print(f"error: store {args.store!r} has no importer of its own files; import it with "
              "--file PATH (docs/catalog-schema.md)", file=sys.stderr)
        return 2
    if args.pages is not None and args.file is None:
        print("error: --pages goes with --file (a known store's pages come with its files)",
              file=sys.stderr)
        return 2
    # model_copy, not a new Settings: the store name only picks the database file here.
    url = args.db or settings.model_copy(update={"store": args.store}).catalog_url
    try:
        if args.file is not None:
            # Pages are read first: a folder that cannot be read stops before any import.
            pages = read_store_pages(args.pages) if args.pages is not None else None
            lines = import_catalog_file(
                args.file, args.store, url, fmt=args.format, progress=True,
                on_issue=_print_issue, prune=args.prune,
            ).lines(issues=False)
            if args.pages is not None and pages is not None:
                lines += save_store_pages(args.pages, pages, args.store, url,
                                          on_issue=_print_issue)
        else:
            lines = import_catalog(args.store, args.data_dir, url, progress=True).lines()
    except (CatalogSourceMissing, CatalogFileError, StorePagesError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    catalog = SqlCatalog(url, args.store)
    # The Rasa process tags this store's product types, brands and materials from it.
    gazetteer = write_store_gazetteer(gazetteer_dir(url, settings.state_dir), args.store,
                                      catalog.iter_products())
    # Derived data the action server reads at start, written now (when the import changed
    # anything) so that no start reads every product: the search index and the vocabulary.
    print(f"indexing store {args.store} for search and its vocabulary", file=sys.stderr)
    catalog.search_index()
    catalog.catalog_vocabulary()
    print("\n".join([*lines, f"gazetteer: {gazetteer}"]))
    return 0


def _print_issue(issue: ImportIssue) -> None:
    """Skipped rows go to stderr as they are found, so a long import shows them at once."""
    tqdm.write(str(issue), file=sys.stderr)  # above the progress bar, not inside it


if __name__ == "__main__":
    raise SystemExit(main())
