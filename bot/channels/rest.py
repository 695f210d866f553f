"""The REST channel with its input checked first (see :mod:`bot.request_guard`).

Registered in ``credentials.yml`` as ``bot.channels.rest.GuardedRestInput``; it keeps the name
``rest``, so the webhook stays ``POST /webhooks/rest/webhook``. A bad body gets a 400 with a
one-line reason in ``{"error": ...}`` instead of a 500 and a stack trace in the log. A turn
left silent because the action server is down gets an apology (:mod:`bot.channels.unavailable`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request

from bot.channels.unavailable import apologise_when_actions_down
from bot.request_guard import check_message_body


class GuardedRestInput(RestInput):
    """Rasa's REST channel, reading only a checked and cleaned body."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(apologise_when_actions_down(on_new_message))

        @webhook.middleware("request")
        async def _check(request: Request) -> response.HTTPResponse | None:
            if request.method != "POST":
                return None
            try:
                body = request.json
            except (InvalidUsage, ValueError):
                body = None
            cleaned, problem = check_message_body(body)
            if problem:
                return response.json({"error": problem}, status=400)
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
