"""A short apology instead of silence when the action server does not answer.

Rasa 3.6 logs an error and sends nothing when a custom action cannot be reached, so a shopper
whose message needed one would wait forever. :func:`apologise_when_actions_down` wraps a
channel's ``on_new_message``: when a turn produced no bot message at all and the action
server's health check fails, the shopper gets :data:`APOLOGY`. Their message is still in the
tracker store, and the conversation (slots, cart) continues when the server is back.

A silent turn with a healthy action server (a person from the store holds the conversation)
stays silent. In the production profile the action gateway already answers with the same
apology, so the turn is not silent and nothing more is sent.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

APOLOGY = "Sorry, I'm having trouble right now. Please try again in a moment."
#: The action endpoint endpoints.yml gives Rasa (from Aisle's settings, aisle.runtime_env).
ACTION_URL_VARIABLE = "AISLE_ACTION_URL"


def messages_sent(output_channel: Any) -> int:
    """How many bot messages a turn sent through ``output_channel``."""
    collected = getattr(output_channel, "messages", None)
    return len(collected) if collected is not None else int(getattr(output_channel, "sent", 0))


async def actions_reachable(action_url: str | None, timeout: float = 2.0) -> bool:
    """Whether the action server answers its health check (no URL configured: assume yes)."""
    if not action_url:
        return True
    health = action_url.rsplit("/webhook", 1)[0].rstrip("/") + "/health"
    try:
        limit = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=limit) as session, session.get(health) as answer:
            return answer.status < 500
    except (aiohttp.ClientError, asyncio.TimeoutError):  # not the same class on Python 3.10
        return False


def apologise_when_actions_down(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    action_url: str | None = None,
) -> Callable[[UserMessage], Awaitable[Any]]:
    """``on_new_message`` that apologises for a silent turn while the action server is down."""
    url = action_url if action_url is not None else os.environ.get(ACTION_URL_VARIABLE)

    async def handle(message: UserMessage) -> Any:
        result = await on_new_message(message)
        output = message.output_channel
        if output is not None and messages_sent(output) == 0 and not await actions_reachable(url):
            logger.warning("no reply for %s and the action server is down: apologising",
                           message.sender_id)
            await output.send_text_message(message.sender_id, APOLOGY)
        return result

    return handle
