"""The channels apologise for a silent turn when the action server is down (Rasa venv).

Checked on the wrapper the REST and socket.io channels share
(:mod:`bot.channels.unavailable`), with Rasa's collecting output channel and a real HTTP
server standing in for a healthy action server.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from aisle.settings import REPO_ROOT
from ops.servers import free_port

PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = """
import asyncio, json, sys
from aiohttp import web
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from bot.channels.unavailable import APOLOGY, apologise_when_actions_down

DOWN = "http://127.0.0.1:%(down)d/webhook"
UP = "http://127.0.0.1:%(up)d/webhook"

async def silent(message):
    return None

async def answers(message):
    await message.output_channel.send_text_message(message.sender_id, "Here you go")

async def turn(handler, url):
    out = CollectingOutputChannel()
    await apologise_when_actions_down(handler, url)(UserMessage("hi", out, "shopper-1"))
    return [m.get("text") for m in out.messages]

async def main():
    app = web.Application()
    app.router.add_get("/health", lambda request: web.json_response({"status": "ok"}))
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", %(up)d).start()
    result = {
        "silent_down": await turn(silent, DOWN),
        "answered_down": await turn(answers, DOWN),
        "silent_up": await turn(silent, UP),
        "apology": APOLOGY,
    }
    await runner.cleanup()
    print(json.dumps(result))

asyncio.run(main())
"""


def test_a_silent_turn_gets_an_apology_only_while_the_action_server_is_down() -> None:
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run `make setup`")
    script = SCRIPT % {"down": free_port(), "up": free_port()}
    done = subprocess.run([str(PYTHON), "-c", script], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["silent_down"] == [result["apology"]]
    assert result["answered_down"] == ["Here you go"], "a turn that answered gets nothing more"
    assert result["silent_up"] == [], "a held conversation stays silent while actions are up"
