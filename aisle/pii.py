"""Finders of personal data in chat text, one per kind; :mod:`aisle.redaction` combines them.

Each finder takes text already normalised by :func:`aisle.redaction.normalise` (NFKC, dashes
and invisible characters folded) and returns ``(start, end)`` spans of it. What each finds:

- emails: a linear pattern, Unicode local parts and domains (``josé@bücher.de``), looked for
  only around an ``@``;
- payment cards: 13 to 19 digits in groups of three or more, any separator (spaces, ``-``,
  ``/``, ``.``), Luhn-checked and starting with a card network's digit (1 to 6);
- IBANs: country code, check digits and the country's exact length, mod-97 checked;
- US social security numbers: ``123-45-6789`` / ``123 45 6789`` outside the never-issued
  ranges, and nine bare digits only after the words "SSN" or "social security";
- phone numbers: Google's libphonenumber (``phonenumbers``) on each run of seven or more
  digits, measures ("2-1/2-Inch") blotted out: any possible number with a country code,
  national numbers of :data:`DEFAULT_REGION` that are valid or grouped like a phone number
  ("555-1234", fictional 555 numbers included; a bare "2030100" is a model number), and
  national numbers of eight digits or more valid in one of :data:`OTHER_REGIONS`;
- street addresses: a house number with a street name and type (English, French, Spanish,
  Portuguese, Italian, German, Dutch and Nordic street words), P.O. boxes, Japanese chōme.

Every pattern's quantifiers are bounded or unambiguous, so the work grows linearly with the
text (a 1 MB message is covered by ``tests/unit/test_redaction_linear_time.py``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import cache

from phonenumbers import (
    CountryCodeSource,
    Leniency,
    PhoneNumberMatch,
    PhoneNumberMatcher,
    is_valid_number,
    parse,
)

from aisle.measures import find_measures

Span = tuple[int, int]

#: National numbers of this region are accepted at a possible length, unvalidated (so "555-1234"
#: and the fictional 555 numbers count): the store's own country.
DEFAULT_REGION = "US"
#: National numbers written the way these regions write them ("07700 900123", "06 12 34 56 78",
#: "030 1234567", "98765 43210", "(11) 91234-5678", "090-1234-5678") are accepted when
#: libphonenumber finds them valid there. Numbers with "+" and a country code need no region.
OTHER_REGIONS = ("GB", "FR", "DE", "ES", "IT", "NL", "IN", "BR", "MX", "JP", "AU", "CN")


# --- emails ----------------------------------------------------------------------------------

@cache
def _marks() -> str:
    """A character-class body of the combining marks of the Basic Multilingual Plane.

    Python's ``\\w`` leaves them out, yet they belong to words in Devanagari, Thai and others
    (and to a decomposed "é"), so local parts and domains need them. Built once, on first use.
    """
    ranges: list[str] = []
    start = None
    for code in range(0x300, 0x10000):
        is_mark = unicodedata.category(chr(code)).startswith("M")
        if is_mark and start is None:
            start = code
        elif not is_mark and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    return "".join(ranges)


@cache
def _email_pattern() -> re.Pattern[str]:
    word = rf"\w{_marks()}"
    local = rf"[{word}.%+'!#$&*=?^~-]{{1,64}}"
    label = rf"[{word}-]{{1,63}}"
    top = rf"xn--[a-z0-9-]{{1,59}}|(?:[^\W\d_]|[{_marks()}]){{2,63}}"
    return re.compile(rf"{local}@(?:{label}\.){{1,8}}(?:{top})", re.IGNORECASE)


#: How far an email reaches around its "@": 64 characters before, 8 labels of 64 after.
_EMAIL_BEFORE, _EMAIL_AFTER = 65, 9 * 64


def find_emails(text: str) -> list[Span]:
    """Emails, matched only in windows around each ``@`` (text without one costs nothing)."""
    windows: list[list[int]] = []
    at = text.find("@")
    while at != -1:
        start, end = max(0, at - _EMAIL_BEFORE), min(len(text), at + _EMAIL_AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
        at = text.find("@", at + 1)
    pattern = _email_pattern()
    return [m.span() for start, end in windows for m in pattern.finditer(text, start, end)]


# --- payment cards ---------------------------------------------------------------------------

#: Digits in groups, separated by up to three spaces or one of - / . with spaces around it.
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]+(?:(?: {0,2}[-/.] {0,2}| {1,3})[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` passes the Luhn checksum every payment-card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0 and len(digits) >= 13


def _card_in(groups: list[re.Match[str]]) -> Iterator[Span]:
    """Luhn-valid runs of whole groups, 13 to 19 digits, each group of three digits or more
    but the last ("4222 2222 2222 2": thirteen digits typed in fours)."""
    index = 0
    while index < len(groups):
        best, digits = None, ""
        for last in range(index, len(groups)):
            group = groups[last].group()
            short = len(group) < 3
            if (short and last == index) or len(digits) + len(group) > 19:
                break
            digits += group
            if len(digits) >= 13 and digits[0] in "123456" and luhn_valid(digits):
                best = last
            if short:
                break
        if best is None:
            index += 1
            continue
        yield groups[index].start(), groups[best].end()
        index = best + 1


def find_cards(text: str) -> list[Span]:
    """Payment-card numbers, whatever separates their digit groups."""
    found: list[Span] = []
    for run in _DIGIT_RUN.finditer(text):
        if run.end() - run.start() >= 13:
            found.extend(_card_in(list(_GROUP.finditer(text, run.start(), run.end()))))
    return found


# --- IBANs -----------------------------------------------------------------------------------

#: IBAN length by country (SWIFT's IBAN registry).
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
#: Every word start that could open an IBAN (overlapping: a failed candidate hides nothing).
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z]{2} ?[0-9]{2}(?:[ -]?[A-Za-z0-9]){11,30})")


def iban_valid(iban: str) -> bool:
    """True for an IBAN (no separators) of its country's length whose mod-97 check holds."""
    iban = iban.upper()
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum() or not iban.isascii():
        return False
    return int("".join(str(int(c, 36)) for c in iban[4:] + iban[:4])) % 97 == 1


