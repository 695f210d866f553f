"""Cart price rules (``promotions.csv``): which ones a cart earns and what they take off.

Actions: ``by_percent`` (percent off each eligible line; 0 % with free shipping is a pure
free-shipping rule), ``by_fixed`` (amount off each eligible unit) and ``buy_x_get_y`` (buy
``discount_step`` get ``discount_amount`` free). Rules apply in file order, each capped at
what is left of a line, until one says ``stop_rules_processing``.

Two readings of the sample rules are ours, not Magento's, because the rule names promise
them: a ``buy_x_get_y`` rule without action conditions applies to the items its cart
condition looks for (the tees), not to every item; and its free units are pooled across
lines and the cheapest units go free ("buy 3 tee shirts, get the 4th free").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from catalog.domain import ImportIssue
from catalog.importers.base import read_csv, require
from commerce.conditions import (
    ALWAYS,
    CartFacts,
    Condition,
    ConditionError,
    cart_holds,
    item_holds,
    parse_conditions,
    product_conditions,
)
from commerce.money import ZERO, money

ACTIONS = ("by_percent", "by_fixed", "buy_x_get_y")
SPECIFIC_COUPON = "2"


@dataclass(frozen=True)
class Promotion:
    """One active cart price rule."""

    name: str
    action: str
    amount: Decimal
    step: int = 0
    free_shipping: bool = False
    coupon_code: str | None = None
    stop_further: bool = False
    conditions: Condition = ALWAYS
    actions: Condition = ALWAYS
    description: str = ""

    def scope(self) -> Condition:
        """Which lines the discount applies to (see the module note on ``buy_x_get_y``)."""
        if self.actions.children or self.action != "buy_x_get_y":
            return self.actions
        return product_conditions(self.conditions) or self.actions


@dataclass(frozen=True)
class AppliedPromotion:
    """A rule the cart earned: money off the merchandise and/or free shipping."""

    name: str
    amount: Decimal
    free_shipping: bool = False
    coupon_code: str | None = None


@dataclass(frozen=True)
class PromotionResult:
    """Every earned rule, the discount per cart line (in line order) and in total."""

    applied: tuple[AppliedPromotion, ...] = ()
    line_discounts: tuple[Decimal, ...] = ()
    free_shipping: bool = False

    @property
    def discount(self) -> Decimal:
        return money(sum(self.line_discounts, ZERO))


def apply_promotions(
    promotions: Iterable[Promotion], cart: CartFacts, coupon: str | None = None
) -> PromotionResult:
    """The rules ``cart`` earns (with ``coupon`` entered, if any), in rule order."""
    left = [money(i.price * i.quantity) for i in cart.items]
    taken = [ZERO for _ in cart.items]
    applied: list[AppliedPromotion] = []
    free_shipping = False
    entered = (coupon or "").strip().upper()
    for rule in promotions:
        if rule.coupon_code and rule.coupon_code.upper() != entered:
            continue
        if not cart_holds(rule.conditions, cart):
            continue
        amounts = _discounts(rule, cart, left)
        for index, amount in enumerate(amounts):
            left[index] -= amount
            taken[index] += amount
        total = money(sum(amounts, ZERO))
        if total > 0 or rule.free_shipping:
            applied.append(AppliedPromotion(rule.name, total, rule.free_shipping, rule.coupon_code))
            free_shipping = free_shipping or rule.free_shipping
        if rule.stop_further:
            break
    return PromotionResult(tuple(applied), tuple(taken), free_shipping)


def _discounts(rule: Promotion, cart: CartFacts, left: list[Decimal]) -> list[Decimal]:
    """Discount per line for one rule, each capped at what is left of the line."""
    scope = rule.scope()
    eligible = [item_holds(scope, item) for item in cart.items]
    raw = [ZERO for _ in cart.items]
    if rule.action == "by_percent":
        raw = [
            money(i.price * i.quantity * rule.amount / 100) if ok else ZERO
            for i, ok in zip(cart.items, eligible, strict=True)
        ]
    elif rule.action == "by_fixed":
        raw = [
            money(min(rule.amount, i.price) * i.quantity) if ok else ZERO
            for i, ok in zip(cart.items, eligible, strict=True)
        ]
    elif rule.action == "buy_x_get_y":
        units = sorted(
            (i.price, index)
            for index, (i, ok) in enumerate(zip(cart.items, eligible, strict=True))
            if ok
            for _ in range(i.quantity)
        )
        for price, index in units[: free_units(len(units), rule.step, int(rule.amount))]:
            raw[index] += price
    return [min(money(r), max(left[n], ZERO)) for n, r in enumerate(raw)]


def free_units(units: int, buy: int, get: int) -> int:
    """Free units among ``units`` under "buy ``buy`` get ``get`` free" (Magento's count).

    >>> free_units(4, 3, 1), free_units(7, 3, 1), free_units(8, 3, 1)
    (1, 1, 2)
    """
    if buy <= 0 or get <= 0:
        return 0
    group = buy + get
    return units // group * get + max(0, min(get, units % group - buy))


def load_category_paths(files: Iterable[Path]) -> dict[str, str]:
    """``url_key`` -> category path (``tees-women`` -> ``Women/Tops/Tees``) from category CSVs."""
    paths: dict[str, str] = {}
    for path in files:
        for _, row in read_csv(path):
            key, name = row.get("url_key", "").strip(), row.get("name", "").strip()
            parent = row.get("path", "").strip().strip("/")
            if key and name:
                paths[key] = f"{parent}/{name}" if parent else name
    return paths


def load_promotions(
    path: Path, category_paths: dict[str, str]
) -> tuple[list[Promotion], list[ImportIssue]]:
    """Active rules of a ``promotions.csv``; bad rows are reported as ``file:line: reason``."""
    rules: list[Promotion] = []
    issues: list[ImportIssue] = []
    for line, row in read_csv(require(path)):
        name = row.get("name", "").strip()
        action = row.get("simple_action", "").strip()
        if row.get("is_active", "1").strip() == "0":
            continue
        problem = None if name else "rule without a name"
        problem = problem or (None if action in ACTIONS else f"unsupported action {action!r}")
        try:
            amount = Decimal(row.get("discount_amount", "").strip() or "0")
            step = int(Decimal(row.get("discount_step", "").strip() or "0"))
            conditions = parse_conditions(row.get("conditions_serialized", ""), category_paths)
            actions = parse_conditions(row.get("actions_serialized", ""), category_paths)
        except (InvalidOperation, ValueError, ConditionError) as error:
            problem = problem or str(error) or "amount is not a number"
        if problem:
            issues.append(ImportIssue(path.name, line, f"{problem} in rule {name!r}"))
            continue
        unsupported = conditions.unsupported() + actions.unsupported()
        if unsupported:
            issues.append(
                ImportIssue(path.name, line, f"rule {name!r} never applies: unsupported "
                            f"condition {', '.join(unsupported)}")
            )
        coupon = row.get("coupon_code", "").strip()
        rules.append(
            Promotion(
                name=name,
                action=action,
                amount=amount,
                step=step,
                free_shipping=row.get("simple_free_shipping", "0").strip() not in ("", "0"),
                coupon_code=coupon
                or (None if row.get("coupon_type", "1").strip() != SPECIFIC_COUPON else "?"),
                stop_further=row.get("stop_rules_processing", "0").strip() == "1",
                conditions=conditions,
                actions=actions,
                description=row.get("description", "").strip(),
            )
        )
    return rules, issues
