"""The agent console's "Export as test" (web/script_export.py): a real conversation as a draft
conversation script that the runner's own format accepts and whose every drafted expectation
holds, by the runner's own checks, for what the assistant did in that conversation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine

from catalog.domain import Product, Variant
from commerce.schema import CommerceBase
from ops.conversation_tests.checks import Context, check_turn
from ops.conversation_tests.facts import CatalogFacts, ShopFacts
from ops.conversation_tests.outcome import TurnOutcome
from ops.conversation_tests.script import ScriptFile, parse_script_file
from tests.fakes import InMemoryCatalog
from web.script_export import NothingToExport, conversation_script, draft_expect
from web.tracker import Conversation

AWKWARD = 'He said "it\'s: fine" — #1\n- next line: 👟 ok'
HOODIE = Product(
    id="MH01", name="Chaz Kangeroo Hoodie", description="Ideal for cold-weather training.",
    category="Men/Tops/Hoodies & Sweatshirts", gender="men", price=52.0,
    colors=("Black",), sizes=("L",), materials=("Fleece",),
    variants=(Variant("MH01-L-Black", "MH01", "L", "Black", 3, True),))
PULLOVER = Product(id="MH02", name='Teton "Pullover": Hoodie #2', description="Warm.",
                   category="Men/Tops/Hoodies & Sweatshirts", gender="men", price=70.0)


def _card(product: Product) -> dict[str, Any]:
    return {"id": product.id, "name": product.name, "price": product.price, "currency": "USD",
            "category": product.category, "colors": list(product.colors),
            "sizes": list(product.sizes), "image": None, "reason": ""}


def _search(results: int) -> dict[str, Any]:
    return {"constraints": {"gender": "men"}, "query": "hoodie", "results": results,
            "top_score": 0.5 if results else None}


LINE = {"sku": "MH01-L-Black", "product_id": "MH01", "name": HOODIE.name, "size": "L",
        "color": "Black", "quantity": 2, "unit_price": 52.0, "line_total": 104.0}
CART = {"type": "cart", "items": [LINE], "subtotal": 104.0, "shipping": 5.0, "discount": 0.0,
        "total": 109.0, "promotions": [], "currency": "USD"}
PAYLOADS = {
    "products": {"type": "products", "products": [_card(HOODIE), _card(PULLOVER)],
                 "search": _search(2)},
    "search": {"type": "search", "search": _search(0)},
    "answer": {"type": "answer", "text": "It is ideal for cold-weather training.",
               "grounded": True, "product_id": "MH01",
               "citations": [{"source": "description", "product_id": "MH01",
                              "title": HOODIE.name, "quote": "Ideal for cold-weather training."}]},
    "comparison": {"type": "comparison", "products": [_card(HOODIE), _card(PULLOVER)],
                   "rows": [{"attribute": "Price", "values": ["$52.00", "$70.00"],
                             "differs": True}]},
    "cart": CART,
    "quote": {**CART, "type": "quote", "shipping_method": "standard", "payment": "not taken",
              "shipping_options": [{"method": "standard", "label": "Standard", "days": "3-5",
                                    "price": 5.0}]},
    "order": {"type": "order", "number": "000000001", "status": "processing",
              "placed_at": "2024-05-01T10:00:00", "shipped_at": None,
              "items": [{k: LINE[k] for k in ("sku", "name", "size", "color", "quantity",
                                              "unit_price")}],
              "subtotal": 104.0, "discount": 0.0, "shipping": 5.0, "total": 109.0,
              "currency": "USD", "payment": "card"},
    "promotions": {"type": "promotions", "promotions": [
        {"name": "Free shipping", "description": "", "coupon_code": None,
         "free_shipping": True}]},
    "handoff": {"type": "handoff", "status": "requested"},
}
#: (shopper text, intent, entities, the bot's replies as (text, payload type or None)).
TURNS: list[tuple[str, str, list[dict[str, Any]], list[tuple[str, str | None]]]] = [
    ("hoodies for men", "search_products",
     [{"entity": "product_type", "value": "hoodie"}, {"entity": "gender", "value": "men"}],
     [("Here are two:", "products")]),
    ("hoodies in gold", "search_products", [{"entity": "color", "value": "gold"}],
     [("I found nothing in gold.", "search")]),
    ("what's the first one made of?", "ask_product_question", [], [("Here:", "answer")]),
    ("compare them", "compare_products", [], [("Side by side:", "comparison")]),
    (AWKWARD, "add_to_cart", [{"entity": "size", "value": "L"}, {"entity": "size", "value": "XL"}],
     [("Added.", None), ("Your cart:", "cart")]),
    ("check out", "checkout", [], [("Your order:", "quote")]),
    ("where is order 1", "order_status", [], [("Order 1:", "order")]),
    ("any deals?", "ask_promotions", [], [("Yes:", "promotions")]),
    ("I want a human", "human_handoff", [], [("A colleague will join.", "handoff")]),
    ("hello?", "greet", [], []),  # the agent holds the conversation: the bot is silent
    ("thanks: bye", "goodbye", [], [("Bye!\nCome back soon.", None)]),
]
AGENT_AT = 8.5  # after the handoff turn (8), before "hello?" (9); handed back at 9.9


def _conversation() -> Conversation:
    messages: list[dict[str, Any]] = [
        {"role": "bot", "text": "Hi! I'm Aisle.", "at": 0.1, "custom": None}]
    for number, (text, intent, entities, replies) in enumerate(TURNS):
        messages.append({"role": "user", "text": text, "at": float(number), "intent": intent,
                          "confidence": 0.9, "entities": entities})
        messages += [{"role": "bot", "text": reply, "at": number + 0.1, "buttons": [],
                      "custom": PAYLOADS[kind] if kind else None} for reply, kind in replies]
        if intent == "human_handoff":
            messages.append({"role": "agent", "text": 'Hi, I\'m Dana: "how can I help?"\n🙂',
                             "at": AGENT_AT, "buttons": [],
                             "custom": {"type": "agent", "status": "joined", "agent": "Dana"}})
    return Conversation("web-1234", started_at=0.0, last_at=20.0, messages=messages,
                        slots={"handoff_requested": True, "agent_active": False},
                        handovers=[{"to": "agent", "at": AGENT_AT}, {"to": "bot", "at": 9.9}])


def _draft(conversation: Conversation | None = None, store: str = "luma") -> tuple[str, ScriptFile]:
    text = conversation_script(conversation or _conversation(), store,
                               now=datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    return text, parse_script_file(text, "conversation-web-1234.yml")


@pytest.fixture
def ctx() -> Context:
    engine = create_engine("sqlite://")
    CommerceBase.metadata.create_all(engine)
    return Context(sender="s1", catalog=CatalogFacts(InMemoryCatalog([HOODIE, PULLOVER])),
                   shop=ShopFacts(engine))


def test_the_draft_is_a_valid_script_with_one_turn_per_shopper_message() -> None:
    text, parsed = _draft(store="scientific")
    assert parsed.store == "scientific"
    (script,) = parsed.scripts
    assert script.name == "hoodies for men" and script.tags == ["exported"]
    assert [turn.user for turn in script.turns] == [t[0] for t in TURNS]
    assert text.startswith("# Exported from conversation web-1234 at 2024-05-01 12:00 UTC")
    assert "add this file to tests/scripted/scientific/" in text


def test_every_drafted_expectation_holds_by_the_runners_checks(ctx: Context) -> None:
    _, parsed = _draft()
    for turn, (text, intent, entities, replies) in zip(parsed.scripts[0].turns, TURNS,
                                                       strict=True):
        outcome = TurnOutcome(
            user=text, seconds=0.1, intent=intent, confidence=0.9, entities=entities,
            messages=[{"text": reply, **({"custom": PAYLOADS[kind]} if kind else {})}
                      for reply, kind in replies],
            slots={"handoff_requested": intent == "human_handoff"})
        assert check_turn(turn.expect, outcome, ctx) == [], text


def test_expectations_are_drafted_from_the_payloads() -> None:
    text, _ = _draft()
    expects = [turn["expect"] for turn in yaml.safe_load(text)["scripts"][0]["turns"]]
    assert expects[0] == {"intent": "search_products",
                          "entities": {"product_type": "hoodie", "gender": "men"},
                          "products": {"count": 2, "names": [HOODIE.name, PULLOVER.name]}}
    assert expects[1] == {"intent": "search_products", "entities": {"color": "gold"},
                          "no_results": True}
    assert expects[2]["answer"] == {"grounded": True, "source": "description", "product": "MH01"}
    assert expects[3]["comparison"] == {"names": [HOODIE.name, PULLOVER.name]}
    line = {"name": HOODIE.name, "size": "L", "color": "Black", "quantity": 2}
    assert expects[4] == {"intent": "add_to_cart", "entities": {"size": ["L", "XL"]},
                          "cart": {"count": 1, "items": [line]}}
    assert expects[5]["quote"] == {"count": 1, "items": [line]}
    assert expects[6]["order"] == {"number": "000000001", "status": "processing"}
    assert expects[7]["promotions"] == 1
    assert expects[8] == {"intent": "human_handoff", "handoff": True}
    assert (expects[9], expects[10]) == ({"intent": "greet"}, {"intent": "goodbye"})  # no says


def test_bot_texts_agent_messages_and_silent_turns_are_comments() -> None:
    text, _ = _draft()
    comments = [line.strip() for line in text.splitlines() if line.strip().startswith("#")]
    assert "# bot: Hi! I'm Aisle. (before the shopper's first message: not replayed)" in comments
    assert "# bot [products]: Here are two:" in comments
    assert "# bot: Bye! Come back soon." in comments
    assert ('# agent Dana: Hi, I\'m Dana: "how can I help?" 🙂 (a person\'s message: not a '
            "shopper turn, not replayed)") in comments
    assert any(c.startswith("# the bot sent nothing: an agent held the conversation")
               for c in comments)
    assert "Dana" not in str(yaml.safe_load(text))  # the agent's words are no assertion


@pytest.mark.parametrize("awkward", [
    AWKWARD, "  leading and trailing  ", "'single' and \"double\"", "key: value", "- a list?",
    "[flow] {mapping}", "&anchor *alias !tag %directive @at `tick`", "yes", "null", "123",
    "tab\there", "line\r\nbreaks\u2028and\u2029more\x85", "bell\x07 nul\x00 del\x7f",
    "lone \ud800 surrogate", "x" * 500, "ümlaut 中文 🧥🧥", "# not a comment", "...", "---",
])
def test_any_text_round_trips(awkward: str) -> None:
    conversation = Conversation("c1", messages=[
        {"role": "user", "text": awkward, "intent": "search_products",
         "entities": [{"entity": "product_type", "value": awkward}]},
        {"role": "bot", "text": awkward, "custom": {
            "type": "products", "products": [{"id": "X1", "name": awkward}]}},
        {"role": "agent", "text": awkward, "custom": {"type": "agent", "agent": awkward}},
    ])
    text = conversation_script(conversation, "luma")
    text.encode("utf-8")  # sendable as the download
    assert "    # bot [products]: " in text  # the commented draft, not the plain fallback
    (script,) = parse_script_file(text, "c1.yml").scripts
    (turn,) = script.turns
    assert turn.user == awkward.strip()
    assert turn.expect.entities == {"product_type": awkward}
    assert turn.expect.products.names == [awkward]
    assert "\n" not in script.name


def test_pieces_that_do_not_make_the_document_fall_back_to_a_plain_dump(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("web.script_export._indented", lambda text, prefix: text)  # bad indent
    text, parsed = _draft()
    assert [turn.user for turn in parsed.scripts[0].turns] == [t[0] for t in TURNS]
    assert text.startswith("# Exported from conversation web-1234") and "# bot" not in text


def test_entities_that_are_not_text_are_any_value_and_missing_parses_are_left_out() -> None:
    user = {"role": "user", "text": "under 60", "intent": None,
            "entities": [{"entity": "price", "value": {"max": 60}}, {"entity": "n", "value": 2},
                         {"entity": "gone", "value": None}]}
    assert draft_expect(user, []) == {"entities": {"price": "*", "n": 2}}


def test_a_conversation_without_a_shopper_message_has_nothing_to_export() -> None:
    only_bot = Conversation("c2", messages=[{"role": "bot", "text": "Hi!", "custom": None}])
    with pytest.raises(NothingToExport, match="c2"):
        conversation_script(only_bot, "luma")
