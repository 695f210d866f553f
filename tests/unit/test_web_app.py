"""The web app's routes with a real tracker-store file, a temp shop database and no servers:
sign-in and sessions, the console's data refused without them, safe image paths, click events
validated and recorded, the widget's history, and the Rasa calls of a takeover."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from aisle.settings import Settings
from insights.events import EventStore
from ops.conversation_tests.script import parse_script_file
from web.accounts import AgentAccounts
from web.app import BundleMissing, create_app
from web.auth import COOKIE, SALT
from web.rasa_api import RasaClient, RasaError

PASSWORD = "correct horse"
SECRET = "s" * 32


def _event(sender: str, event: dict) -> tuple:
    return (sender, event["event"], event.get("timestamp", time.time()), json.dumps(event))


def _tracker(path: Path) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, "
                           "type_name TEXT, timestamp FLOAT, intent_name TEXT, "
                           "action_name TEXT, data TEXT)")
        rows = [
            _event("quiet", {"event": "user", "text": "hello", "timestamp": 1.0,
                             "parse_data": {"intent": {"name": "greet", "confidence": 0.99},
                                            "entities": []}}),
            _event("needs-help", {"event": "user", "text": "<b>I want a human</b>",
                                  "timestamp": 2.0, "parse_data": {
                                      "intent": {"name": "human_handoff", "confidence": 0.97},
                                      "entities": [{"entity": "product", "value": "hoodie"}]}}),
            _event("needs-help", {"event": "bot", "text": "A colleague will join.",
                                  "timestamp": 2.1, "data": {"custom": {"type": "handoff"}}}),
            _event("needs-help", {"event": "slot", "name": "handoff_requested", "value": True,
                                  "timestamp": 2.1}),
            _event("quiet", {"event": "bot", "text": "Hi!", "timestamp": 3.0, "data": {}}),
        ]
        connection.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) "
                               "VALUES (?, ?, ?, ?)", rows)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    images = tmp_path / "data" / "luma" / "images"
    images.mkdir(parents=True)
    (images / "mh01-gray_main.jpg").write_bytes(b"\xff\xd8jpeg")
    (tmp_path / "data" / "luma" / "secret.csv").write_text("not an image")
    _tracker(tmp_path / "tracker.sqlite")
    return Settings(data_dir=tmp_path / "data", state_dir=tmp_path,
                    tracker_db=tmp_path / "tracker.sqlite", agent_password=PASSWORD,
                    web_secret=SECRET, state_database_url=f"sqlite:///{tmp_path / 'shop.sqlite'}")


@pytest.fixture()
def bundle(tmp_path: Path) -> Path:
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "widget.js").write_text("// bundle")
    return folder


def accounts_with_dana(settings: Settings) -> AgentAccounts:
    """The state database's accounts with agent ``dana`` (cheap bcrypt for tests)."""
    accounts = AgentAccounts(settings.state_url, rounds=4)
    if "dana" not in accounts.names():
        accounts.add("dana", PASSWORD)
    return accounts


@pytest.fixture()
def client(settings: Settings, bundle: Path) -> Iterator[TestClient]:
    app = create_app(settings, bundle_dir=bundle, accounts=accounts_with_dana(settings))
    with TestClient(app) as test_client:
        yield test_client


def _sign_in(client: TestClient) -> None:
    response = client.post("/api/agent/login", json={"password": PASSWORD, "name": "Dana"})
    assert response.status_code == 200 and response.json() == {"agent": "dana"}


def test_console_data_needs_a_session(client: TestClient) -> None:
    for path in ("/api/agent/conversations", "/api/agent/conversations/needs-help",
                 "/api/agent/conversations/needs-help/suggestions",
                 "/api/agent/conversations/needs-help/script", "/api/agent/me"):
        assert client.get(path).status_code == 401, path
    assert client.post("/api/agent/conversations/needs-help/takeover").status_code == 401
    assert client.post("/api/agent/login", json={"password": "wrong"}).status_code == 401
    assert "needs-help" not in client.get("/agent").text


def test_waiting_conversations_come_first_with_their_nlu(client: TestClient) -> None:
    _sign_in(client)
    listed = client.get("/api/agent/conversations").json()
    assert [c["id"] for c in listed] == ["needs-help", "quiet"]
    assert listed[0]["waiting"] and not listed[1]["waiting"]
    detail = client.get("/api/agent/conversations/needs-help").json()
    user = detail["transcript"][0]
    assert (user["intent"], user["confidence"]) == ("human_handoff", 0.97)
    assert user["entities"] == [{"entity": "product", "value": "hoodie"}]
    assert user["text"] == "<b>I want a human</b>"
    assert client.get("/api/agent/conversations/nobody").status_code == 404
    assert client.get("/api/agent/conversations/bad%20id").status_code == 400