def find_ibans(text: str) -> list[Span]:
    """IBANs, grouped by spaces or dashes or not at all, in either case."""
    found: list[Span] = []
    for start_match in _IBAN_START.finditer(text):
        start = start_match.start()
        if found and start < found[-1][1]:
            continue
        length = IBAN_LENGTHS.get(text[start:start + 2].upper())
        if length is None:
            continue
        chars, end = [], start
        while end < len(text) and len(chars) < length:
            if text[end].isascii() and text[end].isalnum():
                chars.append(text[end])
            elif text[end] not in " -" or (end > start and text[end - 1] in " -"):
                break
            end += 1
        if end < len(text) and text[end].isascii() and text[end].isalnum():
            continue
        if iban_valid("".join(chars)):
            found.append((start, end))
    return found


# --- social security numbers -----------------------------------------------------------------

#: 123-45-6789 or 123 45 6789, outside the ranges never issued (000, 666, 9xx; 00; 0000).
_SSN = re.compile(
    r"(?<![\w-])(?!000|666|9)[0-9]{3}([- ])(?!00)[0-9]{2}\1(?!0000)[0-9]{4}(?![\w-])")
#: Nine digits written any way after the words that name them.
_NAMED_SSN = re.compile(
    r"\b(?:ssn|social security(?: number| no\.?)?)(?:\W{0,3}(?:is|was|no|number)\b)?[\s#:.-]{0,5}"
    r"([0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4})(?![\w-])",
    re.IGNORECASE,
)


def find_ssns(text: str) -> list[Span]:
    """US social security numbers (the digits; words naming them stay)."""
    return sorted([m.span() for m in _SSN.finditer(text)]
                  + [m.span(1) for m in _NAMED_SSN.finditer(text)])


# --- phone numbers ---------------------------------------------------------------------------

#: Digits with up to three separators between them: where a phone number could be.
_NUMBER_RUN = re.compile(r"[0-9](?:[ ().\-/]{0,3}[0-9])*")
#: Fewer digits than a local number with its exchange ("555-1234") are never a phone number.
MIN_PHONE_DIGITS = 7
#: A national number of another region must carry its area code: "015021" is no Italian phone.
MIN_FOREIGN_NATIONAL_DIGITS = 8
#: Runs longer than this (a list of numbers, a long code) are read in the default region only.
MAX_RUN_DIGITS_FOR_ALL_REGIONS = 24
#: Characters around a run given to libphonenumber: a "+" or "(" before it, an extension after.
_BEFORE, _AFTER = 8, 16
#: Groups of a number written the way phone numbers are: "555-1234", "(555) 123-4567",
#: "1 555 123 4567": two or more groups, the last of three or four digits, none over five.
_PHONE_SHAPED = re.compile(r"\(?[0-9]{1,5}\)?(?:[ .\-/]{1,3}\(?[0-9]{2,4}\)?)*[ .\-/]{1,3}[0-9]{3,4}")


