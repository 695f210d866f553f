"""``python -m knowledge.ingest``: embed the imported catalog into the knowledge store.

Incremental: only new or changed products and passages are embedded, removed ones are
deleted, and a rerun over an unchanged catalog embeds nothing and does not load MiniLM.
"""

from __future__ import annotations

import sys

from knowledge.store import KnowledgeStoreError


def main(argv: list[str] | None = None) -> int:
    """Read settings, open the catalog and the store, ingest with progress, print the report."""
    import argparse

    from aisle.settings import load_settings
    from knowledge.embedding import lazy_embedder
    from knowledge.store import KnowledgeStore

    parser = argparse.ArgumentParser(prog="python -m knowledge.ingest", description=__doc__)
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    settings = load_settings()
    # Imported here: the SQL catalog lives in another package and may be absent in tests.
    from catalog.repository import SqlCatalog

    catalog = SqlCatalog(settings.catalog_url, settings.store)
    try:
        store = KnowledgeStore.from_settings(settings, lazy_embedder(settings.embedding_model))
        report = store.ingest(catalog, progress=not args.no_progress)
    except KnowledgeStoreError as exc:
        print(f"ingest failed: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
