"""Money as :class:`~decimal.Decimal` rounded half-up to cents, stored as integer cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | float | int | str) -> Decimal:
    """``value`` rounded half-up to cents (``2.675`` -> ``2.68``).

    Floats go through ``str`` first, so ``2.675`` means 2.675 and not its binary neighbour.
    """
    if isinstance(value, float):
        value = str(value)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    """Integer cents of an amount (rounded half-up first): portable in any SQL database."""
    return int(money(amount) * 100)


def from_cents(cents: int) -> Decimal:
    """The amount of ``cents`` as a two-place Decimal."""
    return (Decimal(cents) / 100).quantize(CENT)


def format_money(amount: Decimal, currency: str = "USD") -> str:
    """``$12.50`` for US dollars, ``12.50 EUR`` otherwise."""
    text = f"{money(amount):,.2f}"
    return f"${text}" if currency == "USD" else f"{text} {currency}"