def _latin_letter(char: str) -> bool:
    return char.isalpha() and ord(char) < 0x250


#: Numbers that are never phone numbers though libphonenumber may read them as one: dates
#: ("05.12.2024", "2024-05-12"), decimal amounts ("49.99-59.99"), long decimals ("0.812654"),
#: ISBNs.
_NOT_PHONES = re.compile(
    r"(?<![0-9])(?:[0-3]?[0-9][./-][01]?[0-9][./-](?:19|20)[0-9]{2}"
    r"|(?:19|20)[0-9]{2}[./-][01]?[0-9][./-][0-3]?[0-9])(?![0-9])"
    r"|(?<![0-9.,])[0-9]{1,5}[.,][0-9]{2}(?![0-9.,])"
    r"|(?<![0-9.,])[0-9]{1,3}\.[0-9]{5,}(?![0-9.,])"  # a score in a log line: 0.8126546965
    r"|ISBN(?:-1[03])?:?\s{0,2}[0-9][0-9 -]{8,16}[0-9Xx]",
    re.IGNORECASE,
)


def _masked(piece: str) -> str:
    """``piece`` with its measures ("9064900 2-1/2-Inch" is a model and a size), dates,
    decimal amounts and ISBNs blotted out."""
    spans = [(m.start, m.end) for m in find_measures(piece)]
    spans += [m.span() for m in _NOT_PHONES.finditer(piece)]
    for start, end in spans:
        piece = piece[:start] + "_" * (end - start) + piece[end:]
    return piece


def _default_region_accepts(match: PhoneNumberMatch, text: str, start: int) -> bool:
    """A possible number of the default region is a phone number when it is not glued to
    letters ("DW4524", "RFX7121100") and has a "+", is valid, or is grouped like one; a bare
    run of digits that is no valid number ("2030100", "1589155") is a model number."""
    before, after = start + match.start - 1, start + match.end
    if (before >= 0 and _latin_letter(text[before])) or (
            after < len(text) and _latin_letter(text[after])):
        return False
    return (_international(match, DEFAULT_REGION) or is_valid_number(match.number)
            or _PHONE_SHAPED.fullmatch(match.raw_string) is not None)


def _foreign_accepts(match: PhoneNumberMatch, region: str) -> bool:
    return (_international(match, region)
            or sum(map(str.isdigit, match.raw_string)) >= MIN_FOREIGN_NATIONAL_DIGITS)


def _international(match: PhoneNumberMatch, region: str) -> bool:
    """True for a number written with its country code ("+33 ...", "0033 ...")."""
    # The matcher clears how the country code was found; parsing the raw string again tells.
    number = parse(match.raw_string, region, keep_raw_input=True)
    return number.country_code_source != CountryCodeSource.FROM_DEFAULT_COUNTRY


def _matcher(piece: str, region: str, leniency: int) -> PhoneNumberMatcher:
    # max_tries bounds the candidates libphonenumber rejects before it gives up; every
    # candidate consumes at least one character, so the piece's length never cuts it short.
    return PhoneNumberMatcher(piece, region, leniency=leniency, max_tries=len(piece) + 1)


def find_phones(text: str) -> list[Span]:
    """Phone numbers, by libphonenumber, in windows around each run of seven or more digits."""
    found: list[Span] = []
    for run in _NUMBER_RUN.finditer(text):
        digits = sum(map(str.isdigit, run.group()))
        if digits < MIN_PHONE_DIGITS:
            continue
        start, end = max(0, run.start() - _BEFORE), min(len(text), run.end() + _AFTER)
        piece = _masked(text[start:end])
        spans = [(start + m.start, start + m.end)
                 for m in _matcher(piece, DEFAULT_REGION, Leniency.POSSIBLE)
                 if _default_region_accepts(m, text, start)]
        if digits <= MAX_RUN_DIGITS_FOR_ALL_REGIONS and not _covers(spans, run.span()):
            for region in OTHER_REGIONS:
                spans += [(start + m.start, start + m.end)
                          for m in _matcher(piece, region, Leniency.VALID)
                          if _foreign_accepts(m, region)]
                if _covers(spans, run.span()):
                    break
        found.extend(spans)
    return found


