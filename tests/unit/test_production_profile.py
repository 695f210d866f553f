"""The production profile's settings, the environment it gives Rasa, and the proxy config."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from aisle.db import driver_url, make_engine
from aisle.runtime_env import runtime_env
from aisle.settings import REPO_ROOT, Settings
from ops.proxy import TROUBLE_RESPONSE, nginx_config

URLS = {
    "tracker_database_url": "postgresql://aisle:s%40cret@db.internal:6543/aisle_tracker",
    "state_database_url": "postgresql://aisle:pw@db.internal:6543/aisle_shop",
    "database_url": "postgresql://aisle:pw@db.internal:6543/aisle_catalog",
    "redis_url": "redis://:redispw@cache.internal:6380/2",
    "chroma_url": "http://chroma.internal:8000",
}


def test_embedded_is_the_default_and_uses_the_sqlite_endpoints() -> None:
    settings = Settings(_env_file=None)
    env = runtime_env(settings)
    assert settings.profile == "embedded"
    assert env["AISLE_ENDPOINTS"] == "endpoints.yml"
    assert "AISLE_REDIS_HOST" not in env


def test_production_names_every_missing_url() -> None:
    with pytest.raises(ValidationError) as raised:
        Settings(profile="production", chroma_url="http://chroma:8000")
    message = str(raised.value)
    for name in ("AISLE_TRACKER_DATABASE_URL", "AISLE_STATE_DATABASE_URL", "AISLE_DATABASE_URL",
                 "AISLE_REDIS_URL"):
        assert name in message
    assert "AISLE_CHROMA_URL" not in message


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValidationError, match="embedded' or 'production"):
        Settings(profile="prod")


def test_production_env_fills_every_placeholder_of_its_endpoints_file() -> None:
    env = runtime_env(Settings(profile="production", action_url="http://gw:9000/webhook", **URLS))
    assert env["AISLE_ENDPOINTS"] == "endpoints.production.yml"
    assert env["AISLE_TRACKER_DB_HOST"] == "db.internal"
    assert env["AISLE_TRACKER_DB_PORT"] == "6543"
    assert env["AISLE_TRACKER_DB_PASSWORD"] == "s@cret"  # percent-decoded
    assert env["AISLE_TRACKER_DB_NAME"] == "aisle_tracker"
    assert (env["AISLE_REDIS_HOST"], env["AISLE_REDIS_PORT"]) == ("cache.internal", "6380")
    assert (env["AISLE_REDIS_PASSWORD"], env["AISLE_REDIS_DB"]) == ("redispw", "2")
    assert env["AISLE_ACTION_URL"] == "http://gw:9000/webhook"
    text = (REPO_ROOT / "endpoints.production.yml").read_text()
    placeholders = set(re.findall(r"\$\{(\w+)\}", text))
    assert placeholders and placeholders <= set(env)
    config = yaml.safe_load(text)
    assert config["tracker_store"]["dialect"] == "postgresql"
    assert config["lock_store"]["type"] == "redis"


def test_a_non_postgres_tracker_url_is_refused_with_a_clear_message() -> None:
    settings = Settings(profile="production", **{**URLS, "tracker_database_url": "sqlite:///x"})
    with pytest.raises(ValueError, match="postgresql://user:password@host:port/db"):
        runtime_env(settings)


def test_server_databases_get_the_psycopg2_driver_and_pre_ping(tmp_path: Path) -> None:
    assert driver_url("postgresql://a:b@h:1/d") == "postgresql+psycopg2://a:b@h:1/d"
    assert driver_url("postgresql+psycopg2://a:b@h/d") == "postgresql+psycopg2://a:b@h/d"
    engine = make_engine("postgresql://a:b@127.0.0.1:1/d")
    assert engine.pool._pre_ping is True
    assert make_engine(f"sqlite:///{tmp_path / 'x.sqlite'}").pool._pre_ping is False


def test_action_gateway_answers_an_apology_when_no_worker_answers(tmp_path: Path) -> None:
    text = nginx_config(tmp_path, rasa_ports=[5101, 5102], action_ports=[5201, 5202],
                        listen_port=5005, action_gateway_port=5055)
    assert "server 127.0.0.1:5101" in text and "server 127.0.0.1:5102" in text
    assert "server 127.0.0.1:5201" in text and "server 127.0.0.1:5202" in text
    assert "error_page 500 502 503 504 = @trouble" in text
    body = re.search(r"return 200 '(.*)';", text)
    assert body and json.loads(body.group(1)) == TROUBLE_RESPONSE
    assert "error_page 400" not in text  # form validation rejections pass through
    assert str(tmp_path) in text and "/var/" not in text


def test_the_shopper_front_end_passes_only_channels_and_health(tmp_path: Path) -> None:
    text = nginx_config(tmp_path, rasa_ports=[5101, 5102], action_ports=[5201],
                        listen_port=5005, action_gateway_port=5055)
    front = text[text.index("listen 127.0.0.1:5005"):text.index("listen 127.0.0.1:5055")]
    assert re.findall(r"location ([^{]+?) \{", front) == [
        "/webhooks/", "/socket.io/", "= /health", "/"]
    assert re.findall(r"proxy_pass (\S+);", front) == [
        "http://rasa_replicas/webhooks/", "http://rasa_sockets/socket.io/",
        "http://rasa_replicas/webhooks/rest/"]  # a URI: nginx passes the normalised path
    assert "location / {\n      return 404;" in front
    assert "ip_hash;" in text and "server_tokens off;" in text


def test_production_refuses_to_start_without_the_rasa_token(capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    from ops.cluster import TokenMissing, main

    for environ, missing in (({"AISLE_PII_SECRET": "k" * 64}, "AISLE_RASA_TOKEN"),
                             ({"AISLE_RASA_TOKEN": "short"}, "AISLE_RASA_TOKEN"),
                             ({"AISLE_RASA_TOKEN": "t" * 32}, "AISLE_PII_SECRET")):
        with pytest.MonkeyPatch.context() as patch:
            patch.delenv("AISLE_RASA_TOKEN", raising=False)
            patch.delenv("AISLE_PII_SECRET", raising=False)
            for name, value in environ.items():
                patch.setenv(name, value)
            with pytest.raises(TokenMissing) as refused:
                main([])  # refused before any service or server starts
        assert refused.value.code == 2
        assert missing in capsys.readouterr().err
