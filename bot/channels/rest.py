"""The REST channel with its input checked first (see :mod:`bot.request_guard`).

Registered in ``credentials.yml`` as ``bot.channels.rest.GuardedRestInput``; it keeps the name
``rest``, so the webhook stays ``POST /webhooks/rest/webhook``. Before Rasa sees a message:

- a body over ``AISLE_CHANNEL_MAX_BODY_BYTES`` gets a 413 (from its ``Content-Length``,
  before it is parsed); a message over ``AISLE_MAX_MESSAGE_CHARS`` characters gets a reply
  (as the bot's, 200) asking for a shorter one, and starts no turn;
- a bad body (wrong types, ``metadata`` nested too deep or too large) a 400;
- a conversation or client address sending faster than its limits a 429 with
  ``Retry-After`` (the address behind ``AISLE_TRUSTED_PROXIES`` only, see
  :mod:`aisle.client_address`).

Each refusal is ``{"error": <one-line reason>}``, never a 500 and a stack trace in the log. A
turn left silent because the action server is down gets an apology
(:mod:`bot.channels.unavailable`).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channel_limits import ChannelLimits, MessageRate
from bot.channels.unavailable import apologise_when_actions_down
from bot.request_guard import check_message_body, too_long


def _declared_length(request: Request) -> int | None:
    try:
        return int(request.headers.get("content-length", ""))
    except ValueError:
        return None


class GuardedRestInput(RestInput):
    """Rasa's REST channel, reading only a checked and cleaned body, at a bounded rate."""

    def __init__(self, limits: ChannelLimits | None = None) -> None:
        self.limits = limits

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limits = self.limits = self.limits or ChannelLimits.from_environ(os.environ)
        rate = MessageRate(limits)
        webhook = super().blueprint(apologise_when_actions_down(on_new_message))

        def refuse(status: int, problem: str, **headers: str) -> response.HTTPResponse:
            return response.json({"error": problem}, status=status, headers=headers or None)

        @webhook.middleware("request")
        async def _check(request: Request) -> response.HTTPResponse | None:
            if request.method != "POST":
                return None
            declared = _declared_length(request)
            if (declared or 0) > limits.max_body_bytes or len(request.body) > limits.max_body_bytes:
                return refuse(413, f"the body must be at most {limits.max_body_bytes:,} bytes")
            try:
                body = request.json
            except (InvalidUsage, ValueError, RecursionError):
                body = None
            cleaned, problem = check_message_body(body, limits.max_metadata_depth,
                                                  limits.max_metadata_bytes)
            if problem or cleaned is None:
                return refuse(400, problem or "the body could not be read")
            long_text = too_long(cleaned["message"], limits.max_message_chars)
            if long_text:
                return response.json([{"recipient_id": cleaned["sender"], "text": long_text}])
            client = limits.trusted_proxies.client(request.ip,
                                                   request.headers.get("x-forwarded-for"))
            wait = rate.retry_after(cleaned["sender"], client)
            if wait is not None:
                return refuse(429, f"too many messages: wait {wait} s and send again",
                              **{"Retry-After": str(wait)})
            request.ctx.aisle_body = cleaned
            return None

        return webhook

    async def _extract_sender(self, req: Request) -> str | None:
        return req.ctx.aisle_body["sender"]

    def _extract_message(self, req: Request) -> str | None:
        return req.ctx.aisle_body["message"]

    def _extract_input_channel(self, req: Request) -> str:
        return req.ctx.aisle_body["input_channel"] or self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        return request.ctx.aisle_body["metadata"]
