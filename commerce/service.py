"""The commerce service actions call: carts, checkout, orders and returns.

Actions type against :class:`Commerce` (tests fake it); :class:`CommerceService` implements
it over a SQL database and a catalog. Build it lazily in the action server, e.g.
``CommerceService.from_files(url, catalog, settings.store_rules_dir, pages=catalog.policy_sections())``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.domain import ImportIssue, PolicySection
from commerce import orders
from commerce.cart import CartStore
from commerce.contacts import ContactStore
from commerce.money import to_cents
from commerce.orders import CancelResult, OrderLookup, ReturnResult
from commerce.pricing import STANDARD, CartLine, CartView, StoreRules, load_store_rules, price_cart
from commerce.results import (
    PAYMENT_NOTE,
    AddResult,
    CartChange,
    CouponResult,
    PlacedOrder,
    Quote,
)
from commerce.schema import OrderItemRow, OrderRow, commerce_engine
from commerce.shipping import Destination
from commerce.variants import ProductLookup, on_sale, select_variant
from commerce.verification import VerificationGuard, VerificationLimits

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
#: Told of every cart change, checkout and order: ``(kind, sender_id, product_ids, data)``;
#: the action server connects it to the insights event store (see ``insights.recording``).
EventHook = Callable[[str, str, tuple[str, ...], dict], None]


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Commerce(Protocol):
    """What the dialogue may ask of commerce. Every method returns a typed result."""

    def view_cart(self, sender_id: str, method: str = STANDARD) -> CartView: ...
    def add_to_cart(self, sender_id: str, product_id: str, size: str | None = None,
                    color: str | None = None, quantity: int = 1) -> AddResult: ...
    def remove_from_cart(self, sender_id: str, item: str) -> CartChange: ...
    def change_quantity(self, sender_id: str, item: str, quantity: int) -> CartChange: ...
    def apply_coupon(self, sender_id: str, code: str | None) -> CouponResult: ...
    def set_destination(self, sender_id: str, country: str, region: str) -> CartView: ...
    def quote(self, sender_id: str, method: str = STANDARD) -> Quote: ...
    def remember_email(self, sender_id: str, email: str) -> str: ...
    def place_order(self, sender_id: str, email: str, method: str = STANDARD) -> PlacedOrder: ...
    def order_status(self, order_id: str, email: str, sender_id: str = "") -> OrderLookup: ...
    def cancel_order(self, order_id: str, email: str, sender_id: str = "",
                     confirmed: bool = True) -> CancelResult: ...
    def request_return(self, order_id: str, email: str, today: date, sender_id: str = "",
                       confirmed: bool = True) -> ReturnResult: ...


class CommerceService:
    """:class:`Commerce` over a SQL database (carts, orders) and a catalog (products, stock).

    Args:
        engine: Engine on a database with the commerce tables (:func:`commerce_engine`).
        catalog: Product reads (``SqlCatalog`` or a fake).
        rules: Shipping table, promotions and store policy.
        clock: Current UTC time (tests pass a fixed one).
        pii_secret: Key of the email hashes conversations hold (see :mod:`commerce.contacts`).
        on_event: Told of cart changes, checkouts and orders (:data:`EventHook`).
        limits: Failed order checks allowed per number, email and conversation
            (:mod:`commerce.verification`).
    """

    def __init__(self, engine: Engine, catalog: ProductLookup, rules: StoreRules,
                 clock: Callable[[], datetime] = _utcnow, pii_secret: str = "",
                 on_event: EventHook | None = None,
                 limits: VerificationLimits | None = None) -> None:
        self.engine = engine
        self.catalog = catalog
        self.rules = rules
        self.carts = CartStore(engine)
        self.clock = clock
        self.contacts = ContactStore(engine, pii_secret, clock)
        self.on_event = on_event
        self.guard = VerificationGuard(engine, limits or VerificationLimits(), pii_secret, clock)
        self.issues: list[ImportIssue] = []

    @classmethod
    def from_files(cls, url: str, catalog: ProductLookup, rules_dir: Path | None,
                   pii_secret: str = "", on_event: EventHook | None = None,
                   limits: VerificationLimits | None = None,
                   pages: Sequence[PolicySection] = ()) -> CommerceService:
        """Open the database at ``url`` and read the store's rules from ``rules_dir``.

        ``pages`` are the store's imported page sections, read for the return window and
        delivery speeds when ``rules_dir`` has no Magento ``cms_pages.csv``
        (:func:`commerce.pricing.load_store_rules`); ``rules_dir`` ``None``: default rules.
        Rule rows that could not be used are in ``service.issues``.
        """
        rules, issues = load_store_rules(rules_dir, pages)
        service = cls(commerce_engine(url), catalog, rules, pii_secret=pii_secret,
                      on_event=on_event, limits=limits)
        service.issues = issues
        return service

    # -- cart -------------------------------------------------------------------------------
    def view_cart(self, sender_id: str, method: str = STANDARD) -> CartView:
        """The priced cart: lines, subtotal, promotions, shipping for ``method``, total."""
        destination, coupon = self.carts.header(sender_id)
        lines = self.carts.lines(sender_id)
        return price_cart(sender_id, lines, self.rules, destination, coupon, method)

    def add_to_cart(self, sender_id: str, product_id: str, size: str | None = None,
                    color: str | None = None, quantity: int = 1) -> AddResult:
        """Add ``quantity`` of a product; configurable products need an in-stock size/colour."""
        if quantity < 1:
            return AddResult("bad_quantity", product_id)
        choice = select_variant(self.catalog, product_id, size, color, quantity)
        product = choice.product
        name = product.name if product else ""
        pid = product.id if product else product_id
        if choice.status != "ok" or product is None:
            return AddResult(choice.status, pid, name, missing=choice.missing,
                             unknown=choice.unknown, sizes=choice.sizes, colors=choice.colors,
                             alternatives=choice.alternatives, available=choice.available)
        variant = choice.variant
        in_cart = sum(q.quantity for q in self.carts.lines(sender_id) if q.sku == choice.sku)
        if variant is not None and variant.qty < quantity + in_cart:
            return AddResult("not_enough_stock", pid, name, available=int(variant.qty))
        if choice.unit_price is None:
            return AddResult("no_price", pid, name)
        line = self.carts.add(sender_id, CartLine(
            sku=choice.sku, product_id=pid, name=name,
            size=variant.size if variant else None, color=variant.color if variant else None,
            quantity=quantity, unit_price=choice.unit_price,
            categories=product.categories or (product.category,), on_sale=on_sale(product),
        ))
        self._tell("cart_add", sender_id, (pid,), {"sku": choice.sku, "quantity": quantity})
        return AddResult("added", pid, name, line=line, cart=self.view_cart(sender_id))

    def _tell(self, kind: str, sender_id: str, product_ids: tuple[str, ...], data: dict) -> None:
        if self.on_event is not None:
            self.on_event(kind, sender_id, product_ids, data)

    def _find(self, sender_id: str, item: str) -> list[CartLine]:
        """Lines meant by ``item``: a line number (1-based), a SKU, a product id or name."""
        lines = self.carts.lines(sender_id)
        text = item.strip().lower()
        if text.isdigit():
            index = int(text) - 1
            return [lines[index]] if 0 <= index < len(lines) else []
        for key in (lambda x: x.sku, lambda x: x.product_id, lambda x: x.name):
            hits = [line for line in lines if key(line).lower() == text]
            if hits:
                return hits
        return [line for line in lines if text and text in line.name.lower()]

    def remove_from_cart(self, sender_id: str, item: str) -> CartChange:
        """Remove the line ``item`` refers to (see :meth:`_find`)."""
        return self.change_quantity(sender_id, item, 0)

    def change_quantity(self, sender_id: str, item: str, quantity: int) -> CartChange:
        """Set a line's quantity; 0 removes it. Stock is checked again for increases."""
        hits = self._find(sender_id, item)
        if quantity < 0:
            return CartChange("bad_quantity", self.view_cart(sender_id))
        if len(hits) != 1:
            status = "ambiguous" if hits else "not_in_cart"
            return CartChange(status, self.view_cart(sender_id), tuple(hits))
        line = hits[0]
        if quantity > line.quantity:
            choice = select_variant(self.catalog, line.sku, quantity=quantity)
            if choice.status != "ok":
                available = choice.available if choice.available is not None else line.quantity
                return CartChange("not_enough_stock", self.view_cart(sender_id), (line,), available)
        self.carts.set_quantity(sender_id, line.sku, quantity)
        status = "removed" if quantity == 0 else "updated"
        if quantity < line.quantity:
            self._tell("cart_remove", sender_id, (line.product_id,),
                       {"sku": line.sku, "quantity": line.quantity - quantity})
        return CartChange(status, self.view_cart(sender_id), (line,))

    def apply_coupon(self, sender_id: str, code: str | None) -> CouponResult:
        """Enter a coupon code (``None`` removes it); unknown codes are not kept."""
        wanted = (code or "").strip().upper()
        if not wanted:
            self.carts.set_coupon(sender_id, None)
            return CouponResult("removed", self.view_cart(sender_id))
        known = {r.coupon_code.upper() for r in self.rules.promotions if r.coupon_code}
        if wanted not in known:
            return CouponResult("unknown_code", self.view_cart(sender_id))
        self.carts.set_coupon(sender_id, wanted)
        return CouponResult("applied", self.view_cart(sender_id))

    def set_destination(self, sender_id: str, country: str, region: str) -> CartView:
        """Ship this cart to ``country``/``region`` (a US state name or code, or ``*``)."""
        self.carts.set_destination(sender_id, Destination(country or "US", region or "*"))
        return self.view_cart(sender_id)

    # -- checkout ---------------------------------------------------------------------------
    def quote(self, sender_id: str, method: str = STANDARD) -> Quote:
        """What placing the order would cost with delivery ``method`` (a checkout started)."""
        quote = self._quote(sender_id, method)
        if quote.status == "ok":
            self._tell("checkout", sender_id, tuple(line.product_id for line in quote.cart.lines),
                       {"total": float(quote.cart.total)})
        return quote

    def _quote(self, sender_id: str, method: str) -> Quote:
        cart = self.view_cart(sender_id, method)
        if cart.is_empty:
            return Quote("empty_cart", cart)
        if method not in {o.method for o in cart.shipping_options}:
            known = {STANDARD} | {s.method for s in self.rules.policy.delivery}
            return Quote("unknown_method" if method not in known else "no_shipping", cart)
        return Quote("ok", cart)

    def remember_email(self, sender_id: str, email: str) -> str:
        """Keep the checkout email of a conversation; returns what its ``email`` slot may hold
        (a keyed hash when a secret is configured, so the tracker never stores the address)."""
        return self.contacts.remember(sender_id, orders.normalise_email(email))

    def place_order(self, sender_id: str, email: str, method: str = STANDARD) -> PlacedOrder:
        """Turn the cart into an order and empty it, in one transaction.

        ``email`` is an address or the hash :meth:`remember_email` returned for this conversation.
        """
        address = orders.normalise_email(self.contacts.address(sender_id, email) or "")
        if not _EMAIL.fullmatch(address):
            return PlacedOrder("invalid_email")
        quote = self._quote(sender_id, method)
        if quote.status != "ok":
            return PlacedOrder(quote.status, cart=quote.cart)
        cart = quote.cart
        unavailable = tuple(
            line.sku for line in cart.lines
            if select_variant(self.catalog, line.sku, quantity=line.quantity).status != "ok"
        )
        if unavailable:
            return PlacedOrder("unavailable", cart=cart, unavailable=unavailable)
        for _ in range(3):
            try:
                placed = self._write_order(sender_id, address, cart)
                if placed.order is not None:
                    self._tell("order", sender_id,
                               tuple(line.product_id for line in cart.lines),
                               {"number": placed.order.number, "total": float(placed.order.total)})
                return placed
            except IntegrityError:  # another process took the number: take the next one
                continue
        raise RuntimeError("could not allocate an order number after 3 attempts")

    def _write_order(self, sender_id: str, email: str, cart: CartView) -> PlacedOrder:
        with Session(self.engine) as session, session.begin():
            if self.carts.lines(sender_id, session) != list(cart.lines):
                cart = self.view_cart(sender_id, cart.shipping_method)  # changed meanwhile
                if cart.is_empty:
                    return PlacedOrder("empty_cart", cart=cart)
            number = orders.next_order_number(session)
            row = OrderRow(
                number=number, email=email, sender_id=sender_id, status="pending",
                placed_at=self.clock(), shipping_method=cart.shipping_method,
                subtotal_cents=to_cents(cart.subtotal), discount_cents=to_cents(cart.discount),
                shipping_cents=to_cents(cart.shipping or 0), total_cents=to_cents(cart.total),
                currency=cart.currency, promotions=[p.name for p in cart.promotions],
                payment=PAYMENT_NOTE, source="assistant",
            )
            session.add(row)
            session.flush()
            session.add_all(
                OrderItemRow(order_number=number, sku=line.sku, name=line.name, size=line.size,
                             color=line.color, quantity=line.quantity,
                             unit_price_cents=to_cents(line.unit_price))
                for line in cart.lines
            )
            CartStore.clear(session, sender_id)
            session.flush()
            return PlacedOrder("placed", orders.summary(session, row), cart)

    # -- orders -----------------------------------------------------------------------------
    # Every check of a number and an email counts against the limits, whoever asks and however
    # the slots were filled; ``sender_id`` is the conversation asking.
    def _verify(self, order_id: str, email: str, sender_id: str) -> int | None | bool:
        """The number of the order ``email`` owns; ``None`` (no such order, or not theirs);
        ``False`` when the limits refuse the check (nothing is looked up)."""
        number = orders.normalise_order_id(order_id)
        attempt = self.guard.begin(number, email, sender_id)
        if attempt is None:
            return False
        with Session(self.engine) as session:
            row = orders.verified_order(session, order_id, email, self.contacts.matches)
            verified = row.number if row is not None else None
        self.guard.finish(attempt, "verified" if verified is not None else "failed")
        return verified

    def order_status(self, order_id: str, email: str, sender_id: str = "") -> OrderLookup:
        """The order, if ``email`` is the one it was placed with; else ``not_found``
        (``locked`` past the limits)."""
        number = self._verify(order_id, email, sender_id)
        if number is False:
            return OrderLookup("locked")
        with Session(self.engine) as session:
            row = session.get(OrderRow, number) if number else None
            return OrderLookup("found", orders.summary(session, row)) if row else OrderLookup(
                "not_found")

    def cancel_order(self, order_id: str, email: str, sender_id: str = "",
                     confirmed: bool = True) -> CancelResult:
        """Cancel a verified order that has not shipped; unconfirmed, only say whether it can
        be (``cancellable``)."""
        number = self._verify(order_id, email, sender_id)
        if number is False:
            return CancelResult("locked")
        with Session(self.engine) as session, session.begin():
            row = session.get(OrderRow, number) if number else None
            return orders.cancel(session, row, apply=confirmed)

    def request_return(self, order_id: str, email: str, today: date, sender_id: str = "",
                       confirmed: bool = True) -> ReturnResult:
        """Record a return inside the store's window (read from the Customer Service page);
        unconfirmed, only say whether it can be (``returnable``)."""
        number = self._verify(order_id, email, sender_id)
        if number is False:
            return ReturnResult("locked")
        policy = self.rules.policy
        with Session(self.engine) as session, session.begin():
            row = session.get(OrderRow, number) if number else None
            result = orders.request_return(session, row, today, policy.return_days,
                                           apply=confirmed)
        return replace(result, policy=policy.return_quote) if row is not None else result

    # -- fulfilment (staff side, no email check) --------------------------------------------
    def mark_shipped(self, order_id: str, when: datetime, delivered: datetime | None = None) -> bool:
        """Record that an order shipped (and, optionally, was delivered)."""
        number = orders.normalise_order_id(order_id)
        with Session(self.engine) as session, session.begin():
            row = session.get(OrderRow, number) if number else None
            if row is None:
                return False
            row.shipped_at, row.delivered_at = when, delivered
            row.status = "delivered" if delivered else "shipped"
            return True
