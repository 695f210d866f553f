"""``python -m recommender.ingest``: put the catalog's item-tower vectors into the Chroma store.

Incremental like ``knowledge.ingest``: only new or changed products are encoded, and an
unchanged catalog loads no model. Run after
``knowledge.ingest``; the action server also syncs at start-up, so a product imported and
ingested is recommendable without retraining.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    import argparse

    from aisle.settings import load_settings
    from catalog.repository import SqlCatalog
    from knowledge.embedding import LazyEmbedder, embedder_from_settings
    from knowledge.store import KnowledgeStore, KnowledgeStoreError
    from recommender.factory import weights_fingerprint
    from recommender.index import ItemIndex, ItemTowerEmbedder, item_tower_name
    from recommender.io import ModelFolderError, load_model, model_config_from, read_config

    parser = argparse.ArgumentParser(prog="python -m recommender.ingest", description=__doc__)
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        store = KnowledgeStore.from_settings(settings, embedder_from_settings(settings))
        # The towers load only when a product needs encoding: not on an unchanged catalog.
        folder = settings.recommender_model
        fingerprint = weights_fingerprint(folder)
        embedder = LazyEmbedder(item_tower_name(fingerprint),
                                model_config_from(read_config(folder)).dim,
                                lambda: ItemTowerEmbedder(load_model(folder), fingerprint))
        index = ItemIndex(store.client, embedder, exact_max=settings.recommender_exact_max)
        products = SqlCatalog(settings.catalog_url, settings.store).products()
        report = index.sync(products, progress=not args.no_progress)
    except (KnowledgeStoreError, ModelFolderError, FileNotFoundError) as exc:
        print(f"recommender ingest failed: {exc}", file=sys.stderr)
        return 1
    print(report.line("recommender_items"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
