"""Build the process's ``Recommender`` from the settings and the knowledge services."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from catalog.domain import CatalogReader
from recommender.calibration import RepeatGate
from recommender.index import ItemIndex, ItemTowerEmbedder
from recommender.service import Recommender


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
    """Load the trained model, sync the item index with ``catalog``, and wire the service.

    ``settings`` is an :class:`aisle.settings.Settings`; ``chroma_client`` the knowledge store's
    client, so recommendations and search share one Chroma store.
    """
    import torch

    from recommender.io import load_model

    torch.set_num_threads(settings.torch_threads)
    loaded = load_model(settings.recommender_model)
    embedder = ItemTowerEmbedder(loaded, weights_fingerprint(settings.recommender_model))
    index = ItemIndex(chroma_client, embedder, exact_max=settings.recommender_exact_max)
    products = catalog.products()
    index.sync(products, progress=progress)
    links = {p.id: catalog.links(p.id) for p in products}
    # Any store whose folder holds an interaction log (<name>.train.inter) gets popularity
    # from it; one without (Luma, a file-imported store) gets none.
    popularity = interaction_popularity(settings.store_data_dir)
    return Recommender(index, {p.id: p for p in products}, links, popularity or None,
                       store_repeat_gate(loaded, settings.store_data_dir))


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
