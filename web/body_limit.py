"""Request bodies are limited before they are read.

A pure ASGI middleware, so it runs before FastAPI parses anything: a request whose
``Content-Length`` is over its route's limit gets 413 without a byte of its body read (a bad
``Content-Length`` gets 400); a body sent without one (chunked) is counted as it streams in
and the request fails with 413 as soon as it passes the limit, the rest left unread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Bytes a request body may have when its route has no limit of its own.
DEFAULT_LIMIT = 16_384


class BodyTooLarge(HTTPException):
    """The body streamed past its limit: raised from ``receive``, so whoever is reading it
    stops; an HTTP exception, so FastAPI's body parsing passes it on and answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body over {limit} bytes")


async def _reply(send: Send, status: int, detail: str) -> None:
    body = ('{"detail": "' + detail + '"}').encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse bodies over ``limits[path]`` (exact paths) or ``default`` bytes."""

    def __init__(self, app: ASGIApp, limits: Mapping[str, int] | None = None,
                 default: int = DEFAULT_LIMIT) -> None:
        self.app, self.limits, self.default = app, dict(limits or {}), default

    def limit(self, path: str) -> int:
        return self.limits.get(path, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        declared = [value for name, value in scope["headers"] if name == b"content-length"]
        if declared:
            text = declared[0].decode("latin-1").strip()
            if len(declared) > 1 or not text.isdigit():
                await _reply(send, 400, "invalid Content-Length")
                return
            if int(text) > limit:
                await _reply(send, 413, f"request body over {limit} bytes")
                return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, f"request body over {limit} bytes")


def body_limits(max_message_chars: int, max_event_bytes: int) -> dict[str, Any]:
    """Per-route limits of the web app: the REST fallback's JSON may escape every character
    of the longest message (``\\uXXXX``: 6 bytes each) plus its session id."""
    return {"/api/chat": 6 * max_message_chars + 1_024, "/api/events": max_event_bytes}
