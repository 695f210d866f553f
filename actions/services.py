"""The services the actions call, built once per process.

``init_services`` runs when the action server starts (``actions.server``); ``get_services``
builds them on first use otherwise. Tests install fakes with ``set_services``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from aisle.settings import Settings, load_settings

if TYPE_CHECKING:
    from knowledge.services import KnowledgeServices

_lock = threading.Lock()
_services: Any = None


def init_services(settings: Settings | None = None) -> KnowledgeServices:
    """Build the services (models, store, catalog) unless already built."""
    global _services
    with _lock:
        if _services is None:
            from knowledge.services import build_services

            _services = build_services(settings or load_settings())
            _services.answers.warm_up()
        return _services


def get_services() -> KnowledgeServices:
    """The process's services, built on first use."""
    return _services if _services is not None else init_services()


def set_services(services: Any) -> None:
    """Replace the services (tests pass fakes; ``None`` resets)."""
    global _services
    with _lock:
        _services = services
