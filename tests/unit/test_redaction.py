"""The redaction rules: what is removed, what must survive, and the redacting log filter."""

from __future__ import annotations

import logging

import pytest

from aisle.logs import RedactingFilter
from aisle.redaction import (
    email_token,
    is_email_token,
    luhn_valid,
    redact,
    redact_text,
)


@pytest.mark.parametrize(("text", "expected"), [
    ("mail jane.doe+shop@example.co.uk now", "mail [email] now"),
    ("call +1 (555) 123-4567", "call [phone]"),
    ("or 555-123-4567 / 555.123.4567", "or [phone] / [phone]"),
    ("UK 07700 900123, bare 5551234567", "UK [phone], bare [phone]"),
    ("card 4111 1111 1111 1111", "card [card]"),
    ("card 4111-1111-1111-1111.", "card [card]."),
    ("amex 378282246310005", "amex [card]"),
    ("ship to 221B Baker Street, London", "ship to [address], London"),
    ("I live at 12 Elm St. apt 4", "I live at [address]"),
])
def test_personal_data_is_replaced_by_a_label(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "order 000000123 please", "men's hoodies under $60 in black", "size 32, 2 items",
    "WS12-XS-Blue and 24-MB01", "between 20 and 40 dollars", "the 2nd one in size M",
])
def test_shopping_words_order_numbers_and_skus_survive(text: str) -> None:
    assert redact_text(text) == text


def test_a_long_number_failing_luhn_is_not_a_card_but_still_not_kept_as_a_phone() -> None:
    assert not luhn_valid("4111111111111112")
    assert redact_text("ref 4111 1111 1111 1112") != "ref [card]"


def test_nested_values_are_redacted_and_keys_kept() -> None:
    value = {"text": "a@b.co", "entities": [{"entity": "email", "value": "a@b.co"}],
             "n": 3, "ok": True, "pair": ("4111111111111111", None)}
    assert redact(value) == {"text": "[email]", "entities": [{"entity": "email", "value": "[email]"}],
                             "n": 3, "ok": True, "pair": ("[card]", None)}


def test_values_under_kept_keys_survive() -> None:
    card = {"id": "0123456789", "product_id": "0123456789", "name": "call 0123456789"}
    assert redact(card, frozenset({"id", "product_id"})) == {
        "id": "0123456789", "product_id": "0123456789", "name": "call [phone]"}


def test_email_token_is_keyed_normalised_and_survives_redaction() -> None:
    token = email_token(" Jane@Example.com", "k1")
    assert token == email_token("jane@example.com", "k1") != email_token("jane@example.com", "k2")
    assert is_email_token(token) and redact_text(token) == token and "jane" not in token
    with pytest.raises(ValueError, match="secret"):
        email_token("a@b.co", "")


def test_log_records_are_redacted_including_their_arguments() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "user %s said %s", (
        "a@b.co", "call 555-123-4567"), None)
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "user [email] said call [phone]"
