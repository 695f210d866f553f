"""Checks of a REST message body before Rasa sees it (no Rasa imports: unit-testable anywhere).

Rasa 3.6's REST channel trusts the body: a list instead of an object, a number as the message
or a 5,000-character sender id end in a 500 or in a tracker store error. These checks turn
each of them into a 400 with a one-line reason, and strip what a database cannot store (NUL
and other control characters, lone surrogates) from the text.
"""

from __future__ import annotations

import re
from typing import Any

#: The tracker store keys conversations by sender id in a ``VARCHAR(255)`` column.
MAX_SENDER_CHARS = 255
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` without control characters (tab and newlines kept) or lone surrogates."""
    return _CONTROL.sub("", text.encode("utf-8", "ignore").decode("utf-8"))


def check_message_body(body: Any) -> tuple[dict[str, Any] | None, str | None]:
    """``(cleaned body, None)`` for a usable body, else ``(None, reason)``."""
    if not isinstance(body, dict):
        return None, "the body must be a JSON object with 'sender' and 'message' strings"
    sender, message = body.get("sender"), body.get("message")
    if not isinstance(sender, str) or not sender.strip():
        return None, "'sender' must be a non-empty string"
    if len(sender) > MAX_SENDER_CHARS or clean_text(sender) != sender:
        return None, f"'sender' must be at most {MAX_SENDER_CHARS} printable characters"
    if not isinstance(message, str):
        return None, "'message' must be a string"
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return None, "'metadata' must be a JSON object"
    channel = body.get("input_channel")
    if channel is not None and not isinstance(channel, str):
        return None, "'input_channel' must be a string"
    return {"sender": sender, "message": clean_text(message), "metadata": metadata,
            "input_channel": channel}, None
