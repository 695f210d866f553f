"""What a cart costs: subtotal, earned promotions, shipping by method, total.

:class:`StoreRules` bundles the store's rate table, cart price rules and Customer Service
policy; :func:`price_cart` is pure arithmetic over cart lines, so unit tests need no database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from catalog.domain import ImportIssue, PolicySection
from commerce.conditions import CartFacts, ItemFacts
from commerce.money import ZERO, money
from commerce.policy import StorePolicy, load_store_policy, store_policy
from commerce.promotions import (
    AppliedPromotion,
    Promotion,
    apply_promotions,
    load_category_paths,
    load_promotions,
)
from commerce.shipping import Destination, NoShippingRate, ShippingTable, load_shipping_table

log = logging.getLogger(__name__)

STANDARD = "standard"
#: Standard delivery's price everywhere for a store that brings no shipping_table_rates.csv.
DEFAULT_FLAT_SHIPPING = Decimal("0.00")
DEFAULT_DESTINATION = Destination()


@dataclass(frozen=True)
class CartLine:
    """One cart line as priced: the unit price is the one recorded when it was added."""

    sku: str
    product_id: str
    name: str
    size: str | None
    color: str | None
    quantity: int
    unit_price: Decimal
    categories: tuple[str, ...] = ()
    on_sale: bool = False

    @property
    def line_total(self) -> Decimal:
        return money(self.unit_price * self.quantity)


@dataclass(frozen=True)
class ShippingOption:
    """A delivery method the shopper can choose, at its price for this cart."""

    method: str
    label: str
    days: str
    price: Decimal


@dataclass(frozen=True)
class CartView:
    """A priced cart. ``shipping`` is ``None`` when the chosen method does not ship there."""

    sender_id: str
    lines: tuple[CartLine, ...] = ()
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    promotions: tuple[AppliedPromotion, ...] = ()
    shipping_method: str = STANDARD
    shipping: Decimal | None = ZERO
    shipping_options: tuple[ShippingOption, ...] = ()
    total: Decimal = ZERO
    destination: Destination = DEFAULT_DESTINATION
    coupon_code: str | None = None
    currency: str = "USD"

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class StoreRules:
    """The store's pricing rules."""

    shipping: ShippingTable
    promotions: tuple[Promotion, ...] = ()
    policy: StorePolicy = field(default_factory=StorePolicy)
    currency: str = "USD"


def load_store_rules(
    rules_dir: Path | None, sections: Sequence[PolicySection] = ()
) -> tuple[StoreRules, list[ImportIssue]]:
    """Read the store's rate table, promotions (with category paths) and policy.

    A folder holding ``cms_pages.csv`` (the Magento sample) gives its Customer Service page;
    any other store's policy (return window, delivery speeds) is read from ``sections``, the
    pages it imported (``import_catalog --pages``). Files a store does not bring get defaults,
    each logged once: standard delivery at :data:`DEFAULT_FLAT_SHIPPING` everywhere, no
    promotions, the default return window.
    """
    folder = rules_dir if rules_dir is not None and rules_dir.is_dir() else None
    if rules_dir is not None and folder is None:
        log.warning("store rules folder %s does not exist: default rules", rules_dir)
    issues: list[ImportIssue] = []
    rates = folder / "shipping_table_rates.csv" if folder else None
    if rates is not None and rates.exists():
        table, issues = load_shipping_table(rates)
    else:
        log.info("the store brings no shipping_table_rates.csv: standard delivery costs %s "
                 "everywhere", DEFAULT_FLAT_SHIPPING)
        table = ShippingTable((), flat_price=DEFAULT_FLAT_SHIPPING)
    promotions: list[Promotion] = []
    if folder is not None and (folder / "promotions.csv").exists():
        categories = load_category_paths(sorted(folder.glob("categories*.csv")))
        promotions, promo_issues = load_promotions(folder / "promotions.csv", categories)
        issues += promo_issues
    else:
        log.info("the store brings no promotions.csv: no promotions")
    if folder is not None and (folder / "cms_pages.csv").exists():
        policy = load_store_policy(folder / "cms_pages.csv")
    else:
        policy = store_policy(sections)
        if not sections:
            log.info("the store brings no pages: return window %d days, no delivery speeds "
                     "beyond standard", policy.return_days)
    return StoreRules(table, tuple(promotions), policy), issues


def shipping_options(
    rules: StoreRules, destination: Destination, subtotal: Decimal, free_standard: bool
) -> tuple[ShippingOption, ...]:
    """Standard delivery at the table rate (free when a promotion says so; at the store page's
    Standard price when the store has no rate table), then the faster speeds the store's
    pages price by merchandise total."""
    speeds = rules.policy.speeds_for(subtotal)
    standard = next((s for s in speeds if s.method == STANDARD), None)
    standard_days = standard.days if standard else ""
    options: list[ShippingOption] = []
    try:
        if free_standard:
            price = ZERO
        elif standard is not None and not rules.shipping.rates:
            price = standard.price  # no rate table: the store's own page prices Standard
        else:
            price = rules.shipping.price(destination, subtotal)
        options.append(ShippingOption(STANDARD, "Standard", standard_days, price))
    except NoShippingRate:
        pass
    options.extend(
        ShippingOption(s.method, s.label, s.days, s.price) for s in speeds if s.method != STANDARD
    )
    return tuple(options)


def price_cart(
    sender_id: str,
    lines: list[CartLine] | tuple[CartLine, ...],
    rules: StoreRules,
    destination: Destination = DEFAULT_DESTINATION,
    coupon_code: str | None = None,
    method: str = STANDARD,
) -> CartView:
    """Price ``lines``: promotions on the subtotal, shipping for ``method``, total."""
    lines = tuple(lines)
    subtotal = money(sum((line.line_total for line in lines), ZERO))
    if not lines:
        return CartView(sender_id, destination=destination, coupon_code=coupon_code,
                        currency=rules.currency, shipping_method=method)
    facts = CartFacts(
        subtotal,
        tuple(
            ItemFacts(line.sku, line.product_id, line.categories, line.unit_price,
                      line.quantity, line.on_sale)
            for line in lines
        ),
    )
    earned = apply_promotions(rules.promotions, facts, coupon_code)
    options = shipping_options(rules, destination, subtotal, earned.free_shipping)
    chosen = next((o for o in options if o.method == method), None)
    shipping = chosen.price if chosen else None
    total = money(subtotal - earned.discount + (shipping or ZERO))
    return CartView(
        sender_id=sender_id,
        lines=lines,
        subtotal=subtotal,
        discount=earned.discount,
        promotions=earned.applied,
        shipping_method=method,
        shipping=shipping,
        shipping_options=options,
        total=total,
        destination=destination,
        coupon_code=coupon_code,
        currency=rules.currency,
    )
