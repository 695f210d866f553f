"""Logging set-up shared by Aisle's processes."""

from __future__ import annotations

import logging
import os


def configure_logging(level: str | None = None) -> None:
    """Plain, structured-enough logs on stderr: time, level, logger, message."""
    logging.basicConfig(
        level=(level or os.environ.get("AISLE_LOG_LEVEL", "INFO")).upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "chromadb.telemetry", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
