"""Shipping prices from Magento table rates (``shipping_table_rates.csv``).

A rate row is ``country, region, zip, order_subtotal, price``: the price applies from that
subtotal upwards; ``*`` matches any region or zip. As in Magento's table-rate carrier the
most specific destination wins (region and zip, then region, then zip, then neither), and
within it the highest subtotal tier not above the cart's subtotal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from catalog.domain import ImportIssue
from catalog.importers.base import read_csv
from commerce.money import money

WILDCARD = "*"

_US_STATES = (
    "AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|"
    "DE Delaware|DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|"
    "IN Indiana|IA Iowa|KS Kansas|KY Kentucky|LA Louisiana|ME Maine|MD Maryland|"
    "MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|MO Missouri|MT Montana|"
    "NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|"
    "NC North Carolina|ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|PA Pennsylvania|"
    "RI Rhode Island|SC South Carolina|SD South Dakota|TN Tennessee|TX Texas|UT Utah|"
    "VT Vermont|VA Virginia|WA Washington|WV West Virginia|WI Wisconsin|WY Wyoming|"
    "PR Puerto Rico|GU Guam"
)


def region_code(region: str | None) -> str:
    """A US region name or code as its two-letter code (``Michigan`` -> ``MI``); else ``*``."""
    text = (region or "").strip()
    if not text or text == WILDCARD:
        return WILDCARD
    for entry in _US_STATES.split("|"):
        code, name = entry.split(" ", 1)
        if text.upper() == code or text.lower() == name.lower():
            return code
    return text.upper()


@dataclass(frozen=True)
class Destination:
    """Where a cart ships to; ``*`` means not known (the country's default rate)."""

    country: str = "US"
    region: str = WILDCARD
    zip: str = WILDCARD


@dataclass(frozen=True)
class TableRate:
    """One row of the rate table."""

    country: str
    region: str
    zip: str
    min_subtotal: Decimal
    price: Decimal


class NoShippingRate(LookupError):
    """No rate row covers a destination and subtotal (the store does not ship there)."""


@dataclass(frozen=True)
class ShippingTable:
    """The store's table rates."""

    rates: tuple[TableRate, ...]
    #: Price of standard delivery anywhere when the store brings no rate table at all.
    flat_price: Decimal | None = None

    def price(self, destination: Destination, subtotal: Decimal) -> Decimal:
        """Shipping price for ``destination`` and merchandise ``subtotal``.

        Raises:
            NoShippingRate: no row matches the destination at this subtotal.
        """
        country = destination.country.strip().upper()
        region = region_code(destination.region)
        zip_code = destination.zip.strip() or WILDCARD
        for want_region, want_zip in (
            (region, zip_code),
            (region, WILDCARD),
            (WILDCARD, zip_code),
            (WILDCARD, WILDCARD),
        ):
            tiers = [
                r
                for r in self.rates
                if r.country == country
                and r.region == want_region
                and r.zip == want_zip
                and r.min_subtotal <= subtotal
            ]
            if tiers:
                return max(tiers, key=lambda r: r.min_subtotal).price
        if not self.rates and self.flat_price is not None:
            return self.flat_price
        raise NoShippingRate(f"no shipping rate for {country}/{region} at {subtotal}")


def load_shipping_table(path: Path) -> tuple[ShippingTable, list[ImportIssue]]:
    """Read a table-rates CSV; malformed rows are skipped and reported as ``file:line: reason``."""
    rates: list[TableRate] = []
    issues: list[ImportIssue] = []
    for line, row in read_csv(path):
        country = row.get("country", "").strip().upper()
        try:
            subtotal = Decimal(row.get("order_subtotal", "").strip() or "0")
            price = money(row.get("price", "").strip())
        except InvalidOperation:
            issues.append(ImportIssue(path.name, line, "subtotal or price is not a number"))
            continue
        if not country or subtotal < 0 or price < 0:
            issues.append(ImportIssue(path.name, line, "missing country or negative amount"))
            continue
        rates.append(
            TableRate(
                country=country,
                region=region_code(row.get("region", "")),
                zip=row.get("zip", "").strip() or WILDCARD,
                min_subtotal=subtotal,
                price=price,
            )
        )
    return ShippingTable(tuple(rates)), issues
