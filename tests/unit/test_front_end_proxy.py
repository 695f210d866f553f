"""The production front end (ops/proxy.py) with a real nginx in front of stub upstreams: Rasa's
HTTP API and the agent console are refused however the path is spelled, and the shopper routes
reach their upstream with a normalised path."""

from __future__ import annotations

import posixpath
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx
import pytest

from ops.proxy import API_PROBES, SHOPPER_LOCATIONS, probe_front_end, write_nginx_config
from ops.servers import NGINX, free_port

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="no nginx")


@dataclass
class Stub:
    """An upstream that answers every request with its name and remembers the paths."""

    name: str
    paths: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self) -> int:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                stub.paths.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                body = stub.name.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return int(self.server.server_address[1])


@dataclass
class FrontEnd:
    port: int
    rasa: list[Stub]
    web: Stub

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rasa_paths(self) -> list[str]:
        return [path for stub in self.rasa for path in stub.paths]


@pytest.fixture()
def front_end(tmp_path: Path) -> Iterator[FrontEnd]:
    rasa, actions, web = [Stub("rasa-0"), Stub("rasa-1")], Stub("actions"), Stub("web")
    rasa_ports = [stub.start() for stub in rasa]
    port = free_port()
    conf = write_nginx_config(tmp_path, rasa_ports=rasa_ports, action_ports=[actions.start()],
                              listen_port=port, action_gateway_port=free_port(),
                              web_ports=[web.start()])
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert nginx.poll() is None, nginx.stderr and nginx.stderr.read()
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.1)
        yield FrontEnd(port, rasa, web)
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)
        for stub in (*rasa, actions, web):
            assert stub.server is not None
            stub.server.shutdown()


def test_rasa_api_and_console_are_refused_however_spelled(front_end: FrontEnd) -> None:
    for stub in front_end.rasa:
        stub.paths.clear()
    front_end.web.paths.clear()
    passed = {line.split(":")[0] for line in probe_front_end("127.0.0.1", front_end.port)}
    # Only probes that normalise into a shopper route pass (the stubs answer 200; a real
    # Rasa answers 404 for /webhooks/x/tracker/events), and only as that normalised path.
    normalised = {f"{method} {path}": _normalised(path) for method, path in API_PROBES}
    assert passed == {probe for probe, path in normalised.items()
                      if path.startswith(("/webhooks/", "/socket.io/")) or path == "/"}
    assert sorted(front_end.rasa_paths()) == sorted(
        path for path in normalised.values() if path.startswith("/webhooks/"))
    assert front_end.web.paths == ["/"]  # the storefront page; without a web app, a 404


def _normalised(path: str) -> str:
    clean = posixpath.normpath(unquote(urlsplit(path).path)).replace("//", "/")
    return clean + ("/" if path.endswith("/") and clean != "/" else "")


def test_shopper_routes_reach_their_upstream(front_end: FrontEnd) -> None:
    with httpx.Client(base_url=front_end.url) as client:
        assert client.post("/webhooks/rest/webhook", json={}).text.startswith("rasa-")
        polled = client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
        assert polled.text.startswith("rasa-")
        assert client.get("/health").text.startswith("rasa-")
        for path in ("/", "/static/widget.js", "/images/mh01-gray_main.jpg", "/api/history/abc"):
            assert client.get(path).text == "web", path
        for path in ("/api/chat", "/api/events"):
            assert client.post(path, json={}).text == "web", path
    seen = front_end.rasa_paths()
    assert "/webhooks/rest/webhook" in seen and "/webhooks/rest/" in seen  # health
    assert "/socket.io/?EIO=4&transport=polling" in seen
    assert front_end.web.paths == ["/", "/static/widget.js", "/images/mh01-gray_main.jpg",
                                   "/api/history/abc", "/api/chat", "/api/events"]


def test_the_front_end_lists_only_channels_and_health() -> None:
    assert {where for where, _, _ in SHOPPER_LOCATIONS} == {"/webhooks/", "/socket.io/",
                                                            "= /health"}
