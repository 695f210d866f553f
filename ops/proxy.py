"""The nginx configuration of the scale-out topology on one machine.

Two round-robin upstreams: the Rasa replicas (the shoppers' entry point) and the action workers
(the action endpoint every replica calls). The shoppers' front end passes only what shoppers
use (:data:`SHOPPER_LOCATIONS`): Rasa's channels (``/webhooks/...``, ``/socket.io/``), a
``/health`` check and, when web app ports are given, the storefront's pages, images, scripts
and shopper API. Everything else, Rasa's HTTP API above all (trackers, model, ``/status``) and
the agent console, is a 404 there: it stays on the servers' own loopback ports. Each location
passes nginx's normalised path (``proxy_pass`` with a URI), not the raw one, so
``/conversations/x/../../webhooks/...`` cannot reach the API by a path Rasa reads otherwise. The action gateway turns "no worker answered"
(502/503/504) and a crashed action (500) into an action result holding one short apology, so a
shopper sees "having trouble, try again" instead of silence while the workers are down; Rasa
records the action with no events, so slots and cart are untouched and the next turn carries on.
A 4xx (a form's validation rejection) passes through unchanged.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from pathlib import Path

TROUBLE_TEXT = "Sorry, I'm having trouble right now. Please try again in a moment."
#: What the action gateway answers for Rasa when no action worker could run the action.
TROUBLE_RESPONSE = {"events": [], "responses": [{"text": TROUBLE_TEXT}]}


#: ``(location, upstream, path upstream)`` of the shoppers' front end: Rasa's channels
#: (socket.io on an ``ip_hash`` upstream: its polling transport keeps state per connection), a
#: health check answered by the REST channel, and the web app's shopper routes.
SHOPPER_LOCATIONS = (
    ("/webhooks/", "rasa_replicas", "/webhooks/"),
    ("/socket.io/", "rasa_sockets", "/socket.io/"),
    ("= /health", "rasa_replicas", "/webhooks/rest/"),
)
WEB_LOCATIONS = (
    ("= /", "web_app", "/"),
    ("/static/", "web_app", "/static/"),
    ("/images/", "web_app", "/images/"),
    ("= /api/chat", "web_app", "/api/chat"),
    ("= /api/events", "web_app", "/api/events"),
    ("/api/history/", "web_app", "/api/history/"),
)
#: Requests that must never pass the front end (sent raw, so dot segments and escapes stay as
#: written): Rasa's HTTP API however spelled, and the agent console.
API_PROBES: tuple[tuple[str, str], ...] = (
    ("GET", "/status"), ("GET", "/version"), ("GET", "/domain"), ("GET", "/"),
    ("GET", "/conversations/canary/tracker"), ("GET", "/conversations/canary/story"),
    ("POST", "/conversations/canary/tracker/events"), ("PUT", "/conversations/canary/tracker/events"),
    ("POST", "/conversations/canary/messages"), ("POST", "/conversations/canary/trigger_intent"),
    ("POST", "/conversations/canary/execute"), ("POST", "/conversations/canary/predict"),
    ("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train"), ("POST", "/model/parse"),
    ("POST", "/model/predict"), ("POST", "/model/test/intents"), ("POST", "/model/test/stories"),
    ("GET", "/STATUS"), ("GET", "//status"), ("GET", "/status/"), ("GET", "/status?token=x"),
    ("GET", "/webhooks/../status"), ("GET", "/webhooks/%2e%2e/status"),
    ("GET", "/webhooks/..%2fstatus"), ("GET", "/webhooks/..%2Fconversations/canary/tracker"),
    ("GET", "/socket.io/../conversations/canary/tracker"),
    ("GET", "/conversations/canary/../../webhooks/rest/tracker"),
    ("POST", "/conversations/a/../../webhooks/x/tracker/events"),
    ("GET", "/health/../status"), ("GET", "/agent"), ("GET", "/api/agent/conversations"),
    ("POST", "/api/agent/login"), ("GET", "/insights"), ("GET", "/docs"),
)
#: What a probe may get: nginx's own refusal of a path it will not pass.
REFUSED_STATUSES = frozenset({400, 404})


def _upstream(name: str, ports: Sequence[int], balance: str = "") -> str:
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=5s;" for port in ports)
    return f"  upstream {name} {{\n{balance}{servers}\n    keepalive 32;\n  }}\n"


def _location(match: str, upstream: str, path: str, proxy: str) -> str:
    return f"    location {match} {{\n{proxy}      proxy_pass http://{upstream}{path};\n    }}\n"


def nginx_config(workdir: Path, rasa_ports: Sequence[int], action_ports: Sequence[int],
                 listen_port: int, action_gateway_port: int, read_timeout_s: int = 300,
                 web_ports: Sequence[int] = ()) -> str:
    """nginx.conf text: ``listen_port`` → the shopper routes of the Rasa replicas (and of the
    web app on ``web_ports``), ``action_gateway_port`` → workers.

    Everything nginx writes (pid, logs, temp files) stays in ``workdir``. Both upstreams retry
    the next server only when a connection could not be made (nginx never resends a POST that
    reached a server), so no message or action runs twice; a slow answer is waited for
    (``read_timeout_s``) and does not mark a busy server as failed, because a turn answered late
    by its replica is better than a 504 while that replica still runs it.
    """
    temp = workdir / "nginx-tmp"
    shopper_locations = SHOPPER_LOCATIONS + (WEB_LOCATIONS if web_ports else ())
    trouble = json.dumps(TROUBLE_RESPONSE).replace("'", "\\u0027")  # no quote for nginx
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers need the (private) workdir
    proxy = (
        "      proxy_http_version 1.1;\n"
        "      proxy_set_header Upgrade $http_upgrade;\n"
        "      proxy_set_header Connection $connection_upgrade;\n"
        "      proxy_set_header Host $host;\n"
        "      proxy_set_header X-Forwarded-For $remote_addr;\n"
        f"      proxy_read_timeout {read_timeout_s}s;\n"
        "      proxy_next_upstream error;\n"
    )
    return (
        f"{user}worker_processes 1;\n"
        f"pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'nginx-error.log'} warn;\n"
        "events { worker_connections 2048; }\n"
        "http {\n"
        "  access_log off;\n"
        f"  client_body_temp_path {temp / 'body'};\n"
        f"  proxy_temp_path {temp / 'proxy'};\n"
        f"  fastcgi_temp_path {temp / 'fastcgi'};\n"
        f"  uwsgi_temp_path {temp / 'uwsgi'};\n"
        f"  scgi_temp_path {temp / 'scgi'};\n"
        "  client_max_body_size 1m;\n"
        "  server_tokens off;\n"
        # A websocket upgrade passes through; any other request keeps the upstream keepalive.
        "  map $http_upgrade $connection_upgrade {\n    default upgrade;\n    '' '';\n  }\n"
        + _upstream("rasa_replicas", rasa_ports)
        + _upstream("rasa_sockets", rasa_ports, "    ip_hash;\n")
        + _upstream("action_workers", action_ports)
        + (_upstream("web_app", web_ports) if web_ports else "")
        + f"  server {{\n    listen 127.0.0.1:{listen_port};\n"
        + "".join(_location(*where, proxy) for where in shopper_locations)
        + "    location / {\n      return 404;\n    }\n  }\n"
        f"  server {{\n    listen 127.0.0.1:{action_gateway_port};\n"
        f"    location / {{\n{proxy}      proxy_intercept_errors on;\n"
        "      error_page 500 502 503 504 = @trouble;\n"
        "      proxy_pass http://action_workers;\n    }\n"
        "    location @trouble {\n      default_type application/json;\n"
        f"      return 200 '{trouble}';\n    }}\n  }}\n"
        "}\n"
    )


def write_nginx_config(workdir: Path, **ports: object) -> Path:
    """Write :func:`nginx_config` to ``workdir/nginx.conf`` (and its temp folders); return it."""
    (workdir / "nginx-tmp").mkdir(parents=True, exist_ok=True)
    path = workdir / "nginx.conf"
    path.write_text(nginx_config(workdir, **ports))  # type: ignore[arg-type]
    return path


def probe_front_end(host: str, port: int, timeout: float = 10.0) -> list[str]:
    """Send every :data:`API_PROBES` request raw to the front end; one line per probe that
    got anything but nginx's refusal (:data:`REFUSED_STATUSES`)."""
    problems = []
    for method, path in API_PROBES:
        request = (f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                   "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
        try:
            with socket.create_connection((host, port), timeout=timeout) as connection:
                connection.sendall(request.encode())
                status_line = connection.makefile("rb").readline().decode("latin-1")
        except OSError as error:
            problems.append(f"{method} {path}: {type(error).__name__}")
            continue
        parts = status_line.split()
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        if status not in REFUSED_STATUSES:
            problems.append(f"{method} {path}: the front end answered {status_line.strip()!r}")
    return problems
