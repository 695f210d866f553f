"""The one set of rules that removes a shopper's personal data before anything is stored.

Emails, phone numbers, payment-card numbers, IBANs, US social security numbers and street
addresses are replaced by a bracketed label (``[email]``, ``[phone]``...). The finders live in
:mod:`aisle.pii` (phone numbers by Google's libphonenumber, cards by Luhn, IBANs by mod-97);
this module folds the text into one canonical form first, so full-width letters, non-breaking
or thin spaces, typographic dashes and invisible characters cannot hide anything, and maps what
it finds back onto the shopper's own text. It runs on Python 3.10 (the Rasa venv's redacting
tracker store) and 3.11 (the actions, the event store, the logs), so both sides apply exactly
the same rules. docs/privacy.md lists what is found and how well (tests/pii/corpus.tsv).

Order verification must survive redaction: the ``email`` slot keeps :func:`email_token`, a
keyed hash the commerce service can compare against an order's address, never the address.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from aisle.pii import FINDERS, luhn_valid

__all__ = [
    "ADDRESS_LABEL", "CARD_LABEL", "EMAIL_LABEL", "IBAN_LABEL", "LABELS", "PHONE_LABEL",
    "SSN_LABEL", "TOKEN_PREFIX", "Finding", "NormalisedText", "contains_personal_data",
    "email_token", "find_personal_data", "is_email_token", "luhn_valid", "normalise", "redact",
    "redact_text",
]

EMAIL_LABEL = "[email]"
PHONE_LABEL = "[phone]"
CARD_LABEL = "[card]"
IBAN_LABEL = "[iban]"
SSN_LABEL = "[ssn]"
ADDRESS_LABEL = "[address]"
#: Kind of personal data → the label that replaces it, in order of precedence.
LABELS = {"email": EMAIL_LABEL, "iban": IBAN_LABEL, "card": CARD_LABEL, "ssn": SSN_LABEL,
          "phone": PHONE_LABEL, "address": ADDRESS_LABEL}
TOKEN_PREFIX = "email-hmac:"

#: Dashes NFKC keeps apart from "-" (hyphen, figure dash, en and em dash, minus...).
_DASHES = {ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\ufe58\ufe63"}
#: Characters that need more than NFKC: those dashes, invisible format characters (zero-width
#: spaces and joiners, soft hyphens) and digits of other scripts.
_NEEDS_FOLDING = re.compile(
    "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"  # invisible
    "\u2010-\u2015\u2212\u30fc\ufe58\ufe63]"  # dashes
    "|(?![0-9])\\d"  # digits of other scripts
)


@dataclass(frozen=True)
class NormalisedText:
    """Text in the form the finders read, and where each of its characters came from.

    ``origin[i]`` is ``(start, end)`` of the original characters that gave character ``i``;
    ``None`` when the text needed no folding (then indices are the same).
    """

    text: str
    origin: list[tuple[int, int]] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``text[start:end]`` came from."""
        if self.origin is None:
            return start, end
        return self.origin[start][0], self.origin[end - 1][1]


def _fold(cluster: str) -> str:
    folded = unicodedata.normalize("NFKC", cluster).translate(_DASHES)
    out = []
    for char in folded:
        if unicodedata.category(char) == "Cf":
            continue
        if not char.isascii() and char.isdecimal():
            char = str(unicodedata.decimal(char))
        out.append(char)
    return "".join(out)


def normalise(text: str) -> NormalisedText:
    """``text`` in NFKC with dashes as ``-``, digits as ASCII and invisible characters dropped.

    Each base character is folded together with the combining marks that follow it, so a
    decomposed "é" composes; the work is linear in the text.
    """
    if text.isascii() or (unicodedata.is_normalized("NFKC", text)
                          and not _NEEDS_FOLDING.search(text)):
        return NormalisedText(text)
    chars: list[str] = []
    origin: list[tuple[int, int]] = []
    start, length = 0, len(text)
    while start < length:
        end = start + 1
        while end < length and unicodedata.combining(text[end]):
            end += 1
        folded = _fold(text[start:end]) if not text[start:end].isascii() else text[start:end]
        chars.append(folded)
        origin.extend([(start, end)] * len(folded))
        start = end
    return NormalisedText("".join(chars), origin)


@dataclass(frozen=True)
class Finding:
    """Personal data found in a text: its span in the original text and its kind."""

    start: int
    end: int
    kind: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def find_personal_data(text: str) -> list[Finding]:
    """Every piece of personal data in ``text``, in order, overlapping finds merged.

    Where finds of two kinds overlap (a phone-like run inside an IBAN, digits inside an email),
    the union is one finding of the kind that comes first in :data:`LABELS`.
    """
    if not text:
        return []
    view = normalise(text)
    spans = sorted((start, end, rank) for rank, finder in enumerate(FINDERS.values())
                   for start, end in finder(view.text) if end > start)
    merged: list[list[int]] = []
    for start, end, rank in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1], last[2] = max(last[1], end), min(last[2], rank)
        else:
            merged.append([start, end, rank])
    kinds = list(FINDERS)
    return [Finding(*view.original_span(start, end), kinds[rank]) for start, end, rank in merged]


def redact_text(text: str) -> str:
    """``text`` with every piece of personal data replaced by its kind's label."""
    findings = find_personal_data(text)
    if not findings:
        return text
    pieces, last = [], 0
    for finding in findings:
        pieces += [text[last:finding.start], finding.label]
        last = finding.end
    pieces.append(text[last:])
    return "".join(pieces)


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
    return bool(find_personal_data(text))


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
