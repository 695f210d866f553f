"""Rasa's shopper channels under hostile input (issue 17): sizes, metadata, rates, origins.

A real Sanic server runs both channels in the Rasa venv (``tests/dialogue/channel_server.py``,
registered as ``rasa run`` registers them, limits from ``AISLE_*`` variables); these tests
talk to it over HTTP and socket.io as a shopper's browser would. Each test counts its
messages under its own client address (``X-Forwarded-For`` from 127.0.0.1, a trusted proxy
here), so the tests' rate limits do not add up.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio

from aisle.settings import REPO_ROOT
from ops.servers import free_port, wait_until_up

PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
PER_CONVERSATION, PER_CLIENT = 5, 8
ALLOWED_ORIGIN = "http://shop.example"
LIMITS = {
    "AISLE_CHANNEL_MESSAGES_PER_MINUTE": str(PER_CONVERSATION),
    "AISLE_CHANNEL_CLIENT_MESSAGES_PER_MINUTE": str(PER_CLIENT),
    "AISLE_TRUSTED_PROXIES": "127.0.0.1",
    "AISLE_CORS_ORIGINS": ALLOWED_ORIGIN,
    "AISLE_WEB_HOST": "127.0.0.1",
    "AISLE_WEB_PORT": "8000",
    "AISLE_RASA_MAX_REQUEST_BYTES": "4000000",
}
MB = "x" * 1_048_576


@contextmanager
def channel_server(workdir: Path, env: dict[str, str]) -> Iterator[str]:
    """Start ``tests.dialogue.channel_server`` with ``env``; yield its base URL."""
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run `make setup`")
    port = free_port()
    log = workdir / f"channels-{port}.log"
    server_env = {**{k: v for k, v in os.environ.items() if not k.startswith("AISLE_")},
                  "PYTHONPATH": str(REPO_ROOT), **env}
    with log.open("w") as out:
        process = subprocess.Popen([str(PYTHON), "-m", "tests.dialogue.channel_server",
                                    str(port)], cwd=REPO_ROOT, env=server_env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/webhooks/rest/", process, log, timeout=120)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with channel_server(tmp_path_factory.mktemp("channels"), LIMITS) as url:
        yield url


def post(url: str, body: Any, client: str, raw: bytes | None = None) -> httpx.Response:
    content = raw if raw is not None else json.dumps(body).encode()
    return httpx.post(f"{url}/webhooks/rest/webhook", content=content, timeout=30,
                      headers={"Content-Type": "application/json", "X-Forwarded-For": client})


def received(url: str, sender: str) -> list[dict[str, Any]]:
    return [m for m in httpx.get(f"{url}/received").json() if m["sender"] == sender]


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": True}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


# REST -----------------------------------------------------------------------------------

def test_rest_refuses_a_megabyte_before_parsing_it_and_keeps_answering(server: str) -> None:
    started = time.monotonic()
    huge = post(server, {"sender": "big", "message": MB}, "203.0.113.1")
    huge_metadata = post(server, {"sender": "big", "message": "hi", "metadata": {"x": MB}},
                         "203.0.113.1")
    assert time.monotonic() - started < 10
    assert huge.status_code == 413 and "65,536 bytes" in huge.json()["error"]
    assert huge_metadata.status_code == 413
    assert received(server, "big") == []
    normal = post(server, {"sender": "big", "message": "hi"}, "203.0.113.1")
    assert normal.status_code == 200 and normal.json()[0]["text"] == "you said: hi"


def test_rest_answers_a_message_over_the_character_cap_without_a_turn(server: str) -> None:
    too_long = post(server, {"sender": "long", "message": "é" * 2001}, "203.0.113.2")
    assert too_long.status_code == 200
    [reply] = too_long.json()
    assert reply["recipient_id"] == "long" and "longer than 2,000 characters" in reply["text"]
    fits = post(server, {"sender": "long", "message": "é" * 2000}, "203.0.113.2")
    assert fits.status_code == 200
    assert [m["text"] for m in received(server, "long")] == ["é" * 2000]


def test_rest_refuses_deeply_nested_metadata_instead_of_losing_the_turn(server: str) -> None:
    for depth in (450, 9):
        answer = post(server, {"sender": "deep", "message": "hi", "metadata": nested(depth)},
                      "203.0.113.3")
        assert answer.status_code == 400, answer.text
        assert "at most 8 levels" in answer.json()["error"]
    ok = post(server, {"sender": "deep", "message": "hi", "metadata": nested(8)}, "203.0.113.3")
    assert ok.status_code == 200
    assert [m["metadata"] for m in received(server, "deep")] == [nested(8)]


def test_rest_json_nested_past_the_parsers_recursion_limit_gets_a_400(server: str) -> None:
    raw = b'{"sender": "s", "message": "hi", "metadata": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
    answer = post(server, None, "203.0.113.4", raw=raw)
    assert answer.status_code == 400


def test_rest_limits_a_conversation_with_429_and_retry_after(server: str) -> None:
    statuses = [post(server, {"sender": "fast", "message": f"m{i}"}, "203.0.113.5")
                for i in range(PER_CONVERSATION + 1)]
    assert [r.status_code for r in statuses] == [200] * PER_CONVERSATION + [429]
    assert 1 <= int(statuses[-1].headers["Retry-After"]) <= 60
    assert "too many messages" in statuses[-1].json()["error"]
    assert len(received(server, "fast")) == PER_CONVERSATION
    other = post(server, {"sender": "calm", "message": "hi"}, "203.0.113.5")
    assert other.status_code == 200  # another conversation from the same address goes on


def test_rest_limits_a_client_address_across_conversations(server: str) -> None:
    # A client behind the trusted proxy cannot pick its address: what it wrote further left
    # in X-Forwarded-For is ignored, so every message counts under 203.0.113.6.
    statuses = [post(server, {"sender": f"c{i}", "message": "hi"}, f"10.9.9.{i}, 203.0.113.6")
                .status_code for i in range(PER_CLIENT + 1)]
    assert statuses == [200] * PER_CLIENT + [429]
    assert post(server, {"sender": "c-other", "message": "hi"}, "203.0.113.7").status_code == 200


def test_sanic_refuses_a_body_over_the_server_wide_cap(server: str) -> None:
    answer = httpx.post(f"{server}/agent/x", content=b"x" * 5_000_000, timeout=30)
    assert answer.status_code == 413


# socket.io --------------------------------------------------------------------------------

class Shopper:
    """A socket.io client as the widget uses it, recording every bot message."""

    def __init__(self, url: str, client: str, origin: str = ALLOWED_ORIGIN) -> None:
        self.url, self.headers = url, {"X-Forwarded-For": client, "Origin": origin}
        self.sio = socketio.AsyncClient(reconnection=False)
        self.messages: list[dict[str, Any]] = []
        self.confirmed: list[str] = []
        self.sio.on("bot_uttered", self.messages.append)
        self.sio.on("session_confirm", self.confirmed.append)

    async def connect(self, session_id: Any = None) -> None:
        await self.sio.connect(self.url, headers=self.headers, transports=["websocket"],
                               wait_timeout=10)
        await self.sio.emit("session_request", {"session_id": session_id})
        await self.wait_for(lambda: self.confirmed)

    async def say(self, message: Any, session_id: Any, **extra: Any) -> None:
        await self.sio.emit("user_uttered", {"message": message, "session_id": session_id,
                                             **extra})

    async def wait_for(self, condition: Any, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)

    async def replies(self, count: int, timeout: float = 10) -> list[str]:
        await self.wait_for(lambda: len(self.messages) >= count, timeout)
        return [m.get("text", "") for m in self.messages]


def test_socketio_refuses_origins_other_than_the_configured_ones(server: str) -> None:
    async def run() -> tuple[bool, bool]:
        for_shop, for_web = Shopper(server, "203.0.113.20"), Shopper(
            server, "203.0.113.20", "http://127.0.0.1:8000")
        await for_shop.connect("origin-ok")
        await for_web.connect("origin-web")
        allowed = for_shop.sio.connected and for_web.sio.connected
        await for_shop.sio.disconnect()
        await for_web.sio.disconnect()
        evil = Shopper(server, "203.0.113.20", "http://evil.example")
        try:
            await evil.connect("origin-evil")
            refused = False
        except socketio.exceptions.ConnectionError:
            refused = True
        return allowed, refused

    allowed, refused = asyncio.run(run())
    assert allowed
    assert refused


def test_socketio_answers_an_overlong_or_malformed_message_politely(server: str) -> None:
    async def run() -> list[str]:
        shopper = Shopper(server, "203.0.113.21")
        await shopper.connect("polite-1")
        await shopper.say("é" * 2001, "polite-1")
        await shopper.say("hi", "polite-1", metadata=json.dumps(nested(450)))
        await shopper.say("hi", "polite-1", metadata="{not json")
        await shopper.say(["not", "text"], "polite-1")
        await shopper.say("hi", "../" + "x" * 300)
        await shopper.say("fine", "polite-1", metadata=json.dumps({"page": "/shop"}))
        texts = await shopper.replies(6)
        await shopper.sio.disconnect()
        return texts

    texts = asyncio.run(run())
    assert len(texts) == 6, texts
    assert "longer than 2,000 characters" in texts[0]
    assert "at most 8 levels" in texts[1] or "8,192 bytes" in texts[1]
    assert "not JSON" in texts[2]
    assert "must be text" in texts[3]
    assert "session id" in texts[4]
    assert texts[5] == "you said: fine"
    assert [(m["text"], m["metadata"]) for m in received(server, "polite-1")] == [
        ("fine", {"page": "/shop"})]


def test_socketio_a_megabyte_message_starts_no_turn_and_the_server_keeps_answering(
        server: str) -> None:
    async def run() -> tuple[float, list[str]]:
        shopper = Shopper(server, "203.0.113.22")
        await shopper.connect("mega-1")
        started = time.monotonic()
        try:
            await shopper.say(MB, "mega-1")
            await shopper.replies(1, timeout=5)
        except socketio.exceptions.SocketIOError:
            pass
        elapsed = time.monotonic() - started
        await shopper.sio.disconnect()
        again = Shopper(server, "203.0.113.22")
        await again.connect("mega-1")
        await again.say("hello again", "mega-1")
        texts = await again.replies(1)
        await again.sio.disconnect()
        return elapsed, texts

    elapsed, texts = asyncio.run(run())
    assert elapsed < 10
    assert texts == ["you said: hello again"]
    assert [m["text"] for m in received(server, "mega-1")] == ["hello again"]


def test_socketio_limits_a_conversation_with_a_polite_refusal(server: str) -> None:
    async def run() -> list[str]:
        shopper = Shopper(server, "203.0.113.23")
        await shopper.connect("rate-1")
        for i in range(PER_CONVERSATION + 1):
            await shopper.say(f"m{i}", "rate-1")
        texts = await shopper.replies(PER_CONVERSATION + 1)
        await shopper.sio.disconnect()
        return texts

    texts = asyncio.run(run())
    assert sorted(texts[:PER_CONVERSATION]) == sorted(f"you said: m{i}"
                                                      for i in range(PER_CONVERSATION))
    assert "faster than I can read them" in texts[-1]
    assert len(received(server, "rate-1")) == PER_CONVERSATION


def test_socketio_limits_a_client_address_across_conversations(server: str) -> None:
    async def run() -> list[str]:
        shopper = Shopper(server, "10.9.9.9, 203.0.113.26")  # only the right hop counts
        await shopper.connect("per-client-0")
        for i in range(PER_CLIENT + 1):
            await shopper.say("hi", f"per-client-{i}")
        # Answers go to each conversation's room (only per-client-0's is joined here), a
        # refusal to the sending connection.
        await shopper.wait_for(lambda: any("faster" in m.get("text", "")
                                           for m in shopper.messages))
        await shopper.sio.disconnect()
        return [m.get("text", "") for m in shopper.messages]

    texts = asyncio.run(run())
    assert texts[0] == "you said: hi"
    assert "faster than I can read them" in texts[-1]
    turns = [m for m in httpx.get(f"{server}/received").json()
             if m["sender"].startswith("per-client-")]
    assert len(turns) == PER_CLIENT


def test_socketio_a_bad_session_id_gets_a_fresh_one(server: str) -> None:
    async def run() -> list[str]:
        shopper = Shopper(server, "203.0.113.24")
        await shopper.connect("<script>" * 40)
        await shopper.sio.disconnect()
        return shopper.confirmed

    confirmed = asyncio.run(run())
    assert len(confirmed) == 1 and len(confirmed[0]) == 32 and confirmed[0].isalnum()


def test_an_agent_message_reaches_the_shopper_on_the_same_server(server: str) -> None:
    async def run() -> list[str]:
        shopper = Shopper(server, "203.0.113.25")
        await shopper.connect("agent-1")
        await asyncio.to_thread(httpx.post, f"{server}/agent/agent-1",
                                json={"text": "Hi, this is Sam from the store"})
        texts = await shopper.replies(1)
        await shopper.sio.disconnect()
        return texts

    assert asyncio.run(run()) == ["Hi, this is Sam from the store"]


# Replicas ---------------------------------------------------------------------------------

REDIS_SERVER = "/usr/bin/redis-server"


@contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """A throwaway Redis on a free port (no persistence); yield its URL."""
    if not Path(REDIS_SERVER).exists():
        pytest.fail(f"{REDIS_SERVER} is missing: run `scripts/services.sh install`")
    port = free_port()
    process = subprocess.Popen([REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(workdir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_an_agent_message_sent_on_another_replica_reaches_the_shopper(
        tmp_path: Path) -> None:
    """The shopper's socket is on replica A; the agent's message arrives on B's HTTP API."""
    with redis_server(tmp_path) as redis_url:
        env = {**LIMITS, "AISLE_REDIS_URL": redis_url}
        with channel_server(tmp_path, env) as replica_a, channel_server(tmp_path, env) as replica_b:
            async def run() -> list[str]:
                shopper = Shopper(replica_a, "203.0.113.40")
                await shopper.connect("replicas-1")
                bystander = Shopper(replica_a, "203.0.113.41")
                await bystander.connect("replicas-2")
                sent = await asyncio.to_thread(
                    httpx.post, f"{replica_b}/agent/replicas-1",
                    json={"text": "Hi, this is Sam from the store"})
                assert sent.status_code == 200
                texts = await shopper.replies(1)
                await asyncio.sleep(0.5)
                assert bystander.messages == []  # only the conversation's own room
                await shopper.sio.disconnect()
                await bystander.sio.disconnect()
                return texts

            assert asyncio.run(run()) == ["Hi, this is Sam from the store"]
