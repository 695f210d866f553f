"""The fixed socket.io channel (bot/channels/socketio.py) in the Rasa environment.

Rasa's own channel emits typed payloads as keyword arguments (a TypeError with
python-socketio 5) and never awaits ``enter_room``; these check ours against a recording
server, in the Rasa venv where it runs.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from aisle.settings import REPO_ROOT

PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = """
import asyncio, json
from bot.channels.socketio import AisleSocketIOInput, AisleSocketIOOutput

class RecordingServer:
    def __init__(self):
        self.emitted, self.rooms = [], []
    async def emit(self, event, data=None, room=None, **kwargs):
        self.emitted.append([event, data, room])
    async def enter_room(self, sid, room, namespace=None):
        self.rooms.append([sid, room])

async def main():
    sio = RecordingServer()
    out = AisleSocketIOOutput(sio, "bot_uttered")
    await out.send_response("s1", {"text": "Here are 2 matches:", "timestamp": 1.0,
        "custom": {"type": "products", "products": [{"id": "MH01"}]}, "buttons": None})
    await out.send_custom_json("s1", {"type": "cart", "items": []})
    await out.send_text_message("s1", "Hello\\n\\nthere")
    channel = AisleSocketIOInput.from_credentials({"session_persistence": True})
    print(json.dumps({"emitted": sio.emitted, "name": channel.name(),
                      "output": type(channel.get_output_channel()).__name__}))

asyncio.run(main())
"""


def test_each_bot_message_is_one_event_to_the_session_room() -> None:
    if not PYTHON.exists():
        pytest.fail(f"{PYTHON} is missing: run `make setup`")
    done = subprocess.run([str(PYTHON), "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["emitted"] == [
        ["bot_uttered", {"text": "Here are 2 matches:",
                         "custom": {"type": "products", "products": [{"id": "MH01"}]}}, "s1"],
        ["bot_uttered", {"custom": {"type": "cart", "items": []}}, "s1"],
        ["bot_uttered", {"text": "Hello\n\nthere"}, "s1"],
    ]
    assert result["name"] == "socketio"  # ?output_channel=socketio on the HTTP API finds it
    assert result["output"] == "NoneType"  # no server before Rasa builds the blueprint
