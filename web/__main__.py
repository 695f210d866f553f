"""``python -m web``: serve the storefront widget and the agent console with uvicorn."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import uvicorn
from fastapi import APIRouter

from aisle.logs import configure_logging
from aisle.settings import Settings, load_settings
from web.app import create_app
from web.assist_client import AssistClient

logger = logging.getLogger(__name__)


def insights_router(settings: Settings, require_agent: Callable[..., Any]) -> APIRouter:
    """``/insights`` behind the agent sign-in, with propensity from the action server."""
    from insights.web import build_router

    internal = settings.internal_token.get_secret_value() if settings.internal_token else None
    scorer = AssistClient(settings.action_server_url, internal, timeout=10.0).propensity_scorer()
    return build_router(settings, require_agent, scorer=scorer)


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    app = create_app(settings, extra_routers=[insights_router])
    logger.info("web app on http://%s:%d (widget /, agent console /agent)",
                settings.web_host, settings.web_port)
    uvicorn.run(app, host=settings.web_host, port=settings.web_port,
                log_level=settings.log_level.lower(), access_log=False)


if __name__ == "__main__":
    main()
