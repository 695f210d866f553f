"""Refinements read from the words: "cheaper", "more expensive", "show me more", "eco-friendly".

Entities carry absolute constraints ("under $50", "in blue"); these words are relative to what
was shown, so they are read from the text and turned into constraints against the shown prices.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_CHEAPER = re.compile(
    r"\b(?:cheaper|less expensive|lower[- ]priced|more affordable|lower price|on a budget"
    r"|too (?:expensive|pricey|much))\b", re.IGNORECASE)
_PRICIER = re.compile(
    r"\b(?:more expensive|pricier|higher[- ]end|more premium|better quality|fancier"
    r"|too cheap)\b", re.IGNORECASE)
_MORE = re.compile(
    r"\b(?:(?:show|see|give|get)\s+(?:me\s+)?(?:some\s+)?more(?!\s+like)\b"
    r"|more\s+(?:results|options|of\s+(?:these|them|those))\b"
    r"|next\s+(?:ones|page|few)\b|any\s+others\b|other\s+ones\b|what\s+else\s+(?:do\s+you\s+)?have)",
    re.IGNORECASE)
_ECO = re.compile(
    r"\beco[- ]?(?:friendly|collection)\b|\bsustainable\b|\benvironment(?:ally)?[- ]friendly\b"
    r"|\bgreen(?:er)? (?:ones|options|products)\b", re.IGNORECASE)
_EXPLICIT_PRICE = re.compile(r"\$?\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Refinement:
    """Which relative refinements a message asks for."""

    cheaper: bool = False
    pricier: bool = False
    more: bool = False
    eco: bool = False


def read_refinement(text: str) -> Refinement:
    """Relative refinements in ``text``; a price given as a number is absolute, not relative."""
    explicit = bool(_EXPLICIT_PRICE.search(text))
    return Refinement(
        cheaper=bool(_CHEAPER.search(text)) and not explicit,
        pricier=bool(_PRICIER.search(text)) and not explicit,
        more=bool(_MORE.search(text)),
        eco=bool(_ECO.search(text)),
    )


def cheaper_than(prices: Sequence[float | None]) -> float | None:
    """The price ceiling for "cheaper": just under the cheapest product shown."""
    known = [p for p in prices if p is not None]
    return round(min(known) - 0.01, 2) if known else None


def pricier_than(prices: Sequence[float | None]) -> float | None:
    """The price floor for "more expensive": just over the dearest product shown."""
    known = [p for p in prices if p is not None]
    return round(max(known) + 0.01, 2) if known else None
