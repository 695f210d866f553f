"""The Rasa channels' limits (bot/channel_limits.py, bot/request_guard.py, aisle/rate_limit.py).

The Rasa venv cannot build ``Settings`` (no pydantic-settings there), so the channels read the
same ``AISLE_*`` variables themselves: these tests hold their defaults to the settings'.
"""

from __future__ import annotations

import json

import pytest

from aisle.rate_limit import SlidingWindowLimiter
from aisle.settings import Settings
from bot.channel_limits import DEFAULTS, ChannelLimits, MessageRate, allowed_origins
from bot.request_guard import check_message_body, check_metadata, nesting_depth, too_long
from bot.server import MAX_REQUEST_BYTES, StartRefused, cap_request_size


def test_the_channels_defaults_are_the_settings_defaults() -> None:
    fields = Settings.model_fields  # the defaults, whatever this environment sets
    for name, default in DEFAULTS.items():
        assert fields[name].default == default, name
    assert fields["rasa_max_request_bytes"].default == MAX_REQUEST_BYTES
    limits = ChannelLimits.from_environ({})
    assert limits.cors_origins == fields["cors_origins"].default.split(",")
    assert limits == ChannelLimits()


def test_limits_are_read_from_the_environment_and_bad_values_refused() -> None:
    limits = ChannelLimits.from_environ({
        "AISLE_MAX_MESSAGE_CHARS": "500", "AISLE_CHANNEL_MESSAGES_PER_MINUTE": "7",
        "AISLE_TRUSTED_PROXIES": "10.0.0.0/8", "AISLE_REDIS_URL": "redis://127.0.0.1:6399/0"})
    assert (limits.max_message_chars, limits.messages_per_minute) == (500, 7)
    assert limits.trusted_proxies.trusts("10.1.2.3")
    assert limits.redis_url == "redis://127.0.0.1:6399/0"
    for bad in ("0", "-3", "lots"):
        with pytest.raises(ValueError, match="AISLE_CHANNEL_MAX_BODY_BYTES"):
            ChannelLimits.from_environ({"AISLE_CHANNEL_MAX_BODY_BYTES": bad})


def test_socketio_origins_are_the_configured_ones_plus_the_web_apps() -> None:
    assert allowed_origins({"AISLE_CORS_ORIGINS": "https://shop.example/ , https://b.example",
                            "AISLE_WEB_HOST": "0.0.0.0"}) == ["https://shop.example",
                                                             "https://b.example"]
    assert allowed_origins({"AISLE_CORS_ORIGINS": "https://shop.example",
                            "AISLE_WEB_PORT": "8123"}) == [
        "https://shop.example", "http://127.0.0.1:8123", "http://localhost:8123"]
    assert allowed_origins({"AISLE_CORS_ORIGINS": "*"}) == "*"


def test_the_sliding_window_refuses_past_the_limit_and_forgets_old_requests() -> None:
    now = [0.0]
    limiter = SlidingWindowLimiter(2, window=60, max_keys=2, clock=lambda: now[0])
    assert [limiter.retry_after("a") for _ in range(3)] == [None, None, 60]
    now[0] = 59.5
    assert limiter.retry_after("a") == 1
    now[0] = 60.0
    assert limiter.retry_after("a") is None  # the first two left the window
    limiter.retry_after("b")
    limiter.retry_after("c")  # past max_keys: "a", the least recently seen, is forgotten
    assert "a" not in limiter._seen


def test_a_conversation_refused_does_not_use_up_its_clients_allowance() -> None:
    rate = MessageRate(ChannelLimits(messages_per_minute=1, client_messages_per_minute=3))
    assert rate.retry_after("s1", "203.0.113.1") is None
    assert rate.retry_after("s1", "203.0.113.1") is not None
    assert rate.retry_after("s2", "203.0.113.1") is None
    assert rate.retry_after("s3", "203.0.113.1") is None
    assert rate.retry_after("s4", "203.0.113.1") is not None


def test_nesting_depth_walks_without_recursion_and_stops_early() -> None:
    deep: list = []
    for _ in range(100_000):  # far past Python's recursion limit
        deep = [deep]
    assert nesting_depth(deep, give_up_past=8) == 9
    assert nesting_depth({"a": [1, {"b": "x"}]}, give_up_past=8) == 3
    assert nesting_depth("text", give_up_past=8) == 0


@pytest.mark.parametrize(("metadata", "reason"), [
    ("{not json", "not JSON"),
    ("[1, 2]", "JSON object"),
    ("[" * 5000 + "]" * 5000, "bytes"),
    ('{"a":' * 400 + "1" + "}" * 400, "8 levels"),
    ({"a": "x" * 9000}, "8,192 bytes"),
    (["list"], "JSON object"),
    ({"a": {1, 2}}, "JSON values"),
])
def test_bad_metadata_gets_a_reason(metadata: object, reason: str) -> None:
    assert check_metadata(metadata)[1] is not None
    assert reason in (check_metadata(metadata)[1] or "")


def test_metadata_as_a_json_string_is_parsed_and_absent_metadata_is_none() -> None:
    assert check_metadata(json.dumps({"page": "/shop"})) == ({"page": "/shop"}, None)
    assert check_metadata(None) == (None, None)
    assert check_metadata("") == (None, None)
    assert check_message_body({"sender": "s", "message": "hi",
                               "metadata": {"a": {"b": 1}}}, max_metadata_depth=1)[1]


def test_message_length_is_counted_in_characters() -> None:
    assert too_long("é" * 2000, 2000) is None
    assert "2,000 characters" in (too_long("é" * 2001, 2000) or "")


def test_sanics_request_cap_comes_from_aisle_settings() -> None:
    environ: dict[str, str] = {}
    assert cap_request_size(environ) == MAX_REQUEST_BYTES
    assert environ["SANIC_REQUEST_MAX_SIZE"] == str(MAX_REQUEST_BYTES)
    environ = {"AISLE_RASA_MAX_REQUEST_BYTES": "1000"}
    assert cap_request_size(environ) == 1000
    with pytest.raises(StartRefused, match="AISLE_RASA_MAX_REQUEST_BYTES"):
        cap_request_size({"AISLE_RASA_MAX_REQUEST_BYTES": "1e9"})
