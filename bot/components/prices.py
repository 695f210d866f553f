"""Price phrase parsing for shopper messages.

Pure Python (no Rasa imports) so it can be unit-tested from any environment.

Two entry points:

* :func:`parse_amount` turns an amount phrase ("50 bucks", "$19.99",
  "a hundred") into a float, or ``None`` when it is not an amount.
* :func:`find_price_phrases` finds price constraints in a whole message
  ("under 50 bucks", "between $20 and $40", "$50 or less") and returns them as
  :class:`PriceMatch` objects whose span covers the amount only, the way the
  training data annotates them ("under [50 bucks](price_max)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PRICE_MIN = "price_min"
PRICE_MAX = "price_max"

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000, "grand": 1000}

_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES], key=len, reverse=True))
_NUMBER_WORDS = rf"(?:(?:a|an)\s+)?(?:{_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_WORD}))*"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?|\.\d{1,2}"
_CURRENCY_WORDS = r"bucks?|dollars?|usd|\$|euros?|eur|€|quid|pounds?|gbp|£"

# An amount: optional currency sign, digits or number words, optional "k",
# optional currency word.
AMOUNT = (
    rf"(?:[$€£]\s?)?(?:{_DIGITS}|{_NUMBER_WORDS})(?:\s?k\b)?"
    rf"(?:\s?(?:{_CURRENCY_WORDS})(?![a-z]))?"
)

_MAX_BEFORE = (
    r"under|below|beneath|less\s+than|lower\s+than|cheaper\s+than|"
    r"no\s+more\s+than|not\s+more\s+than|at\s+most|up\s+to|max(?:imum)?|"
    r"within|upto|<=?|less\s+then|cheaper\s+then|tops|budget\s+(?:is|of)|"
    r"no\s+higher\s+than|not\s+over|don'?t\s+want\s+to\s+spend\s+more\s+than|"
    r"spend\s+(?:at\s+most|up\s+to)?"
)
_MIN_BEFORE = (
    r"over|above|more\s+than|greater\s+than|higher\s+than|at\s+least|"
    r"min(?:imum)?|starting\s+(?:at|from)|no\s+less\s+than|not\s+less\s+than|"
    r"pricier\s+than|more\s+expensive\s+than|>=?|more\s+then|upwards\s+of"
)
_MAX_AFTER = r"or\s+less|or\s+under|or\s+below|or\s+cheaper|and\s+under|and\s+below|max(?:imum)?|tops|at\s+most"
_MIN_AFTER = r"or\s+more|or\s+above|or\s+over|and\s+up|and\s+above|and\s+over|at\s+least|\+|minimum|min"

_B = r"(?<![\w$€£.])"  # left boundary for an amount
_E = r"(?![\w])"  # right boundary

_RANGE_RE = re.compile(
    rf"(?:between|from|range\s+of|in\s+the)?\s*{_B}(?P<lo>{AMOUNT})\s*"
    rf"(?:and|to|-|–|through|thru)\s*(?P<hi>{AMOUNT}){_E}",
    re.IGNORECASE,
)
_MAX_RE = re.compile(
    rf"\b(?:{_MAX_BEFORE})(?<=\w|<|=)\s*(?:of\s+|about\s+|around\s+|like\s+)?{_B}(?P<amt>{AMOUNT}){_E}",
    re.IGNORECASE,
)
_MAX_SIGN_RE = re.compile(rf"(?:<=?)\s*(?P<amt>{AMOUNT}){_E}", re.IGNORECASE)
_MIN_RE = re.compile(
    rf"\b(?:{_MIN_BEFORE})(?<=\w|>|=)\s*(?:of\s+|about\s+|around\s+)?{_B}(?P<amt>{AMOUNT}){_E}",
    re.IGNORECASE,
)
_MIN_SIGN_RE = re.compile(rf"(?:>=?)\s*(?P<amt>{AMOUNT}){_E}", re.IGNORECASE)
_MAX_AFTER_RE = re.compile(
    rf"{_B}(?P<amt>{AMOUNT})\s*(?:{_MAX_AFTER}){_E}", re.IGNORECASE
)
_MIN_AFTER_RE = re.compile(
    rf"{_B}(?P<amt>{AMOUNT})\s*(?:or\s+more|or\s+above|or\s+over|and\s+up|"
    rf"and\s+above|and\s+over|at\s+least|minimum|min\b|\+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PriceMatch:
    """A price constraint found in a message; ``start``/``end`` span the amount."""

    entity: str
    value: float
    start: int
    end: int
    text: str


def _words_to_number(words: str) -> float | None:
    tokens = [t for t in re.split(r"[\s-]+", words.lower()) if t and t != "and"]
    if tokens and tokens[0] in ("a", "an"):
        tokens[0] = "one"
    if not tokens:
        return None
    total, current = 0, 0
    for tok in tokens:
        if tok in _UNITS:
            current += _UNITS[tok]
        elif tok in _TENS:
            current += _TENS[tok]
        elif tok in _SCALES:
            scale = _SCALES[tok]
            current = max(current, 1) * scale
            if scale >= 1000:
                total += current
                current = 0
        else:
            return None
    return float(total + current)


_AMOUNT_FULL_RE = re.compile(
    rf"^\s*(?:[$€£]\s?)?(?P<num>{_DIGITS}|{_NUMBER_WORDS})(?P<k>\s?k)?"
    rf"(?:\s?(?:{_CURRENCY_WORDS}))?\s*$",
    re.IGNORECASE,
)
_LEADING_WORDS_RE = re.compile(
    rf"^\s*(?:(?:{_MAX_BEFORE}|{_MIN_BEFORE}|between|from|about|around|"
    rf"roughly|approx(?:imately)?|like|of|the|only|just)\b\s*)+",
    re.IGNORECASE,
)
_TRAILING_WORDS_RE = re.compile(
    rf"\s*(?:{_MAX_AFTER}|{_MIN_AFTER}|each|a\s+piece|apiece|or\s+so|ish)\s*$",
    re.IGNORECASE,
)


def parse_amount(text: str) -> float | None:
    """Parses an amount phrase into a float; ``None`` if it is not an amount.

    Tolerates a leading comparison word and trailing qualifiers so that an
    entity annotated a little too wide ("under 50 bucks") still parses.
    """
    if not text or not text.strip():
        return None
    candidate = text.strip().rstrip("?.!,")
    candidate = _LEADING_WORDS_RE.sub("", candidate)
    candidate = _TRAILING_WORDS_RE.sub("", candidate)
    candidate = re.sub(r"\s*ish$", "", candidate, flags=re.IGNORECASE)
    match = _AMOUNT_FULL_RE.match(candidate)
    if not match:
        return None
    num = match.group("num")
    if re.match(r"[\d.]", num):
        value = float(num.replace(",", ""))
    else:
        parsed = _words_to_number(num)
        if parsed is None:
            return None
        value = parsed
    if match.group("k"):
        value *= 1000
    return value


_NON_PRICE_UNITS = re.compile(
    r"\s*(?:days?|weeks?|months?|years?|hours?|stars?|reviews?|items?|colou?rs?|"
    r"sizes?|pieces?|pairs?|times?|people|cm|inch(?:es)?|foot|feet|ft|lbs?|"
    r"pounds?\s+weight|kg|kilos?|oz|ounces?|liters?|litres?|ml|%|percent)\b",
    re.IGNORECASE,
)


def _is_not_a_price(text: str, start: int, end: int) -> bool:
    """Rejects "2 days", "5 stars", "one color" and bare small number words."""
    if _NON_PRICE_UNITS.match(text[end:end + 16]):
        return True
    amount = text[start:end]
    if not re.search(r"[\d$€£]|buck|dollar|usd|euro|quid|pound", amount, re.I):
        value = parse_amount(amount)
        if value is not None and value < 10:
            return True
    return False


def _trim_span(text: str, start: int, end: int) -> tuple:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def find_price_phrases(text: str) -> list[PriceMatch]:
    """Finds price constraints in a message, left to right, non-overlapping."""
    found: list[PriceMatch] = []
    taken: list[tuple] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    def add(entity: str, start: int, end: int, claim: tuple) -> bool:
        start, end = _trim_span(text, start, end)
        value = parse_amount(text[start:end])
        if value is None:
            return False
        found.append(PriceMatch(entity, value, start, end, text[start:end]))
        taken.append(claim)
        return True

    for m in _RANGE_RE.finditer(text):
        lo_s, lo_e = m.span("lo")
        hi_s, hi_e = m.span("hi")
        lo_txt, hi_txt = m.group("lo"), m.group("hi")
        has_keyword = bool(re.match(r"\s*(between|from|range|in the)", m.group(0), re.I))
        has_money = any(c in (lo_txt + hi_txt) for c in "$€£") or re.search(
            _CURRENCY_WORDS, hi_txt, re.I
        )
        if not (has_keyword or has_money):
            continue  # "size 8-10" or "2 to 3 days" without price cues
        if _is_not_a_price(text, hi_s, hi_e):
            continue
        lo, hi = parse_amount(lo_txt), parse_amount(hi_txt)
        if lo is None or hi is None or not free(*m.span()):
            continue
        if lo > hi:
            lo_s, lo_e, hi_s, hi_e = hi_s, hi_e, lo_s, lo_e
        add(PRICE_MIN, lo_s, lo_e, m.span())
        add(PRICE_MAX, hi_s, hi_e, m.span())

    for regex, entity in (
        (_MAX_RE, PRICE_MAX),
        (_MIN_RE, PRICE_MIN),
        (_MAX_SIGN_RE, PRICE_MAX),
        (_MIN_SIGN_RE, PRICE_MIN),
        (_MAX_AFTER_RE, PRICE_MAX),
        (_MIN_AFTER_RE, PRICE_MIN),
    ):
        for m in regex.finditer(text):
            if not free(*m.span()):
                continue
            s, e = m.span("amt")
            # "under 2 days", "over 5 stars", "at least size 10": not prices
            if _is_not_a_price(text, s, e):
                continue
            add(entity, s, e, m.span())

    found.sort(key=lambda p: p.start)
    return found
