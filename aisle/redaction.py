"""The one set of rules that removes a shopper's personal data before anything is stored.

Emails, phone numbers, payment-card numbers (Luhn-checked, so a long product code survives)
and street addresses are replaced by a bracketed label. The module is pure standard library
and runs on Python 3.10 (the Rasa venv's redacting tracker store) and 3.11 (the actions, the
event store, the logs), so both sides apply exactly the same rules.

Order verification must survive redaction: the ``email`` slot keeps :func:`email_token`, a
keyed hash the commerce service can compare against an order's address, never the address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

EMAIL_LABEL = "[email]"
PHONE_LABEL = "[phone]"
CARD_LABEL = "[card]"
ADDRESS_LABEL = "[address]"
TOKEN_PREFIX = "email-hmac:"

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: 13 to 19 digits, optionally grouped by spaces or dashes (checked with Luhn below).
CARD = re.compile(r"(?<![\w+])\d(?:[ -]?\d){12,18}(?![\w])")
#: A leading ``+``, brackets or separators make a number a phone number; a bare run needs 10+
#: digits (order numbers are nine).
PHONE = re.compile(
    r"(?<![\w+])(?:"
    r"\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}"
    r"|\(\d{2,4}\)[ .-]?\d{3,4}[ .-]?\d{3,4}"
    r"|\d{2,5}[ .-]\d{3,4}[ .-]\d{3,5}"
    r"|\d{3,5}[ .-]\d{6,8}"
    r"|\d{10,15}"
    r")(?![\w])"
)
STREET_TYPES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|place|pl|"
    "terrace|close|parkway|pkwy|square|sq|highway|hwy|crescent|alley"
)
ADDRESS = re.compile(
    r"(?<![\w])\d{1,5}[A-Za-z]?,?\s+(?:[A-Za-z][A-Za-z'.-]*\s+){1,4}"
    rf"(?:{STREET_TYPES})\b\.?(?:,?\s*(?:apt|apartment|suite|unit|#)\.?\s*\w+)?",
    re.IGNORECASE,
)


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn checksum every payment-card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0 and len(digits) >= 13


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return CARD_LABEL if luhn_valid(digits) else match.group(0)


def redact_text(text: str) -> str:
    """``text`` with emails, card numbers, phone numbers and street addresses replaced."""
    if not text:
        return text
    text = EMAIL.sub(EMAIL_LABEL, text)
    text = CARD.sub(_card, text)
    text = PHONE.sub(PHONE_LABEL, text)
    return ADDRESS.sub(ADDRESS_LABEL, text)


def redact(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """Redact every string inside ``value`` (dicts, lists, tuples); other values pass through.

    Keys are kept: they are names chosen by the code, not by the shopper. Values under a key in
    ``keep`` (catalog ids, say, which a bare ten-digit ASIN would otherwise lose) are kept too.
    """
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {key: item if key in keep else redact(item, keep) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact(item, keep) for item in value)
    return value


def contains_personal_data(text: str) -> bool:
    """True when :func:`redact_text` would change ``text``."""
    return redact_text(text) != text


def email_token(email: str, secret: str) -> str:
    """A keyed hash of a normalised email: comparable, not reversible without the secret."""
    if not secret:
        raise ValueError("email_token needs a secret (AISLE_PII_SECRET)")
    normalised = email.strip().lower()
    digest = hmac.new(secret.encode(), normalised.encode(), hashlib.sha256).hexdigest()
    return f"{TOKEN_PREFIX}{digest}"


def is_email_token(value: object) -> bool:
    """True for a value made by :func:`email_token`."""
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)
