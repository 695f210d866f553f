"""Checks of a shopper's message before Rasa sees it (no Rasa imports: unit-testable anywhere).

Rasa 3.6's channels trust what they are sent: a list instead of an object, a number as the
message or a 5,000-character sender id end in a 500 or in a tracker store error, and
``metadata`` nested a few hundred levels deep makes the tracker store's save raise
``RecursionError``, losing the turn. These checks turn each of them into a one-line reason
(a 400 on REST, a polite reply on socket.io), and strip what a database cannot store (NUL
and other control characters, lone surrogates) from the text.
"""

from __future__ import annotations

import json
from typing import Any

from aisle.text_input import clean_text

#: The tracker store keys conversations by sender id in a ``VARCHAR(255)`` column.
MAX_SENDER_CHARS = 255
#: Defaults of the metadata limits (``AISLE_CHANNEL_MAX_METADATA_*``, bot.channel_limits).
MAX_METADATA_DEPTH = 8
MAX_METADATA_BYTES = 8_192


def too_long(text: str, max_chars: int) -> str | None:
    """The reply to ``text`` when it is over ``max_chars`` characters, else ``None``."""
    if len(text) <= max_chars:
        return None
    return (f"That message is longer than {max_chars:,} characters, more than I can read at "
            f"once. Could you send it again in a shorter form?")


def nesting_depth(value: Any, give_up_past: int) -> int:
    """How deeply objects and arrays nest in ``value`` (``{}`` is 1, a string 0).

    Walks without recursion, and stops as soon as the depth passes ``give_up_past``, so a
    value nested thousands of levels deep costs no more than one nested ``give_up_past``.
    """
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if not isinstance(item, dict | list):
            continue
        deepest = max(deepest, depth)
        if deepest > give_up_past:
            return deepest
        children = item.values() if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)
    return deepest


def check_metadata(metadata: Any, max_depth: int = MAX_METADATA_DEPTH,
                   max_bytes: int = MAX_METADATA_BYTES) -> tuple[dict[str, Any] | None, str | None]:
    """``(metadata, None)`` for usable metadata (``None`` when absent), else ``(None, reason)``.

    socket.io clients sometimes send it as a JSON string: that is parsed (after its length is
    checked), and a string that is not a JSON object is refused like any other bad value.
    """
    if metadata is None or metadata == "":
        return None, None
    if isinstance(metadata, str):
        if len(metadata) > max_bytes or len(metadata.encode("utf-8", "surrogatepass")) > max_bytes:
            return None, f"'metadata' must be at most {max_bytes:,} bytes of JSON"
        try:
            metadata = json.loads(metadata)
        except (ValueError, RecursionError):
            return None, "'metadata' must be a JSON object (the string sent is not JSON)"
    if not isinstance(metadata, dict):
        return None, "'metadata' must be a JSON object"
    if nesting_depth(metadata, max_depth) > max_depth:
        return None, f"'metadata' may nest at most {max_depth} levels deep"
    try:
        size = len(json.dumps(metadata))
    except (TypeError, ValueError):
        return None, "'metadata' must hold only JSON values"
    if size > max_bytes:
        return None, f"'metadata' must be at most {max_bytes:,} bytes of JSON"
    return metadata, None


def check_message_body(body: Any, max_metadata_depth: int = MAX_METADATA_DEPTH,
                       max_metadata_bytes: int = MAX_METADATA_BYTES,
                       ) -> tuple[dict[str, Any] | None, str | None]:
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
    raw_metadata = body.get("metadata")
    if raw_metadata is not None and not isinstance(raw_metadata, dict):
        return None, "'metadata' must be a JSON object"
    metadata, problem = check_metadata(raw_metadata, max_metadata_depth, max_metadata_bytes)
    if problem:
        return None, problem
    channel = body.get("input_channel")
    if channel is not None and not isinstance(channel, str):
        return None, "'input_channel' must be a string"
    return {"sender": sender, "message": clean_text(message), "metadata": metadata,
            "input_channel": channel}, None
