"""Aisle's two shopper channels on a Sanic server without a model, for the channel tests.

Run in the Rasa venv: ``python -m tests.dialogue.channel_server PORT``. The channels are
registered with Rasa's own ``register`` (as ``rasa run`` does, limits from the ``AISLE_*``
environment); the agent that answers echoes the text and records each message it was handed.

``POST /agent/<conversation>`` with ``{"text": ...}`` sends a bot message through the socket.io
channel's output channel, as Rasa's HTTP API does for ``?output_channel=socketio`` (an agent's
message from the console).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic, response
from sanic.request import Request

from bot.channels.rest import GuardedRestInput
from bot.channels.socketio import AisleSocketIOInput
from bot.server import cap_request_size


class EchoAgent:
    """Stands in for Rasa's agent: records what it is handed and answers one message."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append({"sender": message.sender_id, "text": message.text,
                              "metadata": message.metadata, "channel": message.input_channel})
        await message.output_channel.send_text_message(message.sender_id,
                                                       f"you said: {message.text[:40]}")


def build_app(name: str) -> Sanic:
    cap_request_size(os.environ)  # as bot.server does before Rasa builds its app
    app = Sanic(name)
    agent = EchoAgent()
    app.ctx.agent = agent
    socket = AisleSocketIOInput.from_credentials(
        {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
         "session_persistence": True})
    register([GuardedRestInput(), socket], app, "/webhooks/")

    @app.get("/received")
    async def received(_: Request) -> response.HTTPResponse:
        return response.json(agent.received)

    @app.post("/agent/<conversation>")
    async def agent_message(request: Request, conversation: str) -> response.HTTPResponse:
        output = socket.get_output_channel()
        assert output is not None
        await output.send_text_message(conversation, request.json["text"])
        return response.json({"sent": True})

    return app


if __name__ == "__main__":
    port = int(sys.argv[1])
    build_app(f"channels_{port}").run(host="127.0.0.1", port=port, access_log=False,
                                      motd=False)
