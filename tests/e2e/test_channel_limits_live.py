"""End-to-end (issue 17): the real Rasa server, started as ``make run`` starts it, enforces the
shopper channels' limits and still holds normal conversations.

Checks the wiring the channel-level tests (``tests/dialogue/test_channel_guards.py``) cannot:
``credentials.yml`` building the channels, ``bot.server`` capping Sanic's request size on
Rasa's own app, and an agent's message through Rasa's HTTP API reaching a socket.io shopper.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import socketio

from ops.servers import RunningAssistant, api_headers, running_assistant
from web.rasa_api import RasaClient

pytestmark = pytest.mark.e2e
API_TOKEN = uuid.uuid4().hex
PER_CONVERSATION = 4
WEB_ORIGIN = "http://127.0.0.1:8000"  # the web app's default origin, allowed by default


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningAssistant]:
    workdir = tmp_path_factory.mktemp("limits")
    env = {"AISLE_STATE_DATABASE_URL": f"sqlite:///{workdir / 'shop.sqlite'}",
           "AISLE_CHANNEL_MESSAGES_PER_MINUTE": str(PER_CONVERSATION)}
    with running_assistant(workdir, extra_env=env, token=API_TOKEN) as running:
        yield running


def _say(assistant: RunningAssistant, body: object) -> httpx.Response:
    return httpx.post(f"{assistant.rasa_url}/webhooks/rest/webhook", json=body, timeout=180)


def test_oversized_and_deeply_nested_input_is_refused_and_the_turn_after_is_answered(
        assistant: RunningAssistant) -> None:
    sender = f"live-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    assert _say(assistant, {"sender": sender, "message": "x" * 1_048_576}).status_code == 413
    deep: dict = {"leaf": 1}
    for _ in range(449):
        deep = {"a": deep}
    nested = _say(assistant, {"sender": sender, "message": "hello", "metadata": deep})
    assert nested.status_code == 400 and "8 levels" in nested.json()["error"]
    assert time.monotonic() - started < 30
    answered = _say(assistant, {"sender": sender, "message": "hello"})
    assert answered.status_code == 200 and answered.json(), answered.text
    tracker = httpx.get(f"{assistant.rasa_url}/conversations/{sender}/tracker",
                        headers=api_headers(API_TOKEN), timeout=60).json()
    texts = [e.get("text") for e in tracker["events"] if e["event"] == "user"]
    assert texts == ["hello"]  # the refused messages never reached the tracker


def test_rasas_own_app_refuses_a_body_over_its_request_cap(assistant: RunningAssistant) -> None:
    url = f"{assistant.rasa_url}/conversations/live-cap/tracker/events"
    answer = httpx.post(url, content=b"[" + b" " * 9_000_000 + b"]", timeout=60,
                        headers={**api_headers(API_TOKEN), "Content-Type": "application/json"})
    assert answer.status_code == 413


def test_a_fast_conversation_gets_429_with_retry_after(assistant: RunningAssistant) -> None:
    sender = f"live-{uuid.uuid4().hex[:8]}"
    statuses = [_say(assistant, {"sender": sender, "message": "hi"})
                for _ in range(PER_CONVERSATION + 1)]
    assert [s.status_code for s in statuses] == [200] * PER_CONVERSATION + [429]
    assert int(statuses[-1].headers["Retry-After"]) >= 1


def test_socketio_checks_origins_and_an_agents_message_reaches_the_shopper(
        assistant: RunningAssistant) -> None:
    session = uuid.uuid4().hex

    async def run() -> tuple[bool, list[dict]]:
        evil = socketio.AsyncClient(reconnection=False)
        try:
            await evil.connect(assistant.rasa_url, headers={"Origin": "http://evil.example"},
                               transports=["websocket"], wait_timeout=10)
            refused = False
            await evil.disconnect()
        except socketio.exceptions.ConnectionError:
            refused = True
        shopper = socketio.AsyncClient(reconnection=False)
        received: list[dict] = []
        confirmed: list[str] = []
        shopper.on("bot_uttered", received.append)
        shopper.on("session_confirm", confirmed.append)
        await shopper.connect(assistant.rasa_url, headers={"Origin": WEB_ORIGIN},
                              transports=["websocket"], wait_timeout=10)
        await shopper.emit("session_request", {"session_id": session})
        deadline = time.monotonic() + 10
        while not confirmed and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await shopper.emit("user_uttered", {"message": "hello", "session_id": session})
        deadline = time.monotonic() + 120
        while not received and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        answered = len(received)
        await RasaClient(assistant.rasa_url, API_TOKEN).send_agent_message(
            session, "Sam", "Hi, this is Sam from the store")
        deadline = time.monotonic() + 30
        while len(received) == answered and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await shopper.disconnect()
        return refused, received

    refused, received = asyncio.run(run())
    assert refused
    assert len(received) >= 2, json.dumps(received)[:500]  # the bot's answer, then the agent's
    assert received[-1]["text"] == "Hi, this is Sam from the store"
