"""The assertions of a turn, each returning what did not hold (an empty list: all held)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from catalog.domain import Product
from ops.conversation_tests.facts import CatalogFacts, ShopFacts, squeeze
from ops.conversation_tests.outcome import TurnOutcome
from ops.conversation_tests.script import (
    AnswerExpect,
    CardRule,
    CartExpect,
    ComparisonExpect,
    Expect,
    LineExpect,
    OrderExpect,
    ProductsExpect,
    ShopExpect,
)


@dataclass
class Context:
    """What checks may consult: the conversation, the catalog and the shop databases."""

    sender: str
    catalog: CatalogFacts
    shop: ShopFacts


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 0.005
    return a == b


def _one(outcome: TurnOutcome, kind: str) -> tuple[dict[str, Any] | None, list[str]]:
    found = outcome.payloads(kind)
    if not found:
        return None, [f"expected a `{kind}` payload; got {outcome.payload_types() or 'text only'}"]
    return found[-1], []


# ------------------------------------------------------------------------------ understanding

def check_intent(expected: str | list[str], outcome: TurnOutcome, _: Context) -> list[str]:
    allowed = [expected] if isinstance(expected, str) else expected
    if outcome.intent in allowed:
        return []
    return [f"intent: expected {' or '.join(allowed)}, parsed {outcome.intent} "
            f"({outcome.confidence if outcome.confidence is not None else '?'})"]


def check_entities(expected: dict[str, Any], outcome: TurnOutcome, _: Context) -> list[str]:
    problems: list[str] = []
    found: dict[str, list[str]] = {}
    for entity in outcome.entities:
        found.setdefault(str(entity.get("entity")), []).append(str(entity.get("value")).lower())
    for name, want in expected.items():
        values = found.get(name, [])
        wanted = want if isinstance(want, list) else [want]
        for value in wanted:
            if value == "*" and values:
                continue
            if value is None and not values:
                continue
            if value is not None and str(value).lower() in values:
                continue
            problems.append(f"entity {name}: expected {value!r}, extracted {values or 'none'}")
    return problems


# ----------------------------------------------------------------------------------- cards

def category_matches(wanted: str, path: str) -> bool:
    """``Men/Tops`` is a prefix of the path; ``Hoodies`` is a word of one of its segments
    (``Men/Tops/Hoodies & Sweatshirts``). Case-insensitive."""
    want, path = wanted.strip().strip("/").lower(), path.lower()
    if "/" in want:
        return path == want or path.startswith(want + "/")
    return any(re.search(rf"(?<!\w){re.escape(want)}(?!\w)", segment)
               for segment in path.split("/"))


def card_rule_problems(product: Product, rule: CardRule) -> list[str]:
    """What ``product`` (from the catalog database) breaks of ``rule``."""
    problems: list[str] = []
    low = str.lower
    if rule.category is not None:
        paths = [low(p) for p in (product.category, *product.categories) if p]
        if not any(category_matches(rule.category, p) for p in paths):
            problems.append(f"category {rule.category!r} not in {sorted(set(paths))}")
    if rule.gender is not None and low(product.gender or "") not in {low(rule.gender), "unisex"}:
        problems.append(f"gender is {product.gender!r}, not {rule.gender!r} or unisex")
    if rule.price_max is not None and (product.price is None or product.price > rule.price_max):
        problems.append(f"price {product.price} is over {rule.price_max}")
    if rule.price_min is not None and (product.price is None or product.price < rule.price_min):
        problems.append(f"price {product.price} is under {rule.price_min}")
    if rule.color is not None or rule.size is not None:
        fits = [v for v in product.variants if v.in_stock
                and (rule.color is None or low(v.color or "") == low(rule.color))
                and (rule.size is None or low(v.size or "") == low(rule.size))]
        if not fits:
            wanted = " ".join(x for x in (rule.color, rule.size) if x)
            problems.append(f"no variant in stock in {wanted}")
    if rule.material is not None and low(rule.material) not in map(low, product.materials):
        problems.append(f"materials {list(product.materials)} lack {rule.material!r}")
    if rule.brand is not None and low(product.brand or "") != low(rule.brand):
        problems.append(f"brand is {product.brand!r}, not {rule.brand!r}")
    if rule.activity is not None and low(rule.activity) not in map(low, product.activities):
        problems.append(f"activities {list(product.activities)} lack {rule.activity!r}")
    if rule.eco_friendly is not None and product.eco_friendly != rule.eco_friendly:
        problems.append(f"eco_friendly is {product.eco_friendly}")
    return problems


def _named(names: list[str], cards: list[dict[str, Any]], ctx: Context, what: str,
           ordered: bool) -> list[str]:
    ids = [c.get("id") for c in cards]
    problems: list[str] = []
    wanted: list[str] = []
    for name in names:
        product_id = ctx.catalog.resolve(name)
        if product_id is None:
            problems.append(f"{what}: the catalog has no product {name!r} (script error)")
        wanted.append(product_id or name)
    if problems:
        return problems
    if ordered and ids[:len(wanted)] != wanted:
        return [f"{what}: expected first {wanted}, shown {ids}"]
    if not ordered and not set(wanted) <= set(ids):
        return [f"{what}: expected among the cards {sorted(set(wanted) - set(ids))}, shown {ids}"]
    return []


def check_cards(expected: ProductsExpect, cards: list[dict[str, Any]], ctx: Context,
                what: str = "products") -> list[str]:
    problems: list[str] = []
    if expected.count is not None and not expected.count.holds(len(cards)):
        problems.append(f"{what}: expected {expected.count} cards, got {len(cards)}")
    if expected.each is not None:
        for card in cards:
            product = ctx.catalog.product(str(card.get("id")))
            if product is None:
                problems.append(f"{what}: card {card.get('id')} is not in the catalog")
                continue
            problems += [f"{what}: {product.name} ({product.id}): {p}"
                         for p in card_rule_problems(product, expected.each)]
    if expected.names is not None:
        problems += _named(expected.names, cards, ctx, f"{what} names", ordered=True)
    if expected.ids is not None and [c.get("id") for c in cards][:len(expected.ids)] != expected.ids:
        problems.append(f"{what} ids: expected first {expected.ids}, "
                        f"shown {[c.get('id') for c in cards]}")
    if expected.includes is not None:
        problems += _named(expected.includes, cards, ctx, f"{what} includes", ordered=False)
    for name in expected.excludes or []:
        product_id = ctx.catalog.resolve(name) or name
        if product_id in {c.get("id") for c in cards}:
            problems.append(f"{what}: {name} ({product_id}) is shown but must not be")
    return problems


def check_products(expected: ProductsExpect, outcome: TurnOutcome, ctx: Context) -> list[str]:
    payload, missing = _one(outcome, "products")
    return missing or check_cards(expected, payload.get("products") or [], ctx)  # type: ignore[union-attr]


def check_no_results(expected: bool, outcome: TurnOutcome, _: Context) -> list[str]:
    empty = any((p.get("search") or {}).get("results") == 0 for p in outcome.payloads("search"))
    if empty == expected:
        return []
    return [f"no_results: expected {expected}; payloads {outcome.payload_types()}"]


def check_comparison(expected: ComparisonExpect, outcome: TurnOutcome, ctx: Context) -> list[str]:
    payload, missing = _one(outcome, "comparison")
    if missing or payload is None:
        return missing
    cards = payload.get("products") or []
    problems = check_cards(ProductsExpect(count=expected.count, names=expected.names), cards, ctx,
                           "comparison")
    rows = {str(r.get("attribute")).lower() for r in payload.get("rows") or []}
    problems += [f"comparison: no row {a!r} (rows: {sorted(rows)})"
                 for a in expected.attributes if a.lower() not in rows]
    return problems


# ---------------------------------------------------------------------------------- answers

def citation_problems(citation: dict[str, Any], catalog: CatalogFacts) -> list[str]:
    """Whether the citation's quote is verbatim in its source (review quotes are
    "title — text": each part must be in the same review)."""
    source, quote = citation.get("source"), squeeze(str(citation.get("quote") or ""))
    if not quote:
        return ["a citation with an empty quote"]
    if source == "policy":
        texts = catalog.policy_texts
    else:
        texts = catalog.product_texts(str(citation.get("product_id"))).get(str(source), [])
    parts = quote.split(" — ") if source == "review" else [quote]
    if any(all(part.strip() in text for part in parts) for text in texts):
        return []
    return [f"citation not verbatim in its {source} source "
            f"({citation.get('product_id') or citation.get('title')}): {quote[:160]!r}"]


def check_answer(expected: AnswerExpect, outcome: TurnOutcome, ctx: Context) -> list[str]:
    payload, missing = _one(outcome, "answer")
    if missing or payload is None:
        return missing
    citations = payload.get("citations") or []
    problems: list[str] = []
    if expected.grounded is not None and payload.get("grounded") is not expected.grounded:
        problems.append(f"answer: expected grounded={expected.grounded}, "
                        f"got {payload.get('grounded')}")
    if expected.source and not any(c.get("source") == expected.source for c in citations):
        problems.append(f"answer: no {expected.source} citation "
                        f"(sources: {[c.get('source') for c in citations]})")
    if expected.product is not None:
        product_id = ctx.catalog.resolve(expected.product)
        if product_id is None:
            problems.append(f"answer: the catalog has no product {expected.product!r} (script error)")
        else:
            cited = {c.get("product_id") for c in citations if c.get("source") != "policy"}
            if payload.get("product_id") != product_id or not cited <= {product_id}:
                problems.append(f"answer: expected about {product_id}, answered about "
                                f"{payload.get('product_id')} citing {sorted(map(str, cited))}")
    text = (str(payload.get("text") or "") + "\n" + outcome.text).lower()
    problems += [f"answer: {word!r} not in the answer" for word in expected.words
                 if word.lower() not in text]
    for citation in citations:
        problems += citation_problems(citation, ctx.catalog)
    return problems


# ------------------------------------------------------------------------- carts and orders

def _line_problems(want: LineExpect, got: dict[str, Any], number: int, what: str) -> list[str]:
    problems = []
    for key, value in want.model_dump(exclude_none=True).items():
        if not _same(got.get(key), value):
            problems.append(f"{what} line {number}: {key} is {got.get(key)!r}, expected {value!r}")
    return problems


def _cart_problems(expected: CartExpect, payload: dict[str, Any], what: str) -> list[str]:
    items = payload.get("items") or []
    problems: list[str] = []
    if expected.count is not None and not expected.count.holds(len(items)):
        problems.append(f"{what}: expected {expected.count} lines, got {len(items)}")
    if expected.items is not None:
        if len(items) != len(expected.items):
            problems.append(f"{what}: expected {len(expected.items)} lines, got {len(items)}")
        for number, (want, got) in enumerate(zip(expected.items, items, strict=False), 1):
            problems += _line_problems(want, got, number, what)
    for key in ("total", "subtotal", "shipping_method"):
        want_value = getattr(expected, key)
        if want_value is not None and not _same(payload.get(key), want_value):
            problems.append(f"{what}: {key} is {payload.get(key)!r}, expected {want_value!r}")
    return problems


def check_cart(expected: CartExpect, outcome: TurnOutcome, _: Context) -> list[str]:
    payload, missing = _one(outcome, "cart")
    return missing or _cart_problems(expected, payload or {}, "cart")


def check_quote(expected: CartExpect, outcome: TurnOutcome, _: Context) -> list[str]:
    payload, missing = _one(outcome, "quote")
    return missing or _cart_problems(expected, payload or {}, "quote")


def check_order(expected: OrderExpect, outcome: TurnOutcome, _: Context) -> list[str]:
    payload, missing = _one(outcome, "order")
    if missing or payload is None:
        return missing
    problems: list[str] = []
    if expected.number is not None and payload.get("number") != expected.number.zfill(9):
        problems.append(f"order: number {payload.get('number')}, expected {expected.number}")
    if expected.status is not None and payload.get("status") != expected.status:
        problems.append(f"order: status {payload.get('status')!r}, expected {expected.status!r}")
    if expected.items is not None and not expected.items.holds(len(payload.get("items") or [])):
        problems.append(f"order: expected {expected.items} lines, got {len(payload['items'])}")
    if expected.return_status is not None:
        got = (payload.get("return") or {}).get("status")
        if got != expected.return_status:
            problems.append(f"order: return status {got!r}, expected {expected.return_status!r}")
    return problems


def check_promotions(expected: Any, outcome: TurnOutcome, _: Context) -> list[str]:
    payload, missing = _one(outcome, "promotions")
    if missing or payload is None:
        return missing
    count = len(payload.get("promotions") or [])
    return [] if expected.holds(count) else [f"promotions: expected {expected}, got {count}"]


def check_handoff(expected: bool, outcome: TurnOutcome, _: Context) -> list[str]:
    flagged = bool(outcome.payloads("handoff")) and bool(outcome.slots.get("handoff_requested"))
    if flagged == expected:
        return []
    return [f"handoff: expected {expected}; payloads {outcome.payload_types()}, "
            f"handoff_requested={outcome.slots.get('handoff_requested')}"]


# --------------------------------------------------------------------------------- the rest

def check_says(expected: list[str], outcome: TurnOutcome, _: Context) -> list[str]:
    text = outcome.text.lower()
    return [f"says: {phrase!r} not in the reply" for phrase in expected
            if phrase.lower() not in text]


def check_not_says(expected: list[str], outcome: TurnOutcome, _: Context) -> list[str]:
    text = outcome.text.lower()
    return [f"not_says: {phrase!r} is in the reply" for phrase in expected
            if phrase.lower() in text]


def check_payloads(expected: list[str], outcome: TurnOutcome, _: Context) -> list[str]:
    got = outcome.payload_types()
    return [] if got == expected else [f"payloads: expected {expected}, got {got}"]


def check_silent(expected: bool, outcome: TurnOutcome, _: Context) -> list[str]:
    silent = not outcome.messages
    return [] if silent == expected else [f"silent: expected {expected}, "
                                          f"got {len(outcome.messages)} messages"]


def check_slots(expected: dict[str, Any], outcome: TurnOutcome, _: Context) -> list[str]:
    return [f"slot {name}: is {outcome.slots.get(name)!r}, expected {value!r}"
            for name, value in expected.items() if not _same(outcome.slots.get(name), value)]


def check_shop(expected: ShopExpect, _: TurnOutcome, ctx: Context) -> list[str]:
    problems: list[str] = []
    if expected.cart_lines is not None:
        lines = ctx.shop.cart_lines(ctx.sender)
        if lines != expected.cart_lines:
            problems.append(f"shop: {lines} cart lines, expected {expected.cart_lines}")
    if expected.orders_placed is not None:
        placed = ctx.shop.orders_placed(ctx.sender)
        if placed != expected.orders_placed:
            problems.append(f"shop: {placed} orders placed, expected {expected.orders_placed}")
    for number, status in expected.order_status.items():
        got = ctx.shop.order_status(number)
        if got != status:
            problems.append(f"shop: order {number} is {got!r}, expected {status!r}")
    problems += [f"shop: no return recorded for order {number}"
                 for number in expected.return_recorded if not ctx.shop.return_recorded(number)]
    return problems


CHECKS: dict[str, Callable[[Any, TurnOutcome, Context], list[str]]] = {
    "intent": check_intent, "entities": check_entities, "products": check_products,
    "no_results": check_no_results, "answer": check_answer, "comparison": check_comparison,
    "cart": check_cart, "quote": check_quote, "order": check_order,
    "promotions": check_promotions, "handoff": check_handoff, "says": check_says,
    "not_says": check_not_says, "payloads": check_payloads, "silent": check_silent,
    "slots": check_slots, "shop": check_shop,
}


def check_turn(expect: Expect, outcome: TurnOutcome, ctx: Context) -> list[str]:
    """Every assertion given in ``expect`` that did not hold; a payload that breaks the
    contract (``dialogue/payloads.py``) always fails the turn."""
    problems = [f"payload contract: {e}" for e in outcome.contract_errors]
    for key in [k for k in CHECKS if k in expect.model_fields_set]:  # in a fixed order
        value = getattr(expect, key)
        if value is None or value == [] and key not in {"payloads"} or value == {}:
            continue
        problems += CHECKS[key](value, outcome, ctx)
    return problems
