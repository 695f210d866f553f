"""The shopper channels' limits (size, metadata, rate, origins) and the rate check itself.

The Rasa server runs in its own venv without pydantic-settings, so it cannot build
:class:`aisle.settings.Settings`; it reads the same ``AISLE_*`` variables here, with the same
defaults (``tests/unit/test_channel_limits.py`` holds the two together). Nothing is read at
import: a channel builds its :class:`ChannelLimits` when Rasa creates it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from aisle.client_address import TrustedProxies
from aisle.rate_limit import SlidingWindowLimiter
from bot.request_guard import MAX_METADATA_BYTES, MAX_METADATA_DEPTH

#: A conversation id the widget may ask for (the web app's ``SESSION_ID``; a uuid hex fits).
SESSION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")

#: Settings field -> default, for every limit read here (the same as ``aisle.settings``).
DEFAULTS: dict[str, int] = {
    "max_message_chars": 2_000,
    "channel_max_body_bytes": 65_536,
    "channel_max_metadata_depth": MAX_METADATA_DEPTH,
    "channel_max_metadata_bytes": MAX_METADATA_BYTES,
    "channel_messages_per_minute": 60,
    "channel_client_messages_per_minute": 1_200,
}
DEFAULT_CORS_ORIGINS = "http://localhost:8000,http://127.0.0.1:8000"


def _positive(environ: Mapping[str, str], name: str) -> int:
    variable = f"AISLE_{name.upper()}"
    text = environ.get(variable, "").strip()
    if not text:
        return DEFAULTS[name]
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{variable} must be a whole number of at least 1, not {text!r}")
    return value


def allowed_origins(environ: Mapping[str, str]) -> list[str] | str:
    """The browser origins that may open a socket.io connection.

    ``AISLE_CORS_ORIGINS`` (comma-separated; ``*`` allows any), plus the web app that serves
    the widget (``AISLE_WEB_HOST``/``AISLE_WEB_PORT``) when it binds a named interface.
    """
    configured = environ.get("AISLE_CORS_ORIGINS", DEFAULT_CORS_ORIGINS)
    origins = [origin.strip().rstrip("/") for origin in configured.split(",") if origin.strip()]
    if "*" in origins:
        return "*"
    host, port = environ.get("AISLE_WEB_HOST", "127.0.0.1"), environ.get("AISLE_WEB_PORT", "8000")
    if host in ("127.0.0.1", "localhost"):
        origins += [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    elif host not in ("0.0.0.0", "::", ""):
        origins.append(f"http://{host}:{port}")
    return list(dict.fromkeys(origins))


@dataclass(frozen=True)
class ChannelLimits:
    """How much one message may hold and how often one shopper or address may send."""

    max_message_chars: int = DEFAULTS["max_message_chars"]
    max_body_bytes: int = DEFAULTS["channel_max_body_bytes"]
    max_metadata_depth: int = DEFAULTS["channel_max_metadata_depth"]
    max_metadata_bytes: int = DEFAULTS["channel_max_metadata_bytes"]
    messages_per_minute: int = DEFAULTS["channel_messages_per_minute"]
    client_messages_per_minute: int = DEFAULTS["channel_client_messages_per_minute"]
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)
    cors_origins: list[str] | str = field(default_factory=lambda: allowed_origins({}))
    redis_url: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ChannelLimits:
        """The limits the ``AISLE_*`` variables in ``environ`` give; a bad value raises."""
        return cls(
            max_message_chars=_positive(environ, "max_message_chars"),
            max_body_bytes=_positive(environ, "channel_max_body_bytes"),
            max_metadata_depth=_positive(environ, "channel_max_metadata_depth"),
            max_metadata_bytes=_positive(environ, "channel_max_metadata_bytes"),
            messages_per_minute=_positive(environ, "channel_messages_per_minute"),
            client_messages_per_minute=_positive(environ, "channel_client_messages_per_minute"),
            trusted_proxies=TrustedProxies.parse(environ.get("AISLE_TRUSTED_PROXIES", "")),
            cors_origins=allowed_origins(environ),
            redis_url=environ.get("AISLE_REDIS_URL") or None,
        )


class MessageRate:
    """Counts messages per conversation and per client address against the limits."""

    def __init__(self, limits: ChannelLimits) -> None:
        self.conversations = SlidingWindowLimiter(limits.messages_per_minute)
        self.clients = SlidingWindowLimiter(limits.client_messages_per_minute)

    def retry_after(self, conversation: str, client: str) -> int | None:
        """Count one message: ``None`` to go on, else whole seconds to wait."""
        wait = self.clients.retry_after(client)
        if wait is not None:
            return wait
        wait = self.conversations.retry_after(conversation)
        if wait is not None:
            self.clients.forget_last(client)
        return wait


def refusal_text(retry_after: int) -> str:
    """What a shopper sending too fast is told (socket.io; REST gets a 429 saying the same)."""
    return (f"You're sending messages faster than I can read them. Please wait {retry_after} "
            f"second{'s' if retry_after != 1 else ''} and send that again.")
