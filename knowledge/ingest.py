"""``python -m knowledge.ingest``: embed the imported catalog into the knowledge store.

Incremental: only new or changed products and passages are embedded, removed ones are
deleted, and a rerun over an unchanged catalog embeds nothing and does not load MiniLM.
Resumable: vectors are written a chunk at a time, so after a kill a rerun embeds only what is
missing. The embedder is ``AISLE_EMBEDDER`` (default ONNX); a store built by another model is
re-embedded. Progress (documents/s, ETA) goes to stderr.
"""

from __future__ import annotations

import sys

from knowledge.store import KnowledgeStoreError


def main(argv: list[str] | None = None) -> int:
    """Read settings, open the catalog and the store, ingest with progress, print the report."""
    import argparse

    from aisle.settings import load_settings
    from knowledge.embedding import ModelNotAvailable, embedder_from_settings
    from knowledge.store import KnowledgeStore
    from knowledge.sync import CHUNK

    parser = argparse.ArgumentParser(prog="python -m knowledge.ingest", description=__doc__)
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument("--chunk", type=int, default=CHUNK,
                        help=f"documents embedded and written per commit (default {CHUNK})")
    args = parser.parse_args(argv)
    if args.chunk < 1:
        parser.error(f"--chunk must be at least 1, not {args.chunk}")
    settings = load_settings()
    # Imported here: the SQL catalog lives in another package and may be absent in tests.
    from catalog.repository import SqlCatalog

    catalog = SqlCatalog(settings.catalog_url, settings.store)
    try:
        store = KnowledgeStore.from_settings(settings, embedder_from_settings(settings),
                                             reembed=True)
        report = store.ingest(catalog, progress=not args.no_progress, chunk=args.chunk)
    except (KnowledgeStoreError, ModelNotAvailable) as exc:
        print(f"ingest failed: {exc}", file=sys.stderr)
        return 1
    print("\n".join(report.lines()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