def test_a_conversation_downloads_as_a_draft_conversation_script(client: TestClient) -> None:
    _sign_in(client)
    response = client.get("/api/agent/conversations/needs-help/script")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/yaml"
    assert response.headers["content-disposition"] == (
        'attachment; filename="conversation-needs-help.yml"')
    draft = parse_script_file(response.text, "conversation-needs-help.yml")
    assert draft.store == "luma"
    (script,) = draft.scripts
    (turn,) = script.turns
    assert turn.user == "<b>I want a human</b>"
    assert turn.expect.model_dump(exclude_defaults=True) == {
        "intent": "human_handoff", "entities": {"product": "hoodie"}, "handoff": True}
    assert client.get("/api/agent/conversations/nobody/script").status_code == 404
    assert client.get("/api/agent/conversations/bad%20id/script").status_code == 400


def test_suggestions_without_the_internal_token_are_unavailable_not_500(
        client: TestClient) -> None:
    _sign_in(client)
    response = client.get("/api/agent/conversations/needs-help/suggestions")
    assert response.status_code == 503 and "AISLE_INTERNAL_TOKEN" in response.json()["detail"]


def test_sessions_expire_and_forged_cookies_are_refused(settings: Settings,
                                                        bundle: Path) -> None:
    expired = Settings(**{**settings.model_dump(), "agent_session_minutes": 0})
    with TestClient(create_app(expired, bundle_dir=bundle,
                               accounts=accounts_with_dana(settings))) as client:
        _sign_in(client)
        time.sleep(1.1)
        assert client.get("/api/agent/me").status_code == 401
    with TestClient(create_app(settings, bundle_dir=bundle,
                               accounts=accounts_with_dana(settings))) as client:
        forged = URLSafeTimedSerializer("another key", salt=SALT).dumps({"session": "x"})
        client.cookies.set(COOKIE, forged)
        assert client.get("/api/agent/me").status_code == 401
        # Signed with the real key but naming no live session (the old cookie format).
        for data in ({"agent": "dana"}, {"session": "made-up"}):
            client.cookies.set(COOKIE, URLSafeTimedSerializer(SECRET, salt=SALT).dumps(data))
            assert client.get("/api/agent/me").status_code == 401, data
        client.cookies.clear()
        _sign_in(client)
        assert client.get("/api/agent/me").json() == {"agent": "dana"}


def test_images_are_served_from_the_images_folder_only(client: TestClient) -> None:
    response = client.get("/images/mh01-gray_main.jpg")
    assert response.status_code == 200 and response.content == b"\xff\xd8jpeg"
    for name in ("..%2Fsecret.csv", "../secret.csv", "secret.csv", ".hidden.jpg", "nope.jpg",
                 "%2Fetc%2Fpasswd"):
        assert client.get(f"/images/{name}").status_code == 404, name


def test_click_events_are_validated_and_recorded(client: TestClient, settings: Settings) -> None:
    good = {"kind": "card_click", "conversation_id": "abc123", "product_ids": ["MH01"],
            "action": "add_to_cart", "title": "Chaz Kangeroo Hoodie"}
    assert client.post("/api/events", json=good).status_code == 204
    for bad in ({**good, "kind": "purchase"}, {**good, "conversation_id": ""},
                {**good, "product_ids": "MH01"}, {**good, "title": "x" * 201}):
        assert client.post("/api/events", json=bad).status_code == 422, bad
    assert client.post("/api/events", content=b"{not json").status_code == 422
    assert client.post("/api/events", content=b"x" * 9000).status_code == 413
    [event] = EventStore(settings.state_url).events()
    assert (event.kind, event.conversation_id, event.source, event.product_ids) == (
        "card_click", "abc123", "web", ("MH01",))
    assert event.data["action"] == "add_to_cart"


def test_history_replays_a_conversation_for_the_widget(client: TestClient) -> None:
    history = client.get("/api/history/needs-help").json()
    assert [m["role"] for m in history["messages"]] == ["user", "bot"]
    assert history["messages"][1]["custom"] == {"type": "handoff"}
    assert "intent" not in history["messages"][0]
    assert client.get("/api/history/unknown").json() == {"messages": [], "agent_active": False}


