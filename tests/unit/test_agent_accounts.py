"""The agent console's access (web/accounts.py, web/auth.py, web/users.py): one bcrypt-hashed
account per agent, sessions ended on the server at sign-out, failed sign-ins throttled per
client and overall, the signed-in account in the audit log, the development account and the
production refusals."""

from __future__ import annotations

import io
import json
import logging
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import web.app
from aisle.settings import REPO_ROOT, Settings
from insights.events import EventStore
from tests.unit.test_web_app import PASSWORD, SECRET, _tracker, accounts_with_dana
from web.accounts import AccountError, AgentAccounts
from web.auth import FIRST_ACCOUNT, PASSWORD_FILE, AgentAuth, ConfigurationError
from web.rasa_api import RasaClient
from web.rate_limit import SignInThrottle
from web.users import run


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    _tracker(tmp_path / "tracker.sqlite")
    return Settings(data_dir=tmp_path / "data", state_dir=tmp_path,
                    tracker_db=tmp_path / "tracker.sqlite", web_secret=SECRET,
                    state_database_url=f"sqlite:///{tmp_path / 'shop.sqlite'}")


@pytest.fixture()
def accounts(settings: Settings) -> AgentAccounts:
    return accounts_with_dana(settings)


@pytest.fixture()
def app(settings: Settings, accounts: AgentAccounts, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> web.app.FastAPI:
    bundle = tmp_path / "dist"
    bundle.mkdir()
    (bundle / "widget.js").write_text("// bundle")
    monkeypatch.setattr(web.app, "RasaClient", lambda url, token: RasaClient(
        url, token, transport=httpx.MockTransport(lambda request: httpx.Response(200, json={}))))
    return web.app.create_app(settings, bundle_dir=bundle, accounts=accounts)


@pytest.fixture()
def client(app: web.app.FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _login(client: TestClient, name: str = "dana", password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/agent/login", json={"name": name, "password": password})


def test_passwords_are_stored_as_bcrypt_hashes(accounts: AgentAccounts,
                                               settings: Settings) -> None:
    with sqlite3.connect(settings.state_url.removeprefix("sqlite:///")) as db:
        (stored,) = db.execute("SELECT password_hash FROM agent_accounts WHERE name = 'dana'"
                               ).fetchone()
    assert stored.startswith("$2b$04$") and PASSWORD not in stored
    assert accounts.verify(" DANA ", PASSWORD) == "dana"
    assert accounts.verify("dana", PASSWORD + "x") is None
    assert accounts.verify("nobody", PASSWORD) is None
    assert accounts.verify("dana", "é" * 40) is None  # 80 bytes: past bcrypt's 72, refused
    for name, password, reason in (("eve", "short", "at least 12"),
                                   ("eve", "é" * 37, "at most 72 bytes"),
                                   ("eve smith", PASSWORD, "account name"),
                                   ("", PASSWORD, "account name"),
                                   ("Dana", PASSWORD, "exists")):
        with pytest.raises(AccountError, match=reason):
            accounts.add(name, password)


def test_only_an_account_and_its_password_sign_in(client: TestClient) -> None:
    # Before accounts, any typed name with the shared password signed in as that name.
    assert _login(client, name="mallory").status_code == 401
    assert _login(client, password="wrong password!").status_code == 401
    assert _login(client, name="mallory").json() == _login(client, password="nope").json()
    answer = _login(client, name="Dana")
    assert answer.status_code == 200 and answer.json() == {"agent": "dana"}
    assert client.get("/api/agent/me").json() == {"agent": "dana"}


def test_sign_out_ends_the_session_on_the_server(client: TestClient, app: web.app.FastAPI,
                                                 accounts: AgentAccounts) -> None:
    assert _login(client).status_code == 200
    stolen = client.cookies.get("aisle_agent")
    with TestClient(app) as other_browser:
        assert _login(other_browser).status_code == 200
        assert client.post("/api/agent/logout").status_code == 200
        client.cookies.set("aisle_agent", stolen)  # a copy of the cookie kept from before
        assert client.get("/api/agent/me").status_code == 401
        assert other_browser.get("/api/agent/me").status_code == 200  # only that session ended
        accounts.set_password("dana", "a brand new password")
        assert other_browser.get("/api/agent/me").status_code == 401
        assert _login(other_browser, password="a brand new password").status_code == 200
        accounts.remove("dana")
        assert other_browser.get("/api/agent/me").status_code == 401


def test_failed_sign_ins_are_throttled_per_client(app: web.app.FastAPI) -> None:
    now = [0.0]
    app.state.auth.throttle = SignInThrottle(per_client=3, overall=100, window=600,
                                             clock=lambda: now[0])
    with (TestClient(app, client=("203.0.113.7", 1000)) as guesser,
          TestClient(app, client=("198.51.100.2", 1000)) as colleague):
        assert [_login(guesser, password=f"guess {i:08}").status_code
                for i in range(3)] == [401] * 3
        refused = _login(guesser)  # the right password too, unchecked
        assert refused.status_code == 429 and refused.headers["Retry-After"] == "600"
        assert "Too many failed sign-ins" in refused.json()["detail"]
        assert _login(colleague).status_code == 200  # another address is not held up
        now[0] = 601
        assert _login(guesser).status_code == 200


def test_failed_sign_ins_are_throttled_overall(app: web.app.FastAPI) -> None:
    now = [0.0]
    app.state.auth.throttle = SignInThrottle(per_client=3, overall=5, window=600,
                                             clock=lambda: now[0])
    codes = []
    for i in range(6):  # a spread-out guesser: under the per-client limit everywhere
        with TestClient(app, client=(f"192.0.2.{i}", 1000)) as guesser:
            codes.append(_login(guesser, password="a wrong guess").status_code)
    assert codes == [401] * 5 + [429]
    with TestClient(app, client=("198.51.100.2", 1000)) as colleague:
        assert _login(colleague).status_code == 429
        now[0] = 601
        assert _login(colleague).status_code == 200


def test_successful_sign_ins_are_not_counted_as_failures() -> None:
    throttle = SignInThrottle(per_client=2, overall=2, window=60, clock=lambda: 0.0)
    for _ in range(10):
        assert throttle.attempt("a") is None
        throttle.succeeded("a")
    assert throttle.attempt("a") is None and throttle.attempt("a") is None
    assert throttle.attempt("a") == 60


def test_the_audit_log_names_the_signed_in_account(client: TestClient,
                                                   accounts: AgentAccounts,
                                                   settings: Settings) -> None:
    assert _login(client, name="mallory").status_code == 401
    assert _login(client, name="Dana").status_code == 200
    for step in ("takeover", "messages", "handback"):
        body = {"text": "Hello"} if step == "messages" else None
        assert client.post(f"/api/agent/conversations/needs-help/{step}",
                           json=body).status_code == 200
    client.post("/api/agent/logout")
    log = [(e.action, e.account, e.conversation_id) for e in reversed(accounts.audit_log())]
    assert log == [("account_added", "dana", None), ("sign_in_failed", "mallory", None),
                   ("signed_in", "dana", None), ("taken_over", "dana", "needs-help"),
                   ("agent_message", "dana", "needs-help"), ("handed_back", "dana", "needs-help"),
                   ("signed_out", "dana", None)]
    assert {e.client for e in accounts.audit_log() if e.action != "account_added"} == {
        "testclient"}
    handoffs = [e.data for e in EventStore(settings.state_url).events() if e.kind == "handoff"]
    assert handoffs == [{"step": "taken_over", "agent": "dana"},
                        {"step": "handed_back", "agent": "dana"}]


def test_development_creates_a_first_account_with_a_kept_password(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    first = AgentAccounts(settings.state_url, rounds=4)
    AgentAuth.from_settings(settings, first)
    path = settings.state_dir / PASSWORD_FILE
    password = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(password) >= 12
    assert first.verify(FIRST_ACCOUNT, password) == FIRST_ACCOUNT
    assert str(path) in caplog.text and password not in caplog.text
    # A fresh database in the same state folder gets the same development password.
    fresh = Settings(**{**settings.model_dump(),
                        "state_database_url": f"sqlite:///{settings.state_dir / 'other.sqlite'}"})
    second = AgentAccounts(fresh.state_url, rounds=4)
    AgentAuth.from_settings(fresh, second)
    assert second.verify(FIRST_ACCOUNT, password) == FIRST_ACCOUNT
    AgentAuth.from_settings(fresh, second)  # accounts exist: nothing made, the hint logged
    assert second.names() == [FIRST_ACCOUNT]


def test_development_uses_the_configured_password_for_the_first_account(
        settings: Settings) -> None:
    configured = Settings(**{**settings.model_dump(), "agent_password": PASSWORD})
    accounts = AgentAccounts(configured.state_url, rounds=4)
    AgentAuth.from_settings(configured, accounts)
    assert accounts.verify(FIRST_ACCOUNT, PASSWORD) == FIRST_ACCOUNT
    assert not (settings.state_dir / PASSWORD_FILE).exists()
    short = Settings(**{**settings.model_dump(), "agent_password": "x",
                        "state_database_url": f"sqlite:///{settings.state_dir / 'o.sqlite'}"})
    with pytest.raises(ConfigurationError, match="AISLE_AGENT_PASSWORD: .*at least 12"):
        AgentAuth.from_settings(short, AgentAccounts(short.state_url, rounds=4))


def _production(**values: str) -> Settings:
    servers = {name: "postgresql://u:p@127.0.0.1:5432/db" for name in
               ("tracker_database_url", "state_database_url", "database_url")}
    return Settings(profile="production", redis_url="redis://127.0.0.1:6379/0",
                    chroma_url="http://127.0.0.1:8001", **{**servers, **values})


def test_production_needs_a_secret_an_account_and_the_rasa_token(tmp_path: Path) -> None:
    accounts = AgentAccounts(f"sqlite:///{tmp_path / 'accounts.sqlite'}", rounds=4)
    with pytest.raises(ConfigurationError, match="AISLE_WEB_SECRET"):
        AgentAuth.from_settings(_production(), accounts)
    # A configured password makes no account in production: each agent has their own.
    with pytest.raises(ConfigurationError, match="python -m web.users add NAME"):
        AgentAuth.from_settings(_production(web_secret="y", agent_password=PASSWORD), accounts)
    accounts.add("dana", PASSWORD)
    auth = AgentAuth.from_settings(_production(web_secret="y"), accounts)
    assert auth.secure_cookie and accounts.names() == ["dana"]
    bundle = tmp_path / "dist"
    bundle.mkdir()
    (bundle / "widget.js").write_text("// bundle")
    with pytest.raises(ConfigurationError, match="AISLE_RASA_TOKEN"):
        web.app.create_app(_production(web_secret="y"), bundle_dir=bundle, accounts=accounts)


def test_users_command_adds_changes_and_removes_accounts(accounts: AgentAccounts) -> None:
    out = io.StringIO()
    assert run(["add", "Eve"], accounts, io.StringIO("eve's long password\n"), out,
               prompt=False) == 0
    assert accounts.verify("eve", "eve's long password") == "eve"
    assert run(["add", "eve"], accounts, io.StringIO("another password\n"), out,
               prompt=False) == 1
    assert run(["add", "tom"], accounts, io.StringIO("short\n"), out, prompt=False) == 1
    assert run(["passwd", "eve"], accounts, io.StringIO("eve's new password\n"), out,
               prompt=False) == 0
    assert accounts.verify("eve", "eve's new password") == "eve"
    listed = io.StringIO()
    run(["list"], accounts, io.StringIO(), listed, prompt=False)
    assert listed.getvalue().split() == ["dana", "eve"]
    assert run(["remove", "eve"], accounts, io.StringIO(), out, prompt=False) == 0
    assert run(["remove", "eve"], accounts, io.StringIO(), out, prompt=False) == 1
    audit = io.StringIO()
    run(["audit", "--limit", "3"], accounts, io.StringIO(), audit, prompt=False)
    assert [line.split()[2] for line in audit.getvalue().splitlines()] == [
        "account_removed", "password_changed", "account_added"]
    with pytest.raises(SystemExit):  # no password on the command line, ever
        run(["add", "tom", "tom's password"], accounts, io.StringIO(), out, prompt=False)


def test_python_m_web_users_reads_the_password_from_stdin(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "AISLE_STATE_DIR": str(tmp_path),
           "AISLE_STATE_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.sqlite'}"}
    done = subprocess.run([sys.executable, "-m", "web.users", "add", "Sam"], input="sam's password\n",
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and "added agent account 'sam'" in done.stdout, done.stderr
    assert "sam's password" not in done.stdout + done.stderr
    accounts = AgentAccounts(f"sqlite:///{tmp_path / 'shop.sqlite'}", rounds=4)
    assert accounts.verify("sam", "sam's password") == "sam"
    assert json.dumps(accounts.names()) == '["sam"]'
