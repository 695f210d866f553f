"""The REST channel's body checks (bot/request_guard.py): 400 reasons, never a crash."""

from __future__ import annotations

import pytest

from bot.request_guard import MAX_SENDER_CHARS, check_message_body, clean_text


@pytest.mark.parametrize(("body", "reason"), [
    (None, "JSON object"),
    (["shopper", "hi"], "JSON object"),
    ("hi", "JSON object"),
    ({"message": "hi"}, "'sender'"),
    ({"sender": "  ", "message": "hi"}, "'sender'"),
    ({"sender": 7, "message": "hi"}, "'sender'"),
    ({"sender": "x" * (MAX_SENDER_CHARS + 1), "message": "hi"}, "at most"),
    ({"sender": "a\x00b", "message": "hi"}, "printable"),
    ({"sender": "a"}, "'message'"),
    ({"sender": "a", "message": None}, "'message'"),
    ({"sender": "a", "message": ["hi"]}, "'message'"),
    ({"sender": "a", "message": 42}, "'message'"),
    ({"sender": "a", "message": "hi", "metadata": "x"}, "'metadata'"),
    ({"sender": "a", "message": "hi", "input_channel": 1}, "'input_channel'"),
])
def test_bad_bodies_get_a_reason(body: object, reason: str) -> None:
    cleaned, problem = check_message_body(body)
    assert cleaned is None
    assert problem and reason in problem


def test_a_good_body_is_cleaned_of_what_a_database_cannot_store() -> None:
    cleaned, problem = check_message_body(
        {"sender": "shopper-1", "message": "hi\x00 there\ud800\n", "metadata": {"a": 1}})
    assert problem is None
    assert cleaned == {"sender": "shopper-1", "message": "hi there\n", "metadata": {"a": 1},
                       "input_channel": None}
    assert clean_text("tab\tand\r\nnewline\x7f") == "tab\tand\r\nnewline"
    cleaned, _ = check_message_body({"sender": "s", "message": ""})
    assert cleaned and cleaned["message"] == ""  # empty messages get the gentle reply
