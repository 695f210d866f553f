"""The web app's limits: request bodies refused with 413 before they are read (declared or
streamed, on every route that takes a body; also on a real uvicorn socket), the REST fallback's
message length from the settings checked before anything else runs, ``/api/history`` rate
limited, and every per-client limit counted under the address a *trusted* proxy forwarded."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

import web.app
from aisle.settings import Settings
from tests.unit.test_web_app import PASSWORD, SECRET, _tracker, accounts_with_dana
from web.rasa_api import RasaClient

BODY_ROUTES = ("/api/chat", "/api/events", "/api/agent/login",
               "/api/agent/conversations/needs-help/messages")
#: Routes that read no body: a declared one over the limit is refused all the same.
NO_BODY_ROUTES = ("/api/agent/logout", "/api/agent/conversations/needs-help/takeover",
                  "/api/nowhere")


def _settings(tmp_path: Path, **overrides: Any) -> Settings:
    _tracker(tmp_path / "tracker.sqlite")
    return Settings(data_dir=tmp_path / "data", state_dir=tmp_path,
                    tracker_db=tmp_path / "tracker.sqlite", agent_password=PASSWORD,
                    web_secret=SECRET, state_database_url=f"sqlite:///{tmp_path / 'shop.sqlite'}",
                    **overrides)


@pytest.fixture()
def bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "widget.js").write_text("// bundle")
    return folder


def _app(settings: Settings, bundle: Path, monkeypatch: pytest.MonkeyPatch,
         said: list[str] | None = None) -> FastAPI:
    def rasa(request: httpx.Request) -> httpx.Response:
        if said is not None:
            said.append(json.loads(request.content)["message"])
        return httpx.Response(200, json=[{"recipient_id": "s", "text": "hi"}])

    monkeypatch.setattr(web.app, "RasaClient", lambda url, token: RasaClient(
        url, token, transport=httpx.MockTransport(rasa)))
    return web.app.create_app(settings, bundle_dir=bundle, accounts=accounts_with_dana(settings))


def _call(app: FastAPI, path: str, headers: list[tuple[bytes, bytes]],
          chunks: list[bytes]) -> tuple[int, int]:
    """POST ``chunks`` to ``path`` at the ASGI level: ``(status, chunks the app read)``."""
    read = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read == len(chunks):
            await asyncio.sleep(3600)  # a client that never sends the rest
        read += 1
        return {"type": "http.request", "body": chunks[read - 1],
                "more_body": read < len(chunks)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"shop"), (b"content-type",
                                                                b"application/json"), *headers],
             "client": ("203.0.113.5", 4000), "server": ("shop", 80), "state": {}}
    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=5))
    return next(m["status"] for m in sent if m["type"] == "http.response.start"), read


def test_a_body_declared_at_100_mb_is_refused_before_a_byte_is_read(
        tmp_path: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(_settings(tmp_path), bundle, monkeypatch)
    for path in BODY_ROUTES + NO_BODY_ROUTES:
        status, read = _call(app, path, [(b"content-length", b"104857600")], [b"{}"])
        assert (status, read) == (413, 0), path
    status, read = _call(app, "/api/chat", [(b"content-length", b"12x")], [b"{}"])
    assert (status, read) == (400, 0)


def test_a_1_mb_body_without_a_length_is_read_only_up_to_the_limit(
        tmp_path: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(_settings(tmp_path), bundle, monkeypatch)
    chunks = [b"x" * 4096] * 256  # 1 MiB, chunked
    for path in BODY_ROUTES:
        status, read = _call(app, path, [], chunks)
        assert status == 413, path
        assert read <= 16, f"{path} read {read * 4} KiB of a 1 MiB body"
    for path in NO_BODY_ROUTES:
        assert _call(app, path, [], chunks)[1] <= 1, path


def test_a_real_server_answers_413_to_a_declared_100_mb_body_without_waiting_for_it(
        tmp_path: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = _app(_settings(tmp_path), bundle, monkeypatch)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"POST /api/chat HTTP/1.1\r\nHost: shop\r\n"
                               b"Content-Type: application/json\r\n"
                               b"Content-Length: 104857600\r\n\r\n{\"session_id\": ")
            answer = connection.recv(4096)  # times out if the app waits for the 100 MB
        assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_the_fallback_caps_message_length_from_the_settings_before_rasa_or_limits(
        tmp_path: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    said: list[str] = []
    settings = _settings(tmp_path, max_message_chars=50, messages_per_minute=1)
    with TestClient(_app(settings, bundle, monkeypatch, said)) as client:
        for _ in range(3):  # refused messages use up no rate limit
            response = client.post("/api/chat", json={"session_id": "s1", "message": "x" * 51})
            assert response.status_code == 422 and "50" in response.text
        assert said == []
        ok = client.post("/api/chat", json={"session_id": "s1", "message": "y" * 50})
        assert ok.status_code == 200 and said == ["y" * 50]


def test_flooding_history_gets_429_per_conversation_and_per_client(
        tmp_path: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path, messages_per_minute=2)
    with TestClient(_app(settings, bundle, monkeypatch)) as client:
        codes = [client.get("/api/history/needs-help").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        refused = client.get("/api/history/needs-help")
        assert int(refused.headers["Retry-After"]) >= 1 and "wait" in refused.json()["detail"]
        # Another conversation is not slowed down, but one client trying many ids is.
        codes = [client.get(f"/api/history/guess-{i}").status_code for i in range(25)]
        assert codes[0] == 200 and codes[-1] == 429


def _sign_in(client: TestClient, forwarded: str | None, password: str = "wrong") -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post("/api/agent/login", headers=headers,
                       json={"name": "dana", "password": password}).status_code


@pytest.fixture()
def behind_proxy(tmp_path: Path, bundle: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    settings = _settings(tmp_path, trusted_proxies="127.0.0.1, 10.0.0.0/8",
                         messages_per_minute=1)
    with TestClient(_app(settings, bundle, monkeypatch), client=("127.0.0.1", 4000)) as client:
        yield client


def test_a_trusted_proxy_s_forwarded_address_is_what_sign_ins_are_throttled_by(
        behind_proxy: TestClient) -> None:
    codes = [_sign_in(behind_proxy, "198.51.100.7") for _ in range(11)]
    assert codes == [401] * 10 + [429]
    # Another shopper behind the same proxy is not locked out by the first one's guesses.
    assert _sign_in(behind_proxy, "198.51.100.8") == 401
    assert _sign_in(behind_proxy, "198.51.100.8", PASSWORD) == 200
    # A client cannot pick its address by writing the header itself: the proxy's hop counts.
    assert _sign_in(behind_proxy, "198.51.100.8, 198.51.100.7") == 429
    audit = behind_proxy.app.state.auth.accounts.audit_log()  # type: ignore[attr-defined]
    assert {row.client for row in audit if row.action.startswith("sign")} == {
        "198.51.100.7", "198.51.100.8"}


def test_shopper_limits_count_the_forwarded_client(behind_proxy: TestClient) -> None:
    def click(conversation: str, forwarded: str) -> int:
        return behind_proxy.post("/api/events", headers={"X-Forwarded-For": forwarded}, json={
            "kind": "card_click", "conversation_id": conversation}).status_code

    # Per client: ten times the per-minute messages (10), across conversations.
    codes = [click(f"c{i}", "198.51.100.7") for i in range(11)]
    assert codes == [204] * 10 + [429]
    assert click("c-other", "198.51.100.9") == 204


def test_forwarded_addresses_from_an_unconfigured_peer_are_ignored(
        tmp_path: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(tmp_path, trusted_proxies="10.0.0.0/8")
    with TestClient(_app(settings, bundle, monkeypatch), client=("203.0.113.5", 4000)) as client:
        codes = [_sign_in(client, f"198.51.100.{i}") for i in range(11)]
    assert codes == [401] * 10 + [429], "a new X-Forwarded-For per guess changes nothing"


def test_a_bad_trusted_proxies_setting_stops_the_app_with_its_text(
        tmp_path: Path, bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from web.auth import ConfigurationError

    with pytest.raises(ConfigurationError, match="AISLE_TRUSTED_PROXIES.*nonsense"):
        _app(_settings(tmp_path, trusted_proxies="127.0.0.1, nonsense"), bundle, monkeypatch)
