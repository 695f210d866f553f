"""One factory for the knowledge services, so models and clients load once per process.

Nothing happens at import time; entry points call :func:`build_services` when first needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from catalog.domain import CatalogReader
from knowledge.answers import AnswerService, Scorer
from knowledge.embedding import Embedder
from knowledge.search import ProductSearch
from knowledge.store import KnowledgeStore


@dataclass
class KnowledgeServices:
    """The catalog, the store, product search and grounded answers, sharing one embedder."""

    catalog: CatalogReader
    store: KnowledgeStore
    search: ProductSearch
    answers: AnswerService
    embedder: Embedder


def build_services(settings: Any, *, catalog: CatalogReader | None = None,
                   embedder: Embedder | None = None,
                   scorer: Scorer | None = None) -> KnowledgeServices:
    """Build the services named by ``settings`` (an :class:`aisle.settings.Settings`).

    ``catalog``, ``embedder`` and ``scorer`` may be passed in (tests, or a process that already
    has them); by default the SQL catalog at ``settings.catalog_url``, the configured model and
    a :class:`PassageScorer` over it are used.
    """
    if embedder is None:
        from knowledge.embedding import load_embedder

        # The runtime ingest used (AISLE_EMBEDDER), so queries meet passages of the same model.
        embedder = load_embedder(settings.embedding_model, settings.embedder)
    if catalog is None:
        from catalog.repository import SqlCatalog

        catalog = SqlCatalog(settings.catalog_url, settings.store)
    if scorer is None:
        from knowledge.qa_scoring import PassageScorer

        scorer = PassageScorer(embedder)
    store = KnowledgeStore.from_settings(settings, embedder)
    return KnowledgeServices(
        catalog=catalog,
        store=store,
        search=ProductSearch(catalog, store, embedder),
        answers=AnswerService(store, scorer, embedder),
        embedder=embedder,
    )
