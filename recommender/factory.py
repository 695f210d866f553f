"""Build the process's ``Recommender`` from the settings and the knowledge services."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from catalog.domain import CatalogReader
from catalog.repository import SqlCatalog
from recommender.calibration import RepeatGate
from recommender.index import ItemIndex, ItemTowerEmbedder
from recommender.items import CatalogItems
from recommender.service import Recommender

log = logging.getLogger(__name__)


def weights_fingerprint(model_dir: Path) -> str:
    """sha256 of a model folder's ``weights.safetensors`` (names the index built with it)."""
    digest = hashlib.sha256()
    with (Path(model_dir) / "weights.safetensors").open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def interaction_popularity(dataset_dir: Path) -> dict[str, float]:
    """Item id → number of train interactions, when the store has an interaction log."""
    from recommender.data import DatasetError, load_dataset

    try:
        dataset = load_dataset(dataset_dir, with_descriptions=False)
    except DatasetError:
        return {}
    counts = dataset.item_counts("train")
    return {item: float(counts[i]) for i, item in enumerate(dataset.item_ids)}


def build_recommender(settings: Any, catalog: CatalogReader, chroma_client: Any,
                      *, progress: bool = False) -> Recommender:
    """Load the trained model, open the item index, and wire the service.

    ``settings`` is an :class:`aisle.settings.Settings`; ``chroma_client`` the knowledge store's
    client, so recommendations and search share one Chroma store.

    On the SQL catalog nothing proportional to the catalog is read here: the index was synced
    by the ingest (``python -m recommender.ingest``), and its recorded catalog version is
    compared with the catalog's (a warning, not a sync, when they differ); products, links,
    filters and popularity are read per request (:class:`recommender.items.CatalogItems`).
    A catalog held in memory (tests) cannot say whether it changed: the index is synced with
    it here, as before.
    """
    import torch

    from recommender.io import load_model

    torch.set_num_threads(settings.torch_threads)
    loaded = load_model(settings.recommender_model)
    embedder = ItemTowerEmbedder(loaded, weights_fingerprint(settings.recommender_model))
    index = ItemIndex(chroma_client, embedder, exact_max=settings.recommender_exact_max)
    # Any store whose folder holds an interaction log (<name>.train.inter) gets popularity
    # from it; one without (Luma, a file-imported store) gets review counts.
    popularity = interaction_popularity(settings.store_data_dir) or None
    gate = store_repeat_gate(loaded, settings.store_data_dir)
    if not isinstance(catalog, SqlCatalog) or catalog.store is None:
        products = catalog.products()
        index.sync(products, progress=progress)
        links = {p.id: catalog.links(p.id) for p in products}
        return Recommender(index, {p.id: p for p in products}, links, popularity, gate)
    check_index_version(index, catalog_version(catalog))
    index.reload()
    product_index = catalog.search_index()
    assert product_index is not None  # a reader of one store has one
    return Recommender.over(index, CatalogItems(catalog, product_index, popularity), gate)


def catalog_version(catalog: SqlCatalog) -> str:
    """What the item index records as the catalog it synced: the store and its last import."""
    return f"{catalog.store}:{catalog.fingerprint() or 'empty'}"


def check_index_version(index: ItemIndex, version: str) -> bool:
    """Whether ``index`` was last synced with the catalog ``version``; a warning when not
    (products imported since are not recommended until the ingest runs). Never syncs."""
    if index.catalog_version == version:
        return True
    log.warning(
        "recommender index is not current with the catalog (index: %s, catalog: %s): serving "
        "its %d items; products imported since are not recommended until "
        "`python -m recommender.ingest` (make data) runs",
        index.catalog_version or "never recorded", version, index.collection.count())
    return False


def store_repeat_gate(loaded: Any, store_data_dir: Path) -> RepeatGate | None:
    """The model's repeat/new gate when it was fitted on this store's own interaction log.

    The gate's weights are calibrated against the scores of that catalog's new items; on a
    store without a log (Luma), or another one, it would be an uncalibrated guess, so history
    items stay out of its recommendations there.
    """
    gate = loaded.repeat_gate
    if gate is None:
        return None
    fitted_on = str(loaded.meta["repeat_gate"].get("fitted_on", "")).split(" ")[0]
    logs = {p.name[: -len(".train.inter")] for p in Path(store_data_dir).glob("*.train.inter")}
    return gate if fitted_on in logs else None
