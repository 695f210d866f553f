"""The web app's calls to the Rasa server: the REST channel (widget fallback) and the HTTP API
that lets an agent take over, speak in and hand back a conversation.

An agent's message is appended to the tracker as a ``bot`` event marked ``{"agent": true}``
with ``execute_side_effects``, so Rasa delivers it through the socket.io channel to the
shopper's widget and keeps it in the transcript. Taking over sets the ``agent_active`` slot
(``bot/components/agent_hold_policy.py`` then keeps the bot silent); handing back clears it and
``handoff_requested``. The slot events are the handover's record on the conversation.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx

from dialogue.payloads import AgentPayload

JOINED_TEXT = "A colleague from our customer service team has joined the chat."
HANDED_BACK_TEXT = "You're back with Aisle, the shop assistant. Ask me anything about our products."


class RasaError(RuntimeError):
    """The Rasa server refused a request or could not be reached."""


class RasaClient:
    """A small async client of one Rasa server."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 60.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.transport = transport  # tests pass an httpx.MockTransport

    async def _post(self, path: str, body: Any, params: dict[str, str],
                    api: bool = False) -> Any:
        """POST ``body``; ``api`` calls (Rasa's HTTP API) carry the token as a Bearer header,
        never in the URL, and channel calls never carry it."""
        headers = {"Authorization": f"Bearer {self.token}"} if api and self.token else None
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.post(f"{self.base_url}{path}", json=body, params=params,
                                             headers=headers)
        except httpx.HTTPError as error:
            raise RasaError(f"the Rasa server is unreachable: {error}") from error
        if response.status_code >= 400:
            raise RasaError(f"the Rasa server answered {response.status_code}: "
                            f"{response.text[:300]}")
        return response.json()

    async def say(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send a shopper message over the REST channel; returns the bot's messages."""
        return await self._post("/webhooks/rest/webhook",
                                {"sender": sender, "message": message}, {})

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append events; ``bot`` events among them are delivered to the shopper's widget."""
        path = f"/conversations/{quote(conversation_id, safe='')}/tracker/events"
        await self._post(path, events, {"output_channel": "socketio",
                                        "execute_side_effects": "true",
                                        "include_events": "NONE"}, api=True)

    async def take_over(self, conversation_id: str, agent: str) -> None:
        await self.append(conversation_id, [
            _slot("agent_active", True),
            _bot(JOINED_TEXT, AgentPayload(status="joined", agent=agent), agent),
        ])

    async def send_agent_message(self, conversation_id: str, agent: str, text: str) -> None:
        await self.append(conversation_id, [
            _slot("agent_active", True),
            _bot(text, AgentPayload(status="message", agent=agent), agent),
        ])

    async def hand_back(self, conversation_id: str, agent: str) -> None:
        await self.append(conversation_id, [
            _slot("agent_active", False),
            _slot("handoff_requested", False),
            _bot(HANDED_BACK_TEXT, AgentPayload(status="left", agent=agent), agent),
        ])


def _slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value, "timestamp": time.time()}


def _bot(text: str, custom: AgentPayload, agent: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": time.time(),
            "data": {"custom": custom.to_payload()},
            "metadata": {"agent": True, "agent_name": agent}}
