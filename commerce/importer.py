"""Import the sample store's customers and orders (``customers.csv``, ``orders.csv``).

Idempotent and all or nothing: the parsed content is fingerprinted and, when it changed,
the previous sample customers and orders are replaced inside one transaction. Bad rows are
skipped and reported as ``file:line: reason``.

Order numbers: the n-th data row of ``orders.csv`` becomes order ``n`` (shown
``00000000n``), counting skipped rows too, so one bad row never renumbers the others.
Magento's sample installer invoices every order and refunds those marked ``refund=yes``;
so imported orders are ``processing`` (paid, not shipped) or ``refunded``. The file has no
prices or dates: prices come from the catalog, shipping is Magento's default flat rate
($5 per item, the ``flatrate_flatrate`` method), and the order date is ``placed_at``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from catalog.domain import ImportIssue, ImportSummary
from catalog.importers.base import read_csv, require
from commerce.money import ZERO, money, to_cents
from commerce.orders import normalise_email
from commerce.schema import (
    CommerceImportRow,
    CustomerRow,
    OrderItemRow,
    OrderRow,
    ReturnRow,
)
from commerce.variants import ProductLookup, select_variant

SOURCE = "luma-sample"
FLAT_RATE_PER_ITEM = Decimal("5.00")
PAYMENTS = {"checkmo": "check / money order"}


@dataclass(frozen=True)
class SampleOrder:
    """One parsed order row."""

    number: int
    email: str
    status: str
    shipping_method: str
    payment: str
    sku: str
    name: str
    size: str | None
    color: str | None
    quantity: int
    unit_price: Decimal


def parse_customers(path: Path, issues: list[ImportIssue]) -> list[dict[str, str]]:
    """Customer rows as ``CustomerRow`` fields (password, birth date and phone are dropped)."""
    customers: list[dict[str, str]] = []
    for line, row in read_csv(require(path)):
        email = normalise_email(row.get("email"))
        if "@" not in email:
            issues.append(ImportIssue(path.name, line, "missing or invalid email"))
            continue
        try:
            street = ", ".join(s for s in json.loads(row.get("street") or "[]") if s)
        except (json.JSONDecodeError, TypeError):
            street = row.get("street", "").strip()
        customers.append({
            "email": email,
            "first_name": row.get("firstname", "").strip(),
            "last_name": row.get("lastname", "").strip(),
            "street": street,
            "city": row.get("city", "").strip(),
            "region": row.get("region", "").strip(),
            "country": row.get("country_id", "").strip().upper() or "US",
            "postcode": row.get("postcode", "").strip(),
        })
    return customers


def parse_orders(path: Path, catalog: ProductLookup, issues: list[ImportIssue]) -> list[SampleOrder]:
    """Order rows priced from the catalog; the n-th data row is order number n."""
    orders: list[SampleOrder] = []
    for number, (line, row) in enumerate(read_csv(require(path)), start=1):
        try:
            orders.append(_order(number, row, catalog))
        except ValueError as error:
            issues.append(ImportIssue(path.name, line, str(error)))
    return orders


def _order(number: int, row: dict[str, str], catalog: ProductLookup) -> SampleOrder:
    email = normalise_email(row.get("customer_email"))
    if "@" not in email:
        raise ValueError("missing or invalid customer_email")
    try:
        product = json.loads(row.get("product") or "")
        quantity = int(Decimal(str(product.get("qty", "1"))))
        options = product.get("configurable_options") or {}
        sku = str(product["sku"]).strip()
    except (json.JSONDecodeError, AttributeError, KeyError, ArithmeticError) as error:
        raise ValueError(f"product is not a JSON object with sku and qty ({error})") from error
    if quantity <= 0:
        raise ValueError(f"quantity {quantity} is not positive")
    choice = select_variant(catalog, sku, options.get("size"), options.get("color"), quantity=0)
    if choice.product is None:
        raise ValueError(f"unknown product {sku}")
    if choice.status not in ("ok", "out_of_stock") or choice.unit_price is None:
        raise ValueError(f"no priced variant {options.get('size')}/{options.get('color')} of {sku}")
    variant = choice.variant
    return SampleOrder(
        number=number,
        email=email,
        status="refunded" if row.get("refund", "").strip().lower() == "yes" else "processing",
        shipping_method=row.get("shipping_method", "").strip() or "flatrate_flatrate",
        payment=PAYMENTS.get(row.get("payment", "").strip(), row.get("payment", "").strip()),
        sku=choice.sku,
        name=choice.product.name,
        size=variant.size if variant else None,
        color=variant.color if variant else None,
        quantity=quantity,
        unit_price=choice.unit_price,
    )


def _fingerprint(customers: list[dict[str, str]], orders: list[SampleOrder]) -> str:
    blob = json.dumps(
        {"customers": customers, "orders": [asdict(o) for o in orders]}, sort_keys=True, default=str
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def import_sample(
    luma_dir: Path, catalog: ProductLookup, engine: Engine, placed_at: datetime
) -> ImportSummary:
    """Import ``customers.csv`` and ``orders.csv`` from ``luma_dir`` into ``engine``'s database.

    Raises:
        catalog.importers.base.CatalogSourceMissing: a file does not exist.
    """
    issues: list[ImportIssue] = []
    customers = parse_customers(luma_dir / "customers.csv", issues)
    orders = parse_orders(luma_dir / "orders.csv", catalog, issues)
    summary = ImportSummary({"customers": len(customers), "orders": len(orders)}, issues)
    digest = _fingerprint(customers, orders)
    with Session(engine) as session, session.begin():
        meta = session.get(CommerceImportRow, SOURCE)
        if meta is not None and meta.fingerprint == digest:
            return summary
        numbers = select(OrderRow.number).where(OrderRow.source == SOURCE)
        session.execute(delete(ReturnRow).where(ReturnRow.order_number.in_(numbers)))
        session.execute(delete(OrderItemRow).where(OrderItemRow.order_number.in_(numbers)))
        session.execute(delete(OrderRow).where(OrderRow.source == SOURCE))
        session.execute(delete(CustomerRow).where(CustomerRow.source == SOURCE))
        session.flush()
        session.add_all(CustomerRow(source=SOURCE, **c) for c in customers)
        for order in orders:
            session.add(_order_row(order, placed_at))
            session.flush()
            session.add(
                OrderItemRow(order_number=order.number, sku=order.sku, name=order.name,
                             size=order.size, color=order.color, quantity=order.quantity,
                             unit_price_cents=to_cents(order.unit_price))
            )
        if meta is None:
            meta = CommerceImportRow(source=SOURCE)
            session.add(meta)
        meta.fingerprint, meta.imported_at = digest, datetime.now()
    summary.changed = True
    return summary


def _order_row(order: SampleOrder, placed_at: datetime) -> OrderRow:
    subtotal = money(order.unit_price * order.quantity)
    shipping = money(FLAT_RATE_PER_ITEM * order.quantity) if order.shipping_method.startswith(
        "flatrate") else ZERO
    return OrderRow(
        number=order.number, email=order.email, sender_id=None, status=order.status,
        placed_at=placed_at, shipping_method=order.shipping_method,
        subtotal_cents=to_cents(subtotal), discount_cents=0, shipping_cents=to_cents(shipping),
        total_cents=to_cents(subtotal + shipping), promotions=[], payment=order.payment,
        source=SOURCE,
    )
