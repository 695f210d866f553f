"""Orders: numbers, ownership checks, status, cancellation and returns.

Every question about an order needs the order number *and* the email it was placed with;
an unknown number and a wrong email give the same ``not_found`` answer, so nobody can learn
whether an order exists. Order numbers are integers shown zero-padded to nine digits
(``000000001``): imported sample orders take 1, 2, ... in file order; orders placed through
the assistant start at :data:`FIRST_ASSISTANT_ORDER`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aisle.redaction import is_email_token
from commerce.money import from_cents
from commerce.policy import PolicyQuote
from commerce.schema import OrderItemRow, OrderRow, ReturnRow

FIRST_ASSISTANT_ORDER = 100_000_001
CANCELLABLE = ("pending", "processing")
CLOSED = ("cancelled", "refunded", "closed")
_ORDER_ID = re.compile(
    r"(?:order\s*)?(?:(?:no\.?|number|num|id)\s*)?[#:]?\s*#?\s*(\d{1,12})\.?", re.IGNORECASE
)

#: ``locked``: too many failed checks (see :mod:`commerce.verification`); nothing was looked up.
LookupStatus = Literal["found", "not_found", "locked"]
#: ``cancellable`` / ``returnable``: what an unconfirmed request answers (nothing changed).
CancelStatus = Literal["cancelled", "cancellable", "not_found", "locked", "already_cancelled",
                       "not_cancellable"]
ReturnStatus = Literal[
    "requested", "returnable", "already_requested", "not_found", "locked", "not_shipped",
    "window_closed", "not_returnable"
]


def normalise_order_id(text: str | int | None) -> int | None:
    """The order number in ``#000000123``, ``123``, ``order 123``, ``Order no. 123``; else None."""
    if isinstance(text, int):
        return text if text > 0 else None
    match = _ORDER_ID.fullmatch((text or "").strip())
    number = int(match.group(1)) if match else 0
    return number or None


def normalise_email(email: str | None) -> str:
    """Trimmed, lower-cased email (the stored form)."""
    return (email or "").strip().lower()


def display_number(number: int) -> str:
    """``123`` -> ``000000123`` (how the store prints order numbers)."""
    return f"{number:09d}"


@dataclass(frozen=True)
class OrderLine:
    """One line of an order."""

    sku: str
    name: str
    size: str | None
    color: str | None
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class OrderSummary:
    """What the verified owner of an order may see."""

    number: str
    status: str
    placed_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    lines: tuple[OrderLine, ...]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    total: Decimal
    shipping_method: str
    promotions: tuple[str, ...]
    payment: str
    currency: str = "USD"


@dataclass(frozen=True)
class OrderLookup:
    """``found`` with the order, ``not_found`` (unknown number or wrong email alike), or
    ``locked`` (too many failed checks; said whether or not the order exists)."""

    status: LookupStatus
    order: OrderSummary | None = None


@dataclass(frozen=True)
class CancelResult:
    """Outcome of a cancellation request."""

    status: CancelStatus
    order: OrderSummary | None = None


@dataclass(frozen=True)
class ReturnResult:
    """Outcome of a return request; ``deadline`` is the last day a return is accepted.

    ``policy`` is the store-page sentence stating the window, for the answer to cite.
    """

    status: ReturnStatus
    order: OrderSummary | None = None
    deadline: date | None = None
    window_days: int | None = None
    policy: PolicyQuote | None = None


def return_deadline(order: OrderSummary, window_days: int) -> date:
    """Last day of the return window: ``window_days`` after delivery (else the order date)."""
    start = order.delivered_at or order.placed_at
    return start.date() + timedelta(days=window_days)


def summary(session: Session, row: OrderRow) -> OrderSummary:
    """An order row and its lines as an :class:`OrderSummary`."""
    items = session.scalars(
        select(OrderItemRow).where(OrderItemRow.order_number == row.number).order_by(OrderItemRow.id)
    )
    return OrderSummary(
        number=display_number(row.number),
        status=row.status,
        placed_at=row.placed_at,
        shipped_at=row.shipped_at,
        delivered_at=row.delivered_at,
        lines=tuple(
            OrderLine(i.sku, i.name, i.size, i.color, i.quantity, from_cents(i.unit_price_cents))
            for i in items
        ),
        subtotal=from_cents(row.subtotal_cents),
        discount=from_cents(row.discount_cents),
        shipping=from_cents(row.shipping_cents),
        total=from_cents(row.total_cents),
        shipping_method=row.shipping_method,
        promotions=tuple(row.promotions or ()),
        payment=row.payment,
        currency=row.currency,
    )


def verified_order(session: Session, order_id: str | int | None, email: str | None,
                   matches: Callable[[str, str], bool] | None = None) -> OrderRow | None:
    """The order if it exists *and* ``email`` matches it; ``None`` otherwise (either reason).

    ``matches(value, address)`` compares a keyed hash of the address (see
    :mod:`commerce.contacts`) when the conversation holds one instead of the address.
    """
    number = normalise_order_id(order_id)
    row = session.get(OrderRow, number) if number is not None else None
    if row is None or row.email is None:  # unknown, or its owner's data erased: nobody's now
        return None
    if email and matches is not None and is_email_token(email):
        return row if matches(email, row.email) else None
    given = normalise_email(email).encode()
    if not given or not hmac.compare_digest(row.email.encode(), given):
        return None
    return row


def next_order_number(session: Session) -> int:
    """The next assistant order number (the caller retries if another process took it)."""
    highest = session.scalar(
        select(func.max(OrderRow.number)).where(OrderRow.number >= FIRST_ASSISTANT_ORDER)
    )
    return (highest or FIRST_ASSISTANT_ORDER - 1) + 1


def cancel(session: Session, row: OrderRow | None, apply: bool = True) -> CancelResult:
    """Cancel a verified order that has not shipped; ``apply=False`` only says whether it
    could be (``cancellable``), changing nothing."""
    if row is None:
        return CancelResult("not_found")
    if row.status == "cancelled":
        return CancelResult("already_cancelled", summary(session, row))
    if row.status not in CANCELLABLE or row.shipped_at is not None:
        return CancelResult("not_cancellable", summary(session, row))
    if not apply:
        return CancelResult("cancellable", summary(session, row))
    row.status = "cancelled"
    return CancelResult("cancelled", summary(session, row))


def request_return(
    session: Session, row: OrderRow | None, today: date, window_days: int, apply: bool = True
) -> ReturnResult:
    """Record a return of a verified, shipped order still inside its return window;
    ``apply=False`` only says whether it could be (``returnable``), changing nothing."""
    if row is None:
        return ReturnResult("not_found")
    order = summary(session, row)
    deadline = return_deadline(order, window_days)
    result = {"order": order, "deadline": deadline, "window_days": window_days}
    if row.status == "return_requested":
        return ReturnResult("already_requested", **result)
    if row.status in CLOSED:
        return ReturnResult("not_returnable", **result)
    if row.shipped_at is None and row.delivered_at is None:
        return ReturnResult("not_shipped", **result)
    if today > deadline:
        return ReturnResult("window_closed", **result)
    if not apply:
        return ReturnResult("returnable", **result)
    session.add(ReturnRow(order_number=row.number, requested_on=datetime.combine(today, datetime.min.time())))
    row.status = "return_requested"
    return ReturnResult("requested", summary(session, row), deadline, window_days)
