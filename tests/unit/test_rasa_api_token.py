"""Rasa's HTTP API token (bot/server.py): read from the environment, never from the command
line, accepted only as ``Authorization: Bearer``, and required by the production profile."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import pytest

from aisle.settings import REPO_ROOT
from bot.server import MIN_TOKEN_CHARS, StartRefused, api_token, bearer_token

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
TOKEN = "t" * 32
RASA_ENV = {"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": os.environ.get("PATH", "")}
needs_rasa = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")


def test_the_token_comes_from_the_environment() -> None:
    assert api_token(["run", "--enable-api"], {"AISLE_RASA_TOKEN": TOKEN}) == TOKEN
    assert api_token(["run", "--enable-api"], {}) is None  # development: an open local API
    assert api_token(["run", "--enable-api"], {"AISLE_RASA_TOKEN": ""}) is None
    assert api_token(["train"], {"AISLE_PROFILE": "production"}) is None


@pytest.mark.parametrize("argv", [["run", "--auth-token", TOKEN], ["run", "-t", TOKEN],
                                  ["run", f"--auth-token={TOKEN}"], ["run", f"-t{TOKEN}"]])
def test_a_token_on_the_command_line_is_refused(argv: list[str]) -> None:
    with pytest.raises(StartRefused) as refused:
        api_token(argv, {"AISLE_RASA_TOKEN": TOKEN})
    assert refused.value.code == 2 and "AISLE_RASA_TOKEN" in refused.value.message


@pytest.mark.parametrize("token", [None, "", "short"])
def test_production_refuses_to_run_without_a_token(token: str | None) -> None:
    environ = {"AISLE_PROFILE": "production", **({"AISLE_RASA_TOKEN": token} if token else {})}
    with pytest.raises(StartRefused, match=f"AISLE_RASA_TOKEN \\(at least {MIN_TOKEN_CHARS}"):
        api_token(["run", "--enable-api"], environ)
    assert api_token(["run"], {"AISLE_PROFILE": "production", "AISLE_RASA_TOKEN": TOKEN}) == TOKEN


def test_bearer_header_parsing() -> None:
    assert bearer_token(f"Bearer {TOKEN}") == TOKEN
    assert bearer_token(f"bearer  {TOKEN} ") == TOKEN
    for header in (None, "", "Bearer", "Bearer ", f"Basic {TOKEN}", TOKEN):
        assert bearer_token(header) is None, header


@needs_rasa
def test_the_server_exits_with_a_message_before_loading_anything() -> None:
    for argv, env in ((["run", "--enable-api", "--auth-token", TOKEN], {}),
                      (["run", "--enable-api"], {"AISLE_PROFILE": "production"})):
        done = subprocess.run([str(RASA_PYTHON), "-m", "bot.server", *argv], cwd=REPO_ROOT,
                              env={**RASA_ENV, **env}, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 2, done.stderr[-2000:]
        assert "AISLE_RASA_TOKEN" in done.stderr and TOKEN not in done.stderr


PROBE = textwrap.dedent('''
    import asyncio, json, socket
    import aiohttp
    import rasa.server
    from bot.server import require_bearer_token

    TOKEN = "t" * 32
    require_bearer_token(TOKEN)
    # As Rasa builds it for `run --enable-api`, given no token (the CLI option is refused).
    app = rasa.server.create_app(agent=None, auth_token=None, cors_origins=[])

    async def main():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = await app.create_server(host="127.0.0.1", port=port,
                                         return_asyncio_server=True)
        await server.startup()
        statuses = {}
        async with aiohttp.ClientSession() as session:
            for path in ("/status", "/conversations/someone/tracker"):
                for name, how in {
                        "nothing": {}, "query": {"params": {"token": TOKEN}},
                        "bearer": {"headers": {"Authorization": "Bearer " + TOKEN}},
                        "wrong": {"headers": {"Authorization": "Bearer " + "x" * 32}},
                        "basic": {"headers": {"Authorization": "Basic " + TOKEN}}}.items():
                    async with session.get(f"http://127.0.0.1:{port}{path}", **how) as answer:
                        statuses[f"{path} {name}"] = answer.status
        server.close()
        print(json.dumps(statuses))

    asyncio.run(main())
''')


@needs_rasa
def test_rasa_accepts_the_token_only_as_a_bearer_header() -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", PROBE], cwd=REPO_ROOT, env=RASA_ENV,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    statuses = json.loads(done.stdout.strip().splitlines()[-1])
    for path in ("/status", "/conversations/someone/tracker"):
        # Past the token check, a server without a model answers 409 ("no agent loaded").
        assert statuses[f"{path} bearer"] == 409, statuses
        for refused in ("nothing", "query", "wrong", "basic"):
            assert statuses[f"{path} {refused}"] == 401, (path, refused, statuses)
