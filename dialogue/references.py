"""Resolve what a shopper points at ("the first one", "the Chaz hoodie", "it") to a product id."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_ORDINALS: dict[str, int] = {
    "first": 0, "1st": 0, "one": 0,
    "second": 1, "2nd": 1, "two": 1,
    "third": 2, "3rd": 2, "three": 2,
    "fourth": 3, "4th": 3, "four": 3,
    "fifth": 4, "5th": 4, "five": 4,
    "sixth": 5, "6th": 5, "six": 5,
    "last": -1, "final": -1,
}
_ORDINAL_PATTERN = re.compile(
    r"\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|final)\b"
    r"|\b(?:number|no\.?|#)\s*(\d)\b|\boption\s+(\d|one|two|three|four|five|six)\b",
    re.IGNORECASE,
)


def ordinal_index(text: str) -> int | None:
    """The 0-based position a message points at (``-1`` for "last"), or ``None``."""
    match = _ORDINAL_PATTERN.search(text)
    if not match:
        return None
    word, digit, option = match.groups()
    if digit:
        return int(digit) - 1
    return _ORDINALS[(word or option).lower()]


def resolve_product(
    text: str,
    shown: Sequence[str],
    focus: str | None,
    named: Sequence[str] = (),
) -> str | None:
    """Pick the product a message is about.

    Order: a product the shopper names (preferring one that was shown), an ordinal over the
    products shown last, the product in focus, and finally the only product shown.

    Args:
        text: the shopper's message.
        shown: ids of the products shown last, in display order.
        focus: id of the product in focus, if any.
        named: ids of the products the message names, best first.
    """
    for product_id in named:
        if product_id in shown:
            return product_id
    if named:
        return named[0]
    index = ordinal_index(text)
    if index is not None and shown:
        if -len(shown) <= index < len(shown):
            return shown[index]
        return None
    if focus:
        return focus
    if len(shown) == 1:
        return shown[0]
    return None


_REFERENCE_PHRASE = re.compile(
    r"\b(?:the\s+)?(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|last|final)"
    r"(?:\s+(?:one|item|product))?\b|\b(?:number|no\.?|#)\s*\d\b|\boption\s+\w+\b",
    re.IGNORECASE,
)


def question_text(text: str) -> str:
    """The question without the words that only point at the product.

    "is the first one waterproof?" → "is it waterproof?": the pointer words say nothing about
    the answer and would only dilute the passage scoring.
    """
    stripped = _REFERENCE_PHRASE.sub("it", text)
    return " ".join(stripped.split())


_COUNT_WORDS = {"two": 2, "2": 2, "three": 3, "3": 3, "four": 4, "4": 4}
_FIRST_N = re.compile(r"\b(?:first|top)\s+(two|three|four|2|3|4)\b", re.IGNORECASE)
_LAST_N = re.compile(r"\blast\s+(two|three|four|2|3|4)\b", re.IGNORECASE)
_ALL_SHOWN = re.compile(r"\b(?:both|them|these|those|all of them)\b", re.IGNORECASE)


def ordinal_indexes(text: str) -> list[int]:
    """Every position a message points at, in order ("the first and the third" → [0, 2])."""
    return [index for match in _ORDINAL_PATTERN.finditer(text)
            if (index := ordinal_index(match.group(0))) is not None]


def resolve_products(
    text: str,
    shown: Sequence[str],
    focus: str | None,
    named: Sequence[str] = (),
    find_by_name: Callable[[str], Sequence[str]] | None = None,
) -> list[str]:
    """The products a message points at, for comparisons ("the first two", "A vs B").

    Names the shopper gives come first (each preferring a shown product), then ordinals over
    the products shown last, "first/top/last N", and "both"/"them"/"these" (all shown, at most
    four). With only one product found, the product in focus joins it.
    """
    found: list[str] = []
    for name in named:
        matches = list(find_by_name(name)) if find_by_name is not None else []
        pick = next((pid for pid in matches if pid in shown), matches[0] if matches else None)
        if pick and pick not in found:
            found.append(pick)
    if shown:
        first_n, last_n = _FIRST_N.search(text), _LAST_N.search(text)
        if first_n:
            picked = list(shown[: _COUNT_WORDS[first_n.group(1).lower()]])
        elif last_n:
            picked = list(shown[-_COUNT_WORDS[last_n.group(1).lower()]:])
        else:
            picked = [shown[i] for i in ordinal_indexes(text) if -len(shown) <= i < len(shown)]
            if not picked and not found and _ALL_SHOWN.search(text):
                picked = list(shown[:4])
        found += [pid for pid in picked if pid not in found]
    if len(found) == 1 and focus and focus not in found:
        found.insert(0, focus)
    return found
