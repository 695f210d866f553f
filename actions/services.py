"""The services the actions call, built once per process.

``init_services`` runs when the action server starts (``actions.server``); ``get_services``
builds them on first use otherwise. Tests install fakes with ``set_services``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from aisle.settings import Settings, load_settings

if TYPE_CHECKING:
    from commerce.service import Commerce
    from knowledge.services import KnowledgeServices
    from recommender.service import Recommender

_lock = threading.Lock()
_services: Any = None
_recommender: Any = None
_commerce: Any = None


def init_services(settings: Settings | None = None) -> KnowledgeServices:
    """Build the services (models, store, catalog, recommender) unless already built."""
    global _services, _recommender, _commerce
    with _lock:
        settings = settings or load_settings()
        if _services is None:
            from knowledge.services import build_services

            _services = build_services(settings)
            _services.answers.warm_up()
        if _recommender is None:
            from recommender.factory import build_recommender

            _recommender = build_recommender(settings, _services.catalog, _services.store.client)
        if _commerce is None:
            _commerce = _build_commerce(settings)
        return _services


def _build_commerce(settings: Settings) -> Commerce:
    from datetime import timedelta

    from catalog import SqlCatalog
    from commerce.service import CommerceService
    from commerce.verification import VerificationLimits
    from insights.recording import commerce_recorder

    catalog = SqlCatalog(settings.catalog_url, settings.store)
    return CommerceService.from_files(
        settings.state_url, catalog, settings.store_rules_dir, pii_secret=settings.pii_key(),
        pages=catalog.policy_sections(),
        on_event=commerce_recorder(settings.state_url),
        limits=VerificationLimits(settings.order_check_failures,
                                  timedelta(minutes=settings.order_check_window_minutes)),
    )


def get_services() -> KnowledgeServices:
    """The process's services, built on first use."""
    return _services if _services is not None else init_services()


def get_recommender() -> Recommender:
    """The process's recommender, built (with the other services) on first use."""
    if _recommender is None:
        init_services()
    return _recommender


def get_commerce() -> Commerce:
    """The process's commerce service (carts, checkout, orders), built on first use.

    Needs only the databases and the store's rule files, not the models.
    """
    global _commerce
    if _commerce is None:
        with _lock:
            if _commerce is None:
                _commerce = _build_commerce(load_settings())
    return _commerce


def set_commerce(commerce: Any) -> None:
    """Replace the commerce service (tests pass a fake; ``None`` resets)."""
    global _commerce
    with _lock:
        _commerce = commerce


def set_services(services: Any, recommender: Any = None) -> None:
    """Replace the services (tests pass fakes; ``None`` resets)."""
    global _services, _recommender
    with _lock:
        _services = services
        _recommender = recommender
