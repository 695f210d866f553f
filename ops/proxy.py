"""The nginx configuration of the scale-out topology on one machine.

Two round-robin upstreams: the Rasa replicas (the shoppers' entry point) and the action workers
(the action endpoint every replica calls). The action gateway turns "no worker answered"
(502/503/504) and a crashed action (500) into an action result holding one short apology, so a
shopper sees "having trouble, try again" instead of silence while the workers are down; Rasa
records the action with no events, so slots and cart are untouched and the next turn carries on.
A 4xx (a form's validation rejection) passes through unchanged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

TROUBLE_TEXT = "Sorry, I'm having trouble right now. Please try again in a moment."
#: What the action gateway answers for Rasa when no action worker could run the action.
TROUBLE_RESPONSE = {"events": [], "responses": [{"text": TROUBLE_TEXT}]}


def _upstream(name: str, ports: Sequence[int]) -> str:
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=2 fail_timeout=5s;" for port in ports)
    return f"  upstream {name} {{\n{servers}\n    keepalive 32;\n  }}\n"


def nginx_config(workdir: Path, rasa_ports: Sequence[int], action_ports: Sequence[int],
                 listen_port: int, action_gateway_port: int, read_timeout_s: int = 300) -> str:
    """nginx.conf text: ``listen_port`` → Rasa replicas, ``action_gateway_port`` → workers.

    Everything nginx writes (pid, logs, temp files) stays in ``workdir``. Both upstreams retry
    the next server only when a connection could not be made (nginx never resends a POST that
    reached a server), so no message or action runs twice; a slow answer is waited for
    (``read_timeout_s``) and does not mark a busy server as failed, because a turn answered late
    by its replica is better than a 504 while that replica still runs it.
    """
    temp = workdir / "nginx-tmp"
    trouble = json.dumps(TROUBLE_RESPONSE).replace("'", "\\u0027")  # no quote for nginx
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers need the (private) workdir
    proxy = (
        "      proxy_http_version 1.1;\n"
        "      proxy_set_header Connection \"\";\n"
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
        + _upstream("rasa_replicas", rasa_ports)
        + _upstream("action_workers", action_ports)
        + f"  server {{\n    listen 127.0.0.1:{listen_port};\n"
        f"    location / {{\n{proxy}      proxy_pass http://rasa_replicas;\n    }}\n  }}\n"
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
