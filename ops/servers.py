"""Start the real Rasa server and action server on free ports (end-to-end tests, benchmarks)."""

from __future__ import annotations

import os
import secrets
import signal
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
#: Rasa's command line with Aisle's fixes (bot/server.py), in the Rasa venv.
RASA_SERVER = (str(REPO_ROOT / ".venv-rasa" / "bin" / "python"), "-m", "bot.server")


def api_headers(token: str | None) -> dict[str, str]:
    """Headers carrying Rasa's HTTP API token (``bot/server.py`` refuses it in the URL)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process_group(process: subprocess.Popen, grace: float = 60) -> None:
    """SIGTERM to the process group ``process`` leads (started with ``start_new_session``),
    then SIGKILL when it has not ended within ``grace`` seconds."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


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
        response = client.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                              headers=api_headers(self.token))
        response.raise_for_status()
        return response.json()


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float,
                  headers: dict[str, str] | None = None) -> None:
    """Poll ``url`` until it answers 200; fail early when ``process`` exits or the model fails."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; log:\n{log.read_text()[-4000:]}")
        if "Could not load model" in log.read_text(errors="replace"):
            raise RuntimeError(f"the Rasa model did not load; log:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2, headers=headers).status_code == 200:
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

    With ``token``, Rasa's HTTP API requires it as ``Authorization: Bearer`` (passed to Rasa in
    ``AISLE_RASA_TOKEN``, never on its command line), as ``make run`` does when that is set. With ``web``, the web app (widget and agent console) starts
    too, on its own free port; pass ``AISLE_AGENT_PASSWORD`` in ``extra_env`` to sign in.
    """
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
    action_port, rasa_port = free_port(), free_port()
    web_port = free_port() if web else None
    env = {
        # The API is open or not as ``token`` says, whatever this process's environment holds.
        **{name: value for name, value in os.environ.items() if name != "AISLE_RASA_TOKEN"},
        "PYTHONPATH": str(REPO_ROOT),
        "HF_HUB_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
        "ANONYMIZED_TELEMETRY": "False",
        "AISLE_ACTION_PORT": str(action_port),
        "AISLE_ACTION_URL": f"http://127.0.0.1:{action_port}/webhook",
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
                [*RASA_SERVER, "run", "--enable-api",
                 "-i", "127.0.0.1", "-p", str(rasa_port), "--credentials", "credentials.yml",
                 "--endpoints", "endpoints.yml", "--model", str(MODEL)],
                cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
        wait_until_up(f"http://127.0.0.1:{action_port}/health", processes[0], action_log, timeout)
        wait_until_up(f"http://127.0.0.1:{rasa_port}/status", processes[1], rasa_log, timeout,
                      headers=api_headers(token))
        if web_port:
            web_log = workdir / "web.log"
            with web_log.open("w") as out:
                processes.append(subprocess.Popen(
                    [str(REPO_ROOT / ".venv/bin/python"), "-m", "web"],
                    cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT))
            wait_until_up(f"http://127.0.0.1:{web_port}/agent", processes[2], web_log, timeout)
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


# --- The production topology on one machine -------------------------------------------------

NGINX = "/usr/sbin/nginx"


@dataclass
class ManagedProcess:
    """One server process of a cluster that a test may kill and start again."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    health_url: str
    process: subprocess.Popen | None = None
    health_headers: dict[str, str] | None = None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(self.argv, cwd=REPO_ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT)

    def wait_up(self, timeout: float) -> None:
        assert self.process is not None, f"{self.name} was never started"
        wait_until_up(self.health_url, self.process, self.log, timeout, self.health_headers)

    def kill(self) -> None:
        """Kill the process abruptly (SIGKILL), as a crash would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.poll() is None else None


@dataclass
class RunningCluster:
    """Rasa replicas and action workers behind one nginx (see :mod:`ops.proxy`)."""

    proxy_url: str
    replica_urls: list[str]
    action_gateway_url: str
    processes: dict[str, ManagedProcess]
    env: dict[str, str]
    startup_seconds: float
    token: str | None = None

    def say(self, sender: str, text: str, client: httpx.Client,
            via: str | None = None) -> list[dict]:
        """Send one message through the proxy (or straight to replica URL ``via``)."""
        response = client.post(f"{via or self.proxy_url}/webhooks/rest/webhook",
                               json={"sender": sender, "message": text})
        response.raise_for_status()
        return response.json()

    def tracker(self, sender: str, client: httpx.Client, via: str | None = None) -> dict:
        """The tracker from replica ``via`` (default: the first): the proxy does not expose
        Rasa's HTTP API."""
        response = client.get(f"{via or self.replica_urls[0]}/conversations/{sender}/tracker",
                              headers=api_headers(self.token))
        response.raise_for_status()
        return response.json()

    def pids(self) -> dict[str, int]:
        """Process id of every running server (nginx's master included)."""
        return {name: p.pid for name, p in self.processes.items() if p.pid is not None}

    def restart(self, name: str, timeout: float = 600) -> None:
        """Start server ``name`` again (after :meth:`ManagedProcess.kill`) and wait for it."""
        process = self.processes[name]
        process.stop()
        process.start()
        process.wait_up(timeout)


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every server process of Aisle runs with."""
    return {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_TELEMETRY_ENABLED": "false",
        "ANONYMIZED_TELEMETRY": "False",
        "TOKENIZERS_PARALLELISM": "false",
        **(extra or {}),
    }


def _rasa_argv(port: int, endpoints: str) -> list[str]:
    return [*RASA_SERVER, "run", "--enable-api", "-i", "127.0.0.1",
            "-p", str(port), "--credentials", "credentials.yml", "--endpoints", endpoints,
            "--model", str(MODEL)]


@contextmanager
def running_cluster(workdir: Path, service_env: dict[str, str], replicas: int = 2,
                    action_workers: int = 2, timeout: float = 600, token: str | None = None,
                    proxy_port: int | None = None) -> Iterator[RunningCluster]:
    """Start the production topology: ``replicas`` Rasa servers sharing the PostgreSQL tracker
    store and the Redis lock store, ``action_workers`` action servers on the Chroma server and
    PostgreSQL, and nginx in front of each group. Stop everything afterwards.

    ``service_env`` holds the production ``AISLE_*`` URLs (``scripts/services.sh env``).
    Rasa's HTTP API requires ``token`` (a random one when ``None``: the production profile
    refuses to run without), passed in ``AISLE_RASA_TOKEN``; nginx exposes only the shopper
    channels and health (:mod:`ops.proxy`), so the API is reached on the replicas' own ports.
    The servers share ``AISLE_PII_SECRET`` from ``service_env`` or this environment, else a
    random one for this cluster's life (the production profile requires one).
    """
    from aisle.runtime_env import runtime_env
    from aisle.settings import Settings

    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
    if not Path(NGINX).exists():
        raise RuntimeError(f"{NGINX} missing: run `scripts/services.sh install`")
    rasa_ports = [free_port() for _ in range(replicas)]
    action_ports = [free_port() for _ in range(action_workers)]
    proxy_port, gateway_port = proxy_port or free_port(), free_port()
    gateway = f"http://127.0.0.1:{gateway_port}/webhook"
    overrides = {k.removeprefix("AISLE_").lower(): v for k, v in service_env.items()}
    token = token or secrets.token_urlsafe(32)
    settings = Settings(**{**overrides, "profile": "production", "action_url": gateway,
                           "rasa_token": token})
    pii_secret = (service_env.get("AISLE_PII_SECRET") or os.environ.get("AISLE_PII_SECRET")
                  or secrets.token_hex(32))
    env = server_env({**service_env, **runtime_env(settings), "AISLE_PII_SECRET": pii_secret})
    # nginx (ops.proxy) on loopback writes X-Forwarded-For: without trusting it, every shopper
    # would share one client address in the replicas' rate limits.
    env["AISLE_TRUSTED_PROXIES"] = env.get("AISLE_TRUSTED_PROXIES") or "127.0.0.1"
    processes: dict[str, ManagedProcess] = {}
    for i, port in enumerate(action_ports):
        processes[f"actions-{i}"] = ManagedProcess(
            f"actions-{i}", [str(REPO_ROOT / ".venv/bin/python"), "-m", "actions.server"],
            {**env, "AISLE_ACTION_PORT": str(port)}, workdir / f"actions-{i}.log",
            f"http://127.0.0.1:{port}/health")
    for i, port in enumerate(rasa_ports):
        processes[f"rasa-{i}"] = ManagedProcess(
            f"rasa-{i}", _rasa_argv(port, env["AISLE_ENDPOINTS"]), env,
            workdir / f"rasa-{i}.log", f"http://127.0.0.1:{port}/status",
            health_headers=api_headers(token))
    from ops.proxy import write_nginx_config

    conf = write_nginx_config(workdir, rasa_ports=rasa_ports, action_ports=action_ports,
                              listen_port=proxy_port, action_gateway_port=gateway_port)
    processes["nginx"] = ManagedProcess(
        "nginx", [NGINX, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"], env,
        workdir / "nginx.log", f"http://127.0.0.1:{gateway_port}/health")
    started = time.monotonic()
    try:
        for process in processes.values():
            process.start()
        for process in processes.values():
            process.wait_up(timeout)
        yield RunningCluster(
            proxy_url=f"http://127.0.0.1:{proxy_port}",
            replica_urls=[f"http://127.0.0.1:{port}" for port in rasa_ports],
            action_gateway_url=gateway,
            processes=processes,
            env=env,
            startup_seconds=time.monotonic() - started,
            token=token,
        )
    finally:
        for process in processes.values():
            process.stop()
