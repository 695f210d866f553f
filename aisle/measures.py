"""Numbers with a unit that describe a product ("80 grit", "1/2 inch", "500 ml", "box of 100").

Pure Python, no Rasa or catalog imports: the Rasa process reads measures as entities
(``bot.components.measure_entities``) and the dialogue keeps them in the words it searches with,
so a number is a price only when it is a price.

Every measure has one canonical spelling, ``"<number> <unit>"``, whatever the shopper wrote:
``1.75mm`` → ``1.75 mm``, ``4 1/2"`` → ``4-1/2 inch``, ``pack of 100`` → ``100 pack``,
``30V`` → ``30 volt``. Units are general (length, volume, weight, data, electricity, pack
counts, abrasives, wire), never one store's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

#: Canonical unit → the ways shoppers write it (matched case-insensitively, except
#: :data:`SINGLE_LETTER`). Longer spellings are tried first.
UNITS: dict[str, tuple[str, ...]] = {
    "grit": ("grit",),
    "inch": ("inches", "inch", "in.", "in", '"', "”", "''"),
    "foot": ("feet", "foot", "ft.", "ft", "'"),
    "mm": ("millimeters", "millimetres", "millimeter", "millimetre", "mm"),
    "cm": ("centimeters", "centimetres", "centimeter", "centimetre", "cm"),
    "meter": ("meters", "metres", "meter", "metre", "m"),
    "micron": ("microns", "micron", "µm", "um"),
    "ml": ("milliliters", "millilitres", "milliliter", "millilitre", "ml"),
    "liter": ("liters", "litres", "liter", "litre", "l"),
    "gallon": ("gallons", "gallon", "gal"),
    "quart": ("quarts", "quart", "qt"),
    "fl oz": ("fluid ounces", "fluid ounce", "fl. oz.", "fl. oz", "fl oz", "floz"),
    "oz": ("ounces", "ounce", "oz"),
    "lb": ("pounds", "pound", "lbs", "lb"),
    "kg": ("kilograms", "kilogram", "kilos", "kilo", "kg"),
    "mg": ("milligrams", "milligram", "mg"),
    "g": ("grams", "gram", "g"),
    "tb": ("terabytes", "terabyte", "tb"),
    "gb": ("gigabytes", "gigabyte", "gigs", "gig", "gb"),
    "mb": ("megabytes", "megabyte", "mb"),
    "mah": ("mah",),
    "volt": ("volts", "volt", "vdc", "vac", "v"),
    "amp": ("amperes", "ampere", "amps", "amp", "a"),
    "watt": ("watts", "watt", "w"),
    "awg": ("awg",),
    "gauge": ("gauge", "ga"),
    "psi": ("psi",),
    "rpm": ("rpm",),
    "ghz": ("ghz",),
    "mhz": ("mhz",),
    "hz": ("hertz", "hz"),
    "mil": ("mils", "mil"),
    "pack": ("packs", "pack", "pk", "count", "ct", "pcs", "pc", "pieces", "piece", "pairs",
             "pair"),
}
#: How single-letter units may be written to read as a unit: (cases accepted against the
#: number, cases accepted after a space). "3M" is a brand, "3m" three metres; "5G" a network,
#: "5g" five grams; "5A" five amps, but "a 5 a day" has no amps in it.
SINGLE_LETTER = {"m": ("m", "m"), "g": ("g", "g"), "l": ("lL", "L"), "v": ("vV", "V"),
                 "w": ("wW", "W"), "a": ("A", "")}
#: "pack of 100", "box of 12": the count comes after the container word.
_CONTAINERS = r"pack|packs|box|boxes|set|sets|case|cases|bag|bags|package|pkg|bundle|lot|roll"

_NUMBER = r"\d+(?:[-\s]\d+/\d+)|\d+/\d+|\d*\.\d+|\d+(?:,\d{3})*"


@dataclass(frozen=True)
class Measure:
    """A measure found in a text: its span and its canonical value ``"<number> <unit>"``."""

    start: int
    end: int
    number: str
    unit: str

    @property
    def value(self) -> str:
        return f"{self.number} {self.unit}"


@cache
def _alias_unit() -> dict[str, str]:
    return {alias: unit for unit, aliases in UNITS.items() for alias in aliases}


@cache
def _pattern() -> re.Pattern[str]:
    aliases = sorted(_alias_unit(), key=len, reverse=True)
    unit = "|".join(re.escape(a) for a in aliases)
    # not the last group of a number written in parts ("555-867-5309" is no length)
    after = (rf"(?<![\w.,/])(?<!\d-)(?P<number>{_NUMBER})(?P<gap>\s?-?\s?)(?P<unit>{unit})"
             r"(?![A-Za-z0-9])")
    before = rf"\b(?:{_CONTAINERS})\s+of\s+(?P<count>\d+)\b"
    return re.compile(f"{after}|{before}", re.IGNORECASE)


def _canonical_number(text: str) -> str:
    """``4 1/2`` and ``4-1/2`` → ``4-1/2``; ``1,000`` → ``1000``; ``.5`` → ``0.5``."""
    text = text.replace(",", "")
    if "/" in text and re.search(r"\d[-\s]\d", text):
        whole, fraction = re.split(r"[-\s]", text, maxsplit=1)
        return f"{whole}-{fraction}"
    return f"0{text}" if text.startswith(".") else text


def _reads_as_unit(match: re.Match[str]) -> bool:
    written, glued = match.group("unit"), match.group("gap") == ""
    rule = SINGLE_LETTER.get(written.lower())
    if rule is not None:
        return written in (rule[0] if glued else rule[1])
    if written in {"'", "''", '"', "”"}:
        return glued  # after a space it is a quotation mark
    return glued or written.lower() != "in"  # "2 in stock"


def find_measures(text: str) -> list[Measure]:
    """Every measure in ``text``, in order, with its canonical value."""
    found: list[Measure] = []
    for match in _pattern().finditer(text):
        if match.group("count"):
            found.append(Measure(match.start(), match.end(), match.group("count"), "pack"))
            continue
        if not _reads_as_unit(match):
            continue
        unit = _alias_unit()[match.group("unit").lower()]
        found.append(Measure(match.start(), match.end(),
                             _canonical_number(match.group("number")), unit))
    return found


def normalise_measure(text: str) -> str | None:
    """The canonical value of a text that is one measure ("1/2in" → "1/2 inch"), else ``None``."""
    measures = find_measures(text.strip())
    return measures[0].value if len(measures) == 1 else None


def respell_measures(text: str, outside: Callable[[str], str] = lambda piece: piece) -> str:
    """``text`` with each measure in its canonical spelling and ``outside`` applied to the
    pieces between them ("80-Grit paper" → "80 grit paper")."""
    pieces, last = [], 0
    for measure in find_measures(text):
        pieces += [outside(text[last:measure.start]), measure.value]
        last = measure.end
    pieces.append(outside(text[last:]))
    return "".join(pieces)
