"""``python -m recommender.ingest``: put the catalog's item-tower vectors into the Chroma store.

Incremental like ``knowledge.ingest``: only new or changed products are encoded, and an
unchanged catalog loads no model. The catalog is streamed (memory flat in N). Run after
``knowledge.ingest`` (``make data`` runs both); it records the catalog version it synced, which
the action server compares at start without reading the catalog: the server never embeds, so a
product imported is recommendable once this has run.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.store import CollectionReport


def ingest_items(settings: Any, *, embedder: Any = None, progress: bool = True
                 ) -> CollectionReport:
    """Sync the store's item index with its SQL catalog and record the catalog's version.

    ``settings``: an :class:`aisle.settings.Settings`. ``embedder``: the item tower behind the
    ``Embedder`` interface; by default the trained model of ``settings``, loaded only when a
    product needs encoding.
    """
    from catalog.repository import SqlCatalog
    from knowledge.embedding import LazyEmbedder, embedder_from_settings
    from knowledge.store import KnowledgeStore
    from recommender.factory import catalog_version, weights_fingerprint
    from recommender.index import ItemIndex, ItemTowerEmbedder, item_tower_name
    from recommender.io import load_model, model_config_from, read_config

    store = KnowledgeStore.from_settings(settings, embedder_from_settings(settings))
    if embedder is None:
        folder = settings.recommender_model
        fingerprint = weights_fingerprint(folder)
        embedder = LazyEmbedder(item_tower_name(fingerprint),
                                model_config_from(read_config(folder)).dim,
                                lambda: ItemTowerEmbedder(load_model(folder), fingerprint))
    index = ItemIndex(store.client, embedder, exact_max=settings.recommender_exact_max)
    catalog = SqlCatalog(settings.catalog_url, settings.store)
    version = catalog_version(catalog)  # read first: an import during the sync leaves it stale
    return index.sync(catalog.iter_products, progress=progress, version=version)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from aisle.settings import load_settings
    from knowledge.store import KnowledgeStoreError
    from recommender.io import ModelFolderError

    parser = argparse.ArgumentParser(prog="python -m recommender.ingest", description=__doc__)
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    args = parser.parse_args(argv)
    try:
        report = ingest_items(load_settings(), progress=not args.no_progress)
    except (KnowledgeStoreError, ModelFolderError, FileNotFoundError) as exc:
        print(f"recommender ingest failed: {exc}", file=sys.stderr)
        return 1
    print(report.line("recommender_items"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
