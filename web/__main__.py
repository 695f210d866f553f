"""``python -m web``: serve the storefront widget and the agent console with uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from aisle.logs import configure_logging
from aisle.settings import load_settings
from web.app import create_app

logger = logging.getLogger(__name__)


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    logger.info("web app on http://%s:%d (widget /, agent console /agent)",
                settings.web_host, settings.web_port)
    uvicorn.run(app, host=settings.web_host, port=settings.web_port,
                log_level=settings.log_level.lower(), access_log=False)


if __name__ == "__main__":
    main()
