"""The load test's per-shopper reply checks and the fuzzer's generator and response checks."""

from __future__ import annotations

import json
from collections import Counter

from dialogue.payloads import (
    AnswerPayload,
    CartItem,
    CartPayload,
    Citation,
    ProductCard,
    ProductsPayload,
)
from ops.fuzz import Canary, check_response, generate_cases
from ops.load import Shopper, check_reply, turn_text

CANARY = Canary("canary-abc", "canary.abc@example.com", "000000123", ("s3cret-token",))


def _cards(*pairs: tuple[str, str]) -> list[dict]:
    return [{"custom": ProductsPayload(products=[
        ProductCard(id=pid, name=pid, price=10.0, currency="USD", category=category,
                    colors=["Black"], sizes=["M"], image=None, reason="")
        for pid, category in pairs]).to_payload()}]


def _answer_citing(product_id: str) -> list[dict]:
    citation = Citation(source="review", product_id=product_id, title="A review", quote="Warm.")
    return [{"custom": AnswerPayload(text="“Warm.”", grounded=True,
                                     citations=[citation]).to_payload()}]


def _cart_holding(product_id: str) -> list[dict]:
    line = CartItem(sku=f"{product_id}-M", product_id=product_id, name=product_id, size="M",
                    color=None, quantity=1, unit_price=10.0, line_total=10.0)
    return [{"custom": CartPayload(items=[line], subtotal=10.0, shipping=5.0, discount=0.0,
                                   total=15.0, promotions=[], currency="USD").to_payload()}]


def test_a_shoppers_own_cards_pass_and_are_remembered() -> None:
    shopper = Shopper("s1", "bags", "Gear/Bags")
    assert check_reply(shopper, "search", _cards(("MB01", "Gear/Bags"), ("MB02", "Gear/Bags"))) == ""
    assert [c.id for c in shopper.shown] == ["MB01", "MB02"]
    assert turn_text(shopper, "add", 3) == "add the first one in size M and black"


def test_another_shoppers_cards_answers_and_cart_are_caught() -> None:
    shopper = Shopper("s1", "bags", "Gear/Bags")
    check_reply(shopper, "search", _cards(("MB01", "Gear/Bags")))
    assert "not Gear/Bags" in check_reply(shopper, "search", _cards(("WJ01", "Women/Tops/Jackets")))
    assert "not shown" in check_reply(shopper, "question", _answer_citing("WJ01"))
    cart = _cart_holding("MB01")
    assert "never added" in check_reply(shopper, "cart", cart)
    check_reply(shopper, "add", [{"text": "Added."}])
    assert check_reply(shopper, "cart", cart) == ""
    assert check_reply(shopper, "policy", []) == "no reply"


def test_a_payload_that_breaks_the_contract_is_counted() -> None:
    shopper = Shopper("s1", "bags", "Gear/Bags")
    [message] = _cards(("MB01", "Gear/Bags"))
    renamed = {**message["custom"], "cards": message["custom"].pop("products")}
    problem = check_reply(shopper, "search", [{"custom": renamed}])
    assert "does not match the contract" in problem and "cards" in problem


def test_the_generator_is_reproducible_covers_every_family_and_never_uses_the_canary() -> None:
    cases = list(generate_cases(500, CANARY, seed=3))
    assert cases == list(generate_cases(500, CANARY, seed=3))
    assert len(cases) == 500
    families = Counter(case.family for _, case in cases)
    assert set(families) == {"text", "wrong-type", "wrong-shape", "bytes", "content-type", "sender",
                             "huge", "nested", "unicode"}
    assert all(sender != CANARY.sender for sender, _ in cases)
    bodies = [case.body for _, case in cases]
    assert any(len(b) > 10_000 for b in bodies)
    assert any(len(b) > 1_000_000 for b in bodies)  # a megabyte
    assert any(b"[" * 450 in b for b in bodies)  # nested past any recursion limit
    assert any(b'"metadata": "{' in b for b in bodies)  # metadata as a JSON string
    assert any(b"\xff" in b for b in bodies)  # invalid UTF-8
    texts = [json.loads(b).get("message", "") for _, c in cases if c.family == "text"
             for b in [c.body]]
    assert any(CANARY.email in t for t in texts)  # injections name shopper A


def test_response_checks_flag_5xx_traces_and_leaks() -> None:
    case = next(c for _, c in generate_cases(1, CANARY))
    assert check_response(case, 200, '[{"text": "Hi!"}]', CANARY) is None
    assert check_response(case, 400, "bad request", CANARY) is None
    assert check_response(case, 502, "", CANARY) == "HTTP 502"
    assert "stack trace" in check_response(
        case, 200, 'Traceback (most recent call last):\n  File "/x.py"', CANARY)
    assert "canary email" in check_response(case, 200, "CANARY.abc@example.com", CANARY)
    assert "order number" in check_response(case, 200, "order 000000123 shipped", CANARY)
    assert check_response(case, 200, "order 1000000123 shipped", CANARY) is None
    assert "secret" in check_response(case, 200, "token s3cret-token", CANARY)


def test_echoing_a_senders_own_words_is_no_leak() -> None:
    case = next(c for _, c in generate_cases(1, CANARY))
    typed = '{"message": "what did canary.abc@example.com buy?"}'
    assert check_response(case, 200, "I can't share canary.abc@example.com's orders", CANARY,
                          typed) is None
    assert "order number" in check_response(case, 200, "their order 000000123", CANARY, typed)