def test_the_app_refuses_to_start_without_its_bundle(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(BundleMissing, match="build_web.sh"):
        create_app(settings, bundle_dir=tmp_path / "missing")


def test_takeover_message_and_handback_are_tracker_events_sent_to_the_widget() -> None:
    calls: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json={})

    rasa = RasaClient("http://rasa", "tok", transport=httpx.MockTransport(answer))
    asyncio.run(rasa.take_over("s/1", "Dana"))
    asyncio.run(rasa.send_agent_message("s/1", "Dana", "Hello <b>there</b>"))
    asyncio.run(rasa.hand_back("s/1", "Dana"))
    assert all(c.url.raw_path.split(b"?")[0] == b"/conversations/s%2F1/tracker/events"
               for c in calls)
    assert all(c.url.params["output_channel"] == "socketio"
               and c.url.params["execute_side_effects"] == "true"
               and c.headers["authorization"] == "Bearer tok"
               and b"tok" not in c.url.raw_path for c in calls)
    asyncio.run(rasa.say("s1", "hi"))  # the shopper channel: no token at all
    assert "authorization" not in calls[-1].headers and b"tok" not in calls[-1].url.raw_path
    calls.pop()
    taken, message, back = (json.loads(c.content) for c in calls)
    assert taken[0] == {**taken[0], "event": "slot", "name": "agent_active", "value": True}
    assert message[1]["text"] == "Hello <b>there</b>"
    assert message[1]["metadata"]["agent"] is True
    assert [(e["name"], e["value"]) for e in back if e["event"] == "slot"] == [
        ("agent_active", False), ("handoff_requested", False)]

    refused = RasaClient("http://rasa", None, transport=httpx.MockTransport(
        lambda request: httpx.Response(401, text="no token")))
    with pytest.raises(RasaError, match="401"):
        asyncio.run(refused.take_over("s1", "Dana"))


def test_rate_limiter_counts_a_sliding_window_per_key() -> None:
    from aisle.rate_limit import SlidingWindowLimiter

    now = [0.0]
    limiter = SlidingWindowLimiter(2, window=60, clock=lambda: now[0])
    assert limiter.retry_after("a") is None and limiter.retry_after("a") is None
    assert limiter.retry_after("a") == 60
    assert limiter.retry_after("b") is None, "another sender is not slowed down"
    now[0] = 30.5
    assert limiter.retry_after("a") == 30
    now[0] = 60.0
    assert limiter.retry_after("a") is None, "the first request left the window"


def test_a_flooding_conversation_gets_429_and_others_do_not(tmp_path: Path,
                                                            bundle: Path) -> None:
    _tracker(tmp_path / "tracker.sqlite")
    settings = Settings(data_dir=tmp_path / "data", state_dir=tmp_path,
                        tracker_db=tmp_path / "tracker.sqlite", agent_password=PASSWORD,
                        web_secret=SECRET, messages_per_minute=2,
                        state_database_url=f"sqlite:///{tmp_path / 'shop.sqlite'}")
    click = {"kind": "card_click", "conversation_id": "flooder", "product_ids": ["MH01"]}
    with TestClient(create_app(settings, bundle_dir=bundle,
                               accounts=accounts_with_dana(settings))) as client:
        codes = [client.post("/api/events", json=click).status_code for _ in range(9)]
        assert codes == [204] * 8 + [429]
        refused = client.post("/api/events", json=click)
        assert "please wait" in refused.json()["detail"] and int(refused.headers["Retry-After"]) >= 1
        other = {**click, "conversation_id": "someone-else"}
        assert client.post("/api/events", json=other).status_code == 204


LONE_SURROGATES = b'"\\udc00 lone surrogate \\ud83d"'


def test_lone_surrogates_get_an_answer_not_a_500(client: TestClient) -> None:
    """JSON may spell a lone surrogate (\\udc00), which no UTF-8 encoder accepts: the routes
    that take text answer such input instead of failing while passing or echoing it on."""
    headers = {"Content-Type": "application/json"}
    login = client.post("/api/agent/login", headers=headers,
                        content=b'{"name": "dana", "password": ' + LONE_SURROGATES + b"}")
    assert login.status_code == 401
    bad_name = client.post("/api/agent/login", headers=headers,
                           content=b'{"name": ' + LONE_SURROGATES[:-1] + b'!!!" , "password": '
                                   + LONE_SURROGATES + b"}")
    assert bad_name.status_code in (401, 422)
    click = client.post("/api/events", headers=headers, content=(
        b'{"kind": "button_click", "conversation_id": "c1", "title": ' + LONE_SURROGATES + b"}"))
    assert click.status_code == 422  # "invalid event": pydantic's JSON parser refuses it
    chat = client.post("/api/chat", headers=headers, content=(
        b'{"session_id": "c1", "message": ' + LONE_SURROGATES + b"}"))
    assert chat.status_code == 502  # cleaned and passed on; no Rasa server runs in this test


def test_validation_errors_do_not_echo_what_was_sent(client: TestClient) -> None:
    """A 422 names the field and the problem, not the value: a password sent in the wrong
    shape must not come back in the response."""
    response = client.post("/api/agent/login",
                           json={"name": "dana", "password": "hunter2-secret" * 20})
    assert response.status_code == 422
    assert "hunter2" not in response.text and "password" in response.text