def _covers(spans: list[Span], run: Span) -> bool:
    return any(start <= run[0] and run[1] <= end for start, end in spans)


# --- street addresses ------------------------------------------------------------------------

#: English street types a house number and a street name in any case may precede.
STREET_TYPES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|terrace|parkway|pkwy|highway|hwy|"
    "crescent|alley|expressway|freeway|turnpike|ct|pl|sq|cir|trl|mews"
)
#: Street types that are also everyday words ("hard drive", "all the way", "in place"), and
#: other suffixes of USPS Publication 28: the street name before them must be capitalised.
COMMON_WORD_STREET_TYPES = (
    "drive|dr|court|way|place|close|square|circle|trail|row|grove|gardens|hill|walk|plaza|park|"
    "loop|path|ridge|point|crossing|heights|pike"
)
_UPPER = "A-Z\u00c0-\u00d6\u00d8-\u00de"
#: Word edges that hold in text of scripts written without spaces ("住所は10 Downing Street"):
#: only a Latin letter or a digit continues a word.
_START = r"(?<![0-9A-Za-z\u00c0-\u024f])"
_END = r"(?![0-9A-Za-z\u00c0-\u024f])"
_WORD = r"[^\W\d_][\w'’.-]{0,30}"
_HOUSE = (r"(?:(?<![0-9A-Za-z\u00c0-\u024f])(?:flat|apt|apartment|unit|suite)\.?\s{0,3}#?[0-9A-Za-z-]{1,6},?\s{1,3})?"
          r"(?<![0-9A-Za-z\u00c0-\u024f.,/-])[0-9]{1,5}(?:[A-Za-z]|-[0-9]{1,5})?")
_UNIT = r"(?:,?\s{0,3}(?:apt|apartment|suite|ste|unit|flat|floor|fl|#)\.?\s{0,3}#?[\w-]{1,6})?"
_DIRECTION = r"(?:\s{1,3}(?-i:N|S|E|W|NE|NW|SE|SW)\.?" + _END + ")?"
_ORDINAL = r"[0-9]{1,3}(?:st|nd|rd|th)"
_FRENCH = "rue|avenue|av|boulevard|bd|chemin|allée|allee|impasse|quai"
_FRENCH_WITH_ARTICLE = "place|route|cours|square|passage"
_LATIN_FIRST = ("calle|avenida|avda|av|rua|travessa|alameda|rodovia|estrada|praça|praca|largo|"
                "piazza|piazzale|viale|vicolo|corso|plaza|paseo|carrer|camino|ronda|(?-i:Via)")
_COMPOUND = ("straße|strasse|str\\.|weg|gasse|allee|platz|damm|ufer|chaussee|straat|laan|plein|"
             "gracht|kade|singel|gatan|vägen|gata|gade|vej|veien|vegen")
#: Street words written apart, after a capitalised name ("Berliner Straße 3"); the Nordic ones
#: in lower case as those languages write them ("Karl Johans gate 22"; "Baby Gate 2" is no street).
_SEPARATE = "(?-i:Straße|Strasse|Str\\.|Weg|Allee|Platz|Gasse|Damm|Ufer|gate|gata|vei|veien|vej|väg|vägen|gade)"
#: German streets named by a preposition and a noun ("Am Markt 3", "Unter den Linden 5").
_PREPOSITION = ("(?-i:Am|An der|An den|Auf der|Auf dem|Im|In der|In den|Unter den|Zum|Zur|"
                "Hinter der|Vor dem|Beim)")
