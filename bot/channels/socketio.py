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

It also bounds what one client can make the server do (:mod:`bot.channel_limits`):

- only the browser origins of ``AISLE_CORS_ORIGINS`` (and the web app's own) may connect;
  Rasa's channel passed ``cors_allowed_origins=[]``, which turns python-socketio's check off;
- a packet over ``AISLE_CHANNEL_MAX_BODY_BYTES`` is refused by engine.io, which closes that
  connection (the widget, capped at ``AISLE_MAX_MESSAGE_CHARS``, never sends one), and a message
  over ``AISLE_MAX_MESSAGE_CHARS`` characters, bad ``metadata`` (a non-JSON string, nested
  too deep, too large), a malformed session id or a conversation or client address sending
  faster than its limits gets a polite reply to the sending connection instead of a turn;
- with ``AISLE_REDIS_URL`` set, the replicas share one Redis client manager, so a message an
  agent posts through any replica's HTTP API (``?output_channel=socketio``) reaches the
  shopper's connection on whichever replica holds it.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.channel_limits import SESSION_ID, ChannelLimits, MessageRate, refusal_text
from bot.channels.unavailable import apologise_when_actions_down
from bot.request_guard import check_metadata, clean_text, too_long

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


def refused(reason: str) -> str:
    """The polite reply to a message the channel could not take."""
    return f"Sorry, I couldn't take that message: {reason}."


def build_server(limits: ChannelLimits) -> AsyncServer:
    """The socket.io server: origins and packet size checked, Redis-backed when configured."""
    manager = AsyncRedisManager(limits.redis_url) if limits.redis_url else None
    return AsyncServer(async_mode="sanic", cors_allowed_origins=limits.cors_origins,
                       max_http_buffer_size=limits.max_body_bytes, client_manager=manager)


def client_address(environ: dict[str, Any], limits: ChannelLimits) -> str:
    """The connecting client's address (python-socketio's Sanic driver puts a fixed
    ``REMOTE_ADDR`` in ``environ``; the peer is on the Sanic request)."""
    request = environ.get("sanic.request")
    peer = getattr(request, "ip", None) or environ.get("REMOTE_ADDR")
    return limits.trusted_proxies.client(peer, environ.get("HTTP_X_FORWARDED_FOR"))


class AisleSocketIOInput(SocketIOInput):
    """Rasa's socket.io input with the room joined, whole messages sent and input bounded
    (see the module)."""

    limits: ChannelLimits | None = None

    def get_output_channel(self) -> OutputChannel | None:
        if self.sio is None:
            return None
        return AisleSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        on_new_message = apologise_when_actions_down(on_new_message)
        limits = self.limits = self.limits or ChannelLimits.from_environ(os.environ)
        rate = MessageRate(limits)
        clients: dict[str, str] = {}  # connection id -> client address
        sio = build_server(limits)
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None) -> bool:
            clients[sid] = client_address(environ, limits)
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            clients.pop(sid, None)

        async def reply(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=sid,
                           namespace=self.namespace)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: dict | None) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
                if session_id:
                    logger.warning("socket.io session id refused (%d characters): a new one "
                                   "is given", len(str(session_id)))
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                await reply(sid, refused("it must be an object with a 'message'"))
                return
            if self.session_persistence:
                session_id = data.get("session_id")
                if not session_id:
                    logger.warning("socket.io message without a session_id ignored")
                    await reply(sid, refused("it came without a session id"))
                    return
                if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
                    await reply(sid, refused("its session id is not one I know how to keep"))
                    return
                sender_id = session_id
            else:
                sender_id = sid
            text = data.get("message", "")
            if not isinstance(text, str):
                await reply(sid, refused("the message must be text"))
                return
            long_text = too_long(text, limits.max_message_chars)
            if long_text:
                await reply(sid, long_text)
                return
            metadata, problem = check_metadata(data.get(self.metadata_key),
                                               limits.max_metadata_depth,
                                               limits.max_metadata_bytes)
            if problem:
                await reply(sid, refused(problem))
                return
            wait = rate.retry_after(sender_id, clients.get(sid, "unknown"))
            if wait is not None:
                await reply(sid, refusal_text(wait))
                return
            await on_new_message(UserMessage(
                clean_text(text), AisleSocketIOOutput(sio, self.bot_message_evt),
                sender_id, input_channel=self.name(), metadata=metadata or {},
            ))

        return webhook
