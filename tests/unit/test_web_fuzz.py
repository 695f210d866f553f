"""2,000 hostile inputs against the web app's API (in process, Rasa answered by a fake).

The same seeded cases as the REST-channel fuzzer (``ops.fuzz``), re-addressed to the web
app's shopper endpoints (REST fallback, click events, history) and the console's sign-in: no
5xx, no stack trace, no secret or other shopper's data in any response, and the event table
holds exactly the events that were accepted, its SQLite file intact.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import httpx
from fastapi.testclient import TestClient

import web.app
from aisle.settings import Settings
from ops.fuzz import Canary, check_response, generate_cases
from tests.unit.test_web_app import PASSWORD, SECRET, _tracker
from web.rasa_api import RasaClient

CANARY = Canary(sender="canary-shopper", email="canary.private@example.org",
                order_number="000000777", secrets=(PASSWORD, SECRET))


def _fake_rasa(request: httpx.Request) -> httpx.Response:
    """Rasa's REST channel as seen by the web app: one reply to the sender who wrote."""
    sender = json.loads(request.content)["sender"]
    return httpx.Response(200, json=[{"recipient_id": sender, "text": "I can help with products."}])


def test_2000_hostile_inputs_against_the_web_api(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bundle = tmp_path / "dist"
    bundle.mkdir()
    (bundle / "widget.js").write_text("// bundle")
    _tracker(tmp_path / "tracker.sqlite")
    shop = tmp_path / "shop.sqlite"
    settings = Settings(data_dir=tmp_path / "data", state_dir=tmp_path,
                        tracker_db=tmp_path / "tracker.sqlite", agent_password=PASSWORD,
                        web_secret=SECRET, messages_per_minute=100_000,
                        state_database_url=f"sqlite:///{shop}")
    monkeypatch.setattr(web.app, "RasaClient", lambda url, token: RasaClient(
        url, token, transport=httpx.MockTransport(_fake_rasa)))
    accepted_events, statuses = 0, {}
    problems: list[str] = []
    app = web.app.create_app(settings, bundle_dir=bundle)
    with TestClient(app, raise_server_exceptions=False) as client:
        for i, (sender, case) in enumerate(generate_cases(2000, CANARY)):
            headers = {"content-type": case.content_type} if case.content_type else {}
            route = i % 4
            if route == 0:
                response = client.post("/api/chat", headers=headers,
                                       content=case.body.replace(b'"sender"', b'"session_id"'))
            elif route == 1:
                body = case.body.replace(b'"sender"', b'"conversation_id"').replace(
                    b'"message"', b'"title"').replace(b"{", b'{"kind": "card_click", ', 1)
                response = client.post("/api/events", headers=headers, content=body)
                accepted_events += response.status_code == 204
            elif route == 2:
                response = client.get(f"/api/history/{quote(sender, safe='')}")
            else:
                response = client.post("/api/agent/login", headers=headers,
                                       content=case.body.replace(b'"message"', b'"password"'))
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            problem = check_response(case, response.status_code, response.text, CANARY,
                                     typed=case.body.decode("utf-8", "replace"))
            if problem:
                problems.append(f"{case.family} {case.body[:60]!r}: {problem}")
    assert not problems, problems[:10]
    assert sum(statuses.values()) == 2000
    assert statuses.get(401, 0) >= 1, "wrong passwords are refused"
    assert statuses.get(429, 0) >= 1, "a client guessing passwords is throttled"
    assert accepted_events >= 1 and statuses.get(422, 0) >= 1, statuses
    with sqlite3.connect(shop) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = connection.execute("SELECT count(*) FROM insight_events").fetchone()[0]
    assert stored == accepted_events
