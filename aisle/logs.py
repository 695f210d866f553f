"""Logging set-up shared by Aisle's processes."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    """Plain, structured-enough logs on stderr: time, level, logger, message."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "chromadb.telemetry", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
