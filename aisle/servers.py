"""Start the real Rasa server and action server on free ports (end-to-end tests, benchmarks)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from aisle.settings import REPO_ROOT

MODEL = REPO_ROOT / "models" / "aisle.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningAssistant:
    rasa_url: str
    action_url: str
    tracker_db: Path
    logs: Path
    pids: dict[str, int]
    startup_seconds: float
    token: str | None = None
    web_url: str | None = None

    def say(self, sender: str, text: str, client: httpx.Client) -> list[dict]:
        """Send one message over the REST channel and return the bot's messages."""
        response = client.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str, client: httpx.Client) -> dict:
        params = {"token": self.token} if self.token else None
        response = client.get(f"{self.rasa_url}/conversations/{sender}/tracker", params=params)
        response.raise_for_status()
        return response.json()


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; log:\n{log.read_text()[-4000:]}")
        if "Could not load model" in log.read_text(errors="replace"):
            raise RuntimeError(f"the Rasa model did not load; log:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{url} not up after {timeout:.0f}s; log:\n{log.read_text()[-4000:]}")


@contextmanager
def running_assistant(workdir: Path, extra_env: dict[str, str] | None = None,
                      timeout: float = 300, token: str | None = None,
                      web: bool = False) -> Iterator[RunningAssistant]:
    """Start both servers with a fresh tracker store in ``workdir``; stop them afterwards.

    With ``token``, Rasa's HTTP API requires it (``--auth-token``), as ``make run`` does when
    ``AISLE_RASA_TOKEN`` is set. With ``web``, the web app (widget and agent console) starts
    too, on its own free port; pass ``AISLE_AGENT_PASSWORD`` in ``extra_env`` to sign in.
    """
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
    action_port, rasa_port = free_port(), free_port()
    web_port = free_port() if web else None
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "HF_HUB_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
        "ANONYMIZED_TELEMETRY": "False",
        "AISLE_ACTION_PORT": str(action_port),
        "AISLE_ACTION_URL": f"http://localhost:{action_port}/webhook",
        "AISLE_TRACKER_DB": str(workdir / "tracker.sqlite"),
        "AISLE_RASA_PORT": str(rasa_port),
        "AISLE_INTERNAL_TOKEN": secrets.token_urlsafe(24),
        **({"AISLE_RASA_TOKEN": token} if token else {}),
        **({"AISLE_WEB_PORT": str(web_port)} if web_port else {}),
        **(extra_env or {}),
    }
    action_log, rasa_log = workdir / "actions.log", workdir / "rasa.log"
    processes: list[subprocess.Popen] = []
    started = time.monotonic()
    try:
        with action_log.open("w") as out:
            processes.append(subprocess.Popen(
                [str(REPO_ROOT / ".venv/bin/python"), "-m", "actions.server"],
                cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        with rasa_log.open("w") as out:
            processes.append(subprocess.Popen(
                [str(REPO_ROOT / ".venv-rasa/bin/rasa"), "run", "--enable-api",
                 "-i", "127.0.0.1", "-p", str(rasa_port), "--credentials", "credentials.yml",
                 "--endpoints", "endpoints.yml", "--model", str(MODEL),
                 *(["--auth-token", token] if token else [])],
                cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        _wait_until_up(f"http://127.0.0.1:{action_port}/health", processes[0], action_log, timeout)
        status = f"http://127.0.0.1:{rasa_port}/status" + (f"?token={token}" if token else "")
        _wait_until_up(status, processes[1], rasa_log, timeout)
        if web_port:
            web_log = workdir / "web.log"
            with web_log.open("w") as out:
                processes.append(subprocess.Popen(
                    [str(REPO_ROOT / ".venv/bin/python"), "-m", "web"],
                    cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
            _wait_until_up(f"http://127.0.0.1:{web_port}/agent", processes[2], web_log, timeout)
        yield RunningAssistant(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            action_url=f"http://127.0.0.1:{action_port}",
            tracker_db=workdir / "tracker.sqlite",
            logs=workdir,
            pids={name: p.pid for name, p in zip(("actions", "rasa", "web"), processes,
                                                 strict=False)},
            startup_seconds=time.monotonic() - started,
            token=token,
            web_url=f"http://127.0.0.1:{web_port}" if web_port else None,
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
