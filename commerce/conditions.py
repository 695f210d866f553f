"""Magento cart-price-rule conditions (``conditions_serialized``), parsed and evaluated.

Supported condition types: ``Combine`` (all/any, true/false), ``Address`` (``base_subtotal``,
``total_qty``), ``Product\\Found`` (a cart item matching its product conditions is / is not
found), ``Product\\Combine`` (action conditions) and ``Product`` (``category_ids``, ``sku``,
``sale``). Anything else parses as ``unsupported`` and never holds, so a rule we cannot
check gives no discount rather than a wrong one.

The sample data writes category references as ``%url_key=tees-women,url_key=tees-men%``
placeholders (not valid JSON); they are quoted and resolved to category paths such as
``Women/Tops/Tees`` with the store's category files.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_PLACEHOLDER = re.compile(r':%([^%"]*)%')
_KINDS = {
    "Combine": "combine",
    "Address": "address",
    "Product\\Found": "found",
    "Product\\Combine": "product_combine",
    "Product": "product",
}
_COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


class ConditionError(ValueError):
    """The serialised conditions are not JSON even after placeholder quoting."""


@dataclass(frozen=True)
class ItemFacts:
    """What product conditions can ask about one cart line."""

    sku: str
    product_id: str
    categories: tuple[str, ...]
    price: Decimal
    quantity: int
    on_sale: bool = False


@dataclass(frozen=True)
class CartFacts:
    """What address (cart-level) conditions can ask about: subtotal before discounts, items."""

    subtotal: Decimal
    items: tuple[ItemFacts, ...]

    @property
    def total_qty(self) -> int:
        return sum(i.quantity for i in self.items)


@dataclass(frozen=True)
class Condition:
    """One node of a rule's condition tree."""

    kind: str
    attribute: str | None = None
    operator: str | None = None
    values: tuple[str, ...] = ()
    aggregator: str = "all"
    expect: bool = True
    children: tuple[Condition, ...] = ()

    def unsupported(self) -> list[str]:
        """Descriptions of the nodes (this one included) that never hold."""
        own = f"{self.attribute or '?'} {self.operator or ''}".strip()
        return ([own] if self.kind == "unsupported" else []) + [u for c in self.children for u in c.unsupported()]


ALWAYS = Condition("combine")


def parse_conditions(text: str, category_paths: Mapping[str, str]) -> Condition:
    """Parse ``conditions_serialized`` or ``actions_serialized``; empty text always holds.

    Raises:
        ConditionError: the text is not JSON.
    """
    if not text.strip():
        return ALWAYS
    try:
        tree = json.loads(_PLACEHOLDER.sub(r':"%\1%"', text))
    except json.JSONDecodeError as error:
        raise ConditionError(f"conditions are not JSON ({error.msg})") from error
    return _node(tree, category_paths)


def _node(tree: dict, category_paths: Mapping[str, str]) -> Condition:
    type_name = str(tree.get("type") or "")
    suffix = type_name.split("Rule\\Condition\\", 1)[-1]
    kind = _KINDS.get(suffix, "unsupported")
    attribute = tree.get("attribute")
    raw = tree.get("value")
    values = _values(str(raw) if raw is not None else "", attribute, category_paths)
    return Condition(
        kind=kind,
        attribute=attribute if kind != "unsupported" else (attribute or suffix),
        operator=tree.get("operator"),
        values=values,
        aggregator=str(tree.get("aggregator") or "all"),
        expect=str(raw) != "0",
        children=tuple(_node(c, category_paths) for c in tree.get("conditions") or ()),
    )


def _values(raw: str, attribute: str | None, category_paths: Mapping[str, str]) -> tuple[str, ...]:
    parts = [p.strip() for p in raw.strip("%").split(",") if p.strip()]
    if attribute != "category_ids":
        return tuple(parts) if raw.startswith("%") or attribute == "sku" else (raw,)
    keys = [p.removeprefix("url_key=") for p in parts]
    # An unresolvable reference keeps its key, which matches no category path.
    return tuple(category_paths.get(k, f"?{k}") for k in keys)


def _combine(cond: Condition, results: list[bool]) -> bool:
    wanted = [r == cond.expect for r in results]
    return all(wanted) if cond.aggregator == "all" else any(wanted)


def cart_holds(cond: Condition, cart: CartFacts) -> bool:
    """Whether a rule's cart conditions hold for ``cart``."""
    if cond.kind == "combine":
        return _combine(cond, [cart_holds(c, cart) for c in cond.children])
    if cond.kind == "address":
        actual = {"base_subtotal": cart.subtotal, "total_qty": Decimal(cart.total_qty)}
        return _compare(actual.get(cond.attribute or ""), cond)
    if cond.kind == "found":
        found = any(_combine(cond, [item_holds(c, i) for c in cond.children]) for i in cart.items)
        return found if cond.expect else not found
    return False


def item_holds(cond: Condition, item: ItemFacts) -> bool:
    """Whether product (or product-combine) conditions hold for one cart line."""
    if cond.kind in ("combine", "product_combine"):
        return _combine(cond, [item_holds(c, item) for c in cond.children])
    if cond.kind != "product":
        return False
    op = cond.operator or "=="
    if cond.attribute == "category_ids":
        hits = [
            any(c == path or c.startswith(path + "/") for c in item.categories)
            for path in cond.values
        ]
        matched = any(hits)
    elif cond.attribute == "sku":
        matched = item.sku in cond.values or item.product_id in cond.values
    elif cond.attribute == "sale":
        matched = item.on_sale == (cond.values[:1] == ("1",))
    else:
        return False
    return not matched if op.startswith("!") else matched


def _compare(actual: Decimal | None, cond: Condition) -> bool:
    compare = _COMPARE.get(cond.operator or "")
    if actual is None or compare is None or not cond.values:
        return False
    try:
        return compare(actual, Decimal(cond.values[0]))
    except InvalidOperation:
        return False


def product_conditions(cond: Condition) -> Condition | None:
    """The product conditions of the first ``Found`` node, if the cart conditions have one."""
    if cond.kind == "found" and cond.expect and cond.children:
        return Condition("product_combine", aggregator=cond.aggregator, children=cond.children)
    for child in cond.children:
        found = product_conditions(child)
        if found is not None:
            return found
    return None
