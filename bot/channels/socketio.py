"""Rasa's socket.io channel, fixed for the python-socketio 5 that Rasa 3.6 runs with.

Rasa 3.6's ``SocketIOInput`` has two faults against python-socketio 5.x, both of which lose
the shopper's messages silently:

- ``sio.enter_room`` is a coroutine that Rasa does not await, so with ``session_persistence``
  the browser never joins its session's room and no reply reaches it;
- ``send_custom_json`` passes the payload's keys as keyword arguments to ``sio.emit``, which
  raises for every typed ``custom`` payload (products, cart, answer...).

This channel keeps Rasa's name (``socketio``, so ``?output_channel=socketio`` on the HTTP API
still finds it) and its events, and sends each bot message as one event holding its ``text``,
``buttons`` and ``custom`` payload together, so the widget renders a card with its caption.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot.channels.unavailable import apologise_when_actions_down

logger = logging.getLogger(__name__)

#: Keys of a bot message the widget reads.
MESSAGE_KEYS = ("text", "buttons", "quick_replies", "custom", "image", "attachment", "metadata")


class AisleSocketIOOutput(OutputChannel):
    """Emits every bot message as one ``bot_message_evt`` event to the session's room."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt
        self.sent = 0  # messages sent through this channel (one per turn)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        payload = {key: message[key] for key in MESSAGE_KEYS if message.get(key)}
        if payload:
            self.sent += 1
            await self.sio.emit(self.bot_message_evt, payload, room=recipient_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any],
                               **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})


class AisleSocketIOInput(SocketIOInput):
    """Rasa's socket.io input with the room joined and whole messages sent (see the module)."""

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return None
        return AisleSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = apologise_when_actions_down(on_new_message)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None) -> bool:
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict | None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id") or uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: dict) -> None:
            if not isinstance(data, dict):
                return
            if self.session_persistence:
                if not data.get("session_id"):
                    logger.warning("socket.io message without a session_id ignored")
                    return
                sender_id = str(data["session_id"])
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            await on_new_message(UserMessage(
                str(data.get("message", "")), AisleSocketIOOutput(sio, self.bot_message_evt),
                sender_id, input_channel=self.name(), metadata=metadata,
            ))

        return webhook