_KANJI = "\u3040-\u30ff\u4e00-\u9fff"
ADDRESS = re.compile(
    "|".join((
        # 12 Elm Street, apt 4 / 221B Baker St. / 350 5th Avenue NW / Flat 3, 27 Queen's Gate Terrace
        rf"{_HOUSE},?\s{{1,3}}(?:(?:{_WORD}|{_ORDINAL})\s{{1,3}}){{1,4}}(?:{STREET_TYPES}){_END}\.?"
        rf"{_DIRECTION}{_UNIT}",
        # 10 Downing Close / 4 Privet Drive / 1 Infinite Loop: capitalised names only
        rf"{_HOUSE},?\s{{1,3}}(?:(?-i:[{_UPPER}])[\w'’.-]{{0,30}}\s{{1,3}}|{_ORDINAL}\s{{1,3}}){{1,4}}"
        rf"(?-i:(?:{COMMON_WORD_STREET_TYPES.title()})){_END}\.?{_DIRECTION}{_UNIT}",
        # 12 rue de la Paix / 3 bis, avenue Foch / 8 place de la Concorde
        rf"{_HOUSE}(?:\s?(?:bis|ter))?,?\s{{1,3}}(?:(?:{_FRENCH})\.?|(?:{_FRENCH_WITH_ARTICLE})"
        rf"(?=\s{{1,3}}(?:de|du|des|d['’])))(?:\s{{1,3}}{_WORD}){{1,6}}",
        # Calle Mayor 5 / Rua Augusta, 1500 / Via Roma 10 / Avenida Paulista, nº 1578
        rf"{_START}(?:{_LATIN_FIRST})\.?(?:\s{{1,3}}{_WORD}){{1,5}},?\s{{0,3}}(?:n[º°o]\.?\s{{0,2}})?"
        rf"[0-9]{{1,5}}[A-Za-z]?{_END}",
        # Hauptstraße 5 / Musterstr. 12a / Kerkstraat 12 / Storgatan 1
        rf"{_START}(?:[{_UPPER}][\w-]{{1,30}}\s{{1,3}}){{0,2}}[^\W\d_]{{0,30}}(?:{_COMPOUND})\s{{0,3}}"
        rf"[0-9]{{1,4}}[A-Za-z]?{_END}",
        # Berliner Straße 3 / Karl Johans gate 22 / Am Markt 3 / Unter den Linden 5
        rf"{_START}(?:(?-i:[{_UPPER}])[\w-]{{1,30}}\s{{1,3}}){{1,2}}{_SEPARATE}\s{{1,3}}[0-9]{{1,4}}[A-Za-z]?{_END}",
        rf"{_START}{_PREPOSITION}\s{{1,3}}(?-i:[{_UPPER}])[\w-]{{1,30}}\s{{1,3}}[0-9]{{1,4}}[A-Za-z]?{_END}",
        # P.O. Box 123 / Postfach 10 20 30 / Caixa Postal 55
        rf"{_START}(?:p\.?\s?o\.?\s?box|post\s+office\s+box|postfach|apartado(?:\s+postal)?|"
        r"caixa\s+postal)\s{0,3}#?\s{0,2}[0-9]{1,6}(?:\s[0-9]{2,3}){0,2}",
        # 丸の内1丁目1番1号 / 千代田区丸の内1-1-1
        rf"[{_KANJI}]{{0,20}}[0-9]{{1,2}}丁目\s?[0-9]{{1,4}}(?:番地?|-)\s?[0-9]{{1,4}}号?",
        rf"[{_KANJI}]{{1,20}}[区市町村][{_KANJI}]{{0,10}}[0-9]{{1,4}}(?:-[0-9]{{1,4}}){{1,2}}",
    )),
    re.IGNORECASE,
)


def find_addresses(text: str) -> list[Span]:
    """Street addresses; a number with a unit ("2 TB hard drive") is a measure, not a house."""
    found = []
    for match in ADDRESS.finditer(text):
        head = text[match.start():match.start() + 40]
        if any(m.start == 0 for m in find_measures(head)) and not _COMPASS.match(head):
            continue
        found.append(match.span())
    return found


#: "500 W 2nd St": a compass point after the house number, not 500 watts.
_COMPASS = re.compile(r"[0-9]{1,5}\s(?:N|S|E|W)\.?\s[0-9A-Za-z]")


FINDERS = {
    "email": find_emails, "iban": find_ibans, "card": find_cards, "ssn": find_ssns,
    "phone": find_phones, "address": find_addresses,
}
"""Kind of personal data → its finder, in order of precedence where two overlap."""
