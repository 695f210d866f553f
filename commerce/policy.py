"""Store rules read from the Customer Service page: the return window and delivery speeds.

The knowledge package already turns the CMS pages into :class:`PolicySection` items (and
stores them in the catalog); this module reads the numbers out of those sentences, keeping
the sentence itself so an action can quote and cite it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from catalog.domain import PolicySection
from catalog.importers.base import read_csv, require
from catalog.importers.html_text import page_sections
from commerce.money import money

DEFAULT_RETURN_DAYS = 30
_RETURN = re.compile(r"returned within (\d+) days", re.IGNORECASE)
_TIER = re.compile(r"^Merchandise total (?P<range>[^:]+): (?P<speeds>.+)$")
_SPEED = re.compile(r"(?P<name>[A-Za-z]+) \((?P<days>[^)]*)\) \$(?P<price>\d+(?:\.\d+)?)")
_AMOUNT = re.compile(r"\$?(\d[\d,]*(?:\.\d+)?)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class PolicyQuote:
    """A sentence of a store page, with what an answer needs to cite it."""

    page_id: str
    page_title: str
    heading: str
    sentence: str


@dataclass(frozen=True)
class DeliverySpeed:
    """One delivery speed's price for merchandise totals up to ``up_to`` (``None``: no limit)."""

    method: str
    label: str
    days: str
    up_to: Decimal | None
    price: Decimal


@dataclass(frozen=True)
class StorePolicy:
    """The numbers the commerce rules need, each with the sentence it came from."""

    return_days: int = DEFAULT_RETURN_DAYS
    return_quote: PolicyQuote | None = None
    delivery: tuple[DeliverySpeed, ...] = ()

    def speeds_for(self, merchandise_total: Decimal) -> list[DeliverySpeed]:
        """The delivery speeds of the tier covering ``merchandise_total``, one per method."""
        chosen: dict[str, DeliverySpeed] = {}
        for speed in sorted(self.delivery, key=lambda s: (s.up_to is None, s.up_to or 0)):
            fits = speed.up_to is None or merchandise_total <= speed.up_to
            if fits and speed.method not in chosen:
                chosen[speed.method] = speed
        return list(chosen.values())


def _upper_bound(text: str) -> Decimal | None:
    """``up to $200`` -> 200, ``$200.01–500.00`` -> 500.00, ``over $1000.00`` -> None."""
    if text.lower().startswith("over"):
        return None
    amounts = _AMOUNT.findall(text)
    return money(amounts[-1].replace(",", "")) if amounts else None


def _delivery(sentence: str) -> list[DeliverySpeed]:
    match = _TIER.match(sentence.rstrip("."))
    if not match:
        return []
    up_to = _upper_bound(match["range"])
    return [
        DeliverySpeed(s["name"].lower(), s["name"], s["days"], up_to, money(s["price"]))
        for s in _SPEED.finditer(match["speeds"])
    ]


def store_policy(
    sections: Iterable[PolicySection], default_return_days: int = DEFAULT_RETURN_DAYS
) -> StorePolicy:
    """Read the return window and delivery speeds from the store's page sections.

    Falls back to ``default_return_days`` when no sentence states a window.
    """
    days, quote, delivery = default_return_days, None, []
    for section in sections:
        for sentence in _SENTENCE.split(section.text):
            found = _RETURN.search(sentence)
            if found and quote is None:
                days = int(found.group(1))
                quote = PolicyQuote(section.page_id, section.page_title, section.heading, sentence)
            delivery.extend(_delivery(sentence))
    return StorePolicy(days, quote, tuple(delivery))


def load_store_policy(cms_pages_csv: Path, page_id: str = "customer-service") -> StorePolicy:
    """Parse the CMS pages file (``cms_pages.csv``) and read one page's rules."""
    sections: list[PolicySection] = []
    for _, row in read_csv(require(cms_pages_csv)):
        if row.get("identifier", "").strip() == page_id:
            title = row.get("title", "").strip() or page_id
            sections.extend(page_sections(row.get("content", ""), page_id, title))
    return store_policy(sections)
