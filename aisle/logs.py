"""Logging set-up shared by Aisle's processes; every record is redacted before it is written."""

from __future__ import annotations

import logging

from aisle.redaction import redact, redact_text


class RedactingFilter(logging.Filter):
    """Replace emails, phone and card numbers and street addresses in a log record.

    The message is formatted first (``%`` arguments included), redacted and stored back with no
    arguments, so a value passed as an argument is redacted too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
            record.args = redact(record.args) if record.args else record.args
        else:
            record.args = None
        record.msg = redact_text(message)
        return True


def install_redacting_filter(logger: logging.Logger | None = None) -> None:
    """Attach one :class:`RedactingFilter` to the logger's handlers (root by default) and to
    the logger itself, so records from child loggers are redacted whichever handler writes them."""
    target = logger or logging.getLogger()
    handlers = list(target.handlers) or [logging.lastResort]
    for item in [target, *handlers]:
        if item is not None and not any(isinstance(f, RedactingFilter) for f in item.filters):
            item.addFilter(RedactingFilter())


def configure_logging(level: str = "INFO") -> None:
    """Plain, structured-enough logs on stderr: time, level, logger, message (redacted)."""
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_redacting_filter()
    for noisy in ("httpx", "chromadb.telemetry", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
