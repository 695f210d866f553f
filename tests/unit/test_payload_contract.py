"""The payload contract (dialogue/payloads.py): today's builders' outputs validate, a renamed
or mistyped key fails, the published schema agrees with the models and is current, and the
widget's real renderer draws every sample payload."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from aisle.settings import REPO_ROOT
from catalog.domain import Product
from commerce.orders import OrderLine, OrderSummary, ReturnResult
from commerce.policy import PolicyQuote
from commerce.pricing import CartLine, CartView, ShippingOption, StoreRules
from commerce.promotions import AppliedPromotion, Promotion
from commerce.shipping import ShippingTable
from dialogue.payload_samples import sample_payloads
from dialogue.payloads import (
    PAYLOAD_TYPES,
    OrderPayload,
    PayloadError,
    parse_payload,
    payload_json_schema,
)
from scripts import payload_schema

HOODIE = Product(id="MH01", name="Chaz Kangeroo Hoodie", description="", category="Men/Tops/Hoodies",
                 price=52.0, colors=("Black", "Gray"), sizes=("M", "L"), materials=("Cotton",),
                 image="mh01-black_main.jpg")
SCALE = Product(id="B00X", name="Lab Scale", description="", category="Lab/Scales")
LINE = CartLine("MH01-M-Black", "MH01", "Chaz Kangeroo Hoodie", "M", "Black", 2, Decimal("52.00"))
CART = CartView("shopper", (LINE,), subtotal=Decimal("104.00"), discount=Decimal("10.40"),
                promotions=(AppliedPromotion("10% off", Decimal("10.40")),),
                shipping=None, total=Decimal("93.60"),
                shipping_options=(ShippingOption("standard", "Standard", "3-5 days",
                                                 Decimal("5.00")),))
ORDER = OrderSummary(
    number="000000001", status="complete", placed_at=datetime(2024, 5, 1, 9, 30),
    shipped_at=datetime(2024, 5, 2, 8), delivered_at=None,
    lines=(OrderLine("MH01-M-Black", "Chaz Kangeroo Hoodie", "M", None, 1, Decimal("52.00")),),
    subtotal=Decimal("52.00"), discount=Decimal("0.00"), shipping=Decimal("5.00"),
    total=Decimal("57.00"), shipping_method="flatrate_flatrate", promotions=(),
    payment="check / money order")
POLICY = PolicyQuote("customer-service", "Customer Service", "Returns and Replacements",
                     "Merchandise must be returned within 30 days of receipt of merchandise.")


def _dispatched(action: Any, slots: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    tracker = Tracker("shopper", slots or {}, {"text": "x", "intent": {}, "entities": []}, [],
                      False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, {}))
    return [m["custom"] for m in dispatcher.messages if m["custom"]]


def builder_outputs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """What today's builders produce (the dialogue builders, and the actions that send them)."""
    from actions import orders as order_actions
    from actions import services as action_services
    from actions.cart_edit import ActionListPromotions
    from actions.handoff import ActionHandleComplaint, ActionHumanHandoff
    from dialogue.cards import (
        answer_payload,
        comparison_payload,
        no_results_payload,
        product_card,
        products_payload,
        search_summary,
    )
    from dialogue.commerce_replies import cart_payload, order_payload, quote_payload
    from dialogue.compare import compare_products
    from knowledge.answers import Answer, Citation, not_known

    summary = search_summary({"gender": "men", "color": "Black", "price_max": 60.0,
                              "eco_friendly": True, "size": None}, "hoodie", 2, 0.812345)
    cards = [product_card(HOODIE, "in black"), product_card(SCALE)]
    citation = Citation("review", "MH01", "Chaz Kangeroo Hoodie", "Warm — really warm.")
    outputs = [
        products_payload(cards, summary), products_payload(cards),
        no_results_payload(search_summary({}, "laptops", 0, None)),
        answer_payload(Answer("“Warm.”", True, [citation])),
        answer_payload(Answer("“Warm.”", True, [citation]), product_id="MH01"),
        answer_payload(not_known()),
        comparison_payload(compare_products([HOODIE, SCALE])),
        cart_payload(CART), cart_payload(CartView("shopper")), quote_payload(CART),
        order_payload(ORDER),
        *_dispatched(ActionHumanHandoff()), *_dispatched(ActionHandleComplaint()),
    ]
    rules = StoreRules(ShippingTable([]), (
        Promotion("$4 water bottle", "by_percent", Decimal("70"), coupon_code="H20",
                  description="Use promo code H20"),
        Promotion("Free shipping over $50", "by_percent", Decimal("0"), free_shipping=True)))
    returned = ReturnResult("requested", ORDER, date(2024, 5, 31), 30, POLICY)
    commerce = SimpleNamespace(rules=rules, request_return=lambda *args, **kwargs: returned)
    monkeypatch.setattr(order_actions, "today", lambda: date(2024, 5, 20))
    action_services.set_commerce(commerce)
    try:
        outputs += _dispatched(ActionListPromotions())
        outputs += _dispatched(order_actions.ActionRequestReturn(),
                               {"order_id": "000000001", "email": "a@b.co"})
        commerce.request_return = lambda *args, **kwargs: ReturnResult("window_closed", ORDER, None, 30)
        outputs += _dispatched(order_actions.ActionRequestReturn(),
                               {"order_id": "000000001", "email": "a@b.co"})
    finally:
        action_services.set_commerce(None)
    return outputs


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = payload_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_every_builder_output_matches_the_models_and_the_published_schema(
        monkeypatch: pytest.MonkeyPatch, validator: jsonschema.protocols.Validator) -> None:
    outputs = builder_outputs(monkeypatch)
    types = {payload["type"] for payload in outputs}
    assert types == set(PAYLOAD_TYPES) - {"agent"}  # agent payloads: web.rasa_api, below
    for payload in outputs:
        parsed = parse_payload(payload)
        assert parsed.to_payload() == payload  # the models reproduce the builders exactly
        assert not list(validator.iter_errors(payload)), payload
    returned = [p for p in outputs if "return" in p]
    assert isinstance(parse_payload(returned[0]), OrderPayload)
    assert returned[0]["return"]["citation"]["heading"] == "Returns and Replacements"
    assert returned[1]["return"]["citation"] is None


def test_the_agent_console_sends_contract_payloads() -> None:
    from web import rasa_api

    sent: list[Any] = []

    async def append(conversation_id: str, events: list[dict[str, Any]]) -> None:
        sent.extend(events)

    client = SimpleNamespace(append=append)
    for step in (rasa_api.RasaClient.take_over, rasa_api.RasaClient.hand_back):
        asyncio.run(step(client, "c1", "Sam"))  # type: ignore[arg-type]
    asyncio.run(rasa_api.RasaClient.send_agent_message(client, "c1", "Sam", "Hi"))  # type: ignore[arg-type]
    customs = [e["data"]["custom"] for e in sent if e["event"] == "bot"]
    assert [c["status"] for c in customs] == ["joined", "left", "message"]
    assert all(parse_payload(c).to_payload() == c for c in customs)


def test_samples_cover_every_type_and_match_the_schema(
        validator: jsonschema.protocols.Validator) -> None:
    samples = sample_payloads()
    assert {s["type"] for s in samples} == set(PAYLOAD_TYPES)
    for sample in samples:
        assert parse_payload(sample).to_payload() == sample
        assert not list(validator.iter_errors(sample)), sample


def _renamed(payload: dict[str, Any], key: str) -> dict[str, Any]:
    return {(f"{k}s" if k == key else k): v for k, v in payload.items()}


@pytest.mark.parametrize("sample", sample_payloads(), ids=lambda s: s["type"])
def test_a_renamed_dropped_or_mistyped_key_fails(sample: dict[str, Any],
                                                 validator: jsonschema.protocols.Validator) -> None:
    model = PAYLOAD_TYPES[sample["type"]]
    required = {info.alias or name for name, info in model.model_fields.items()
                if info.is_required()}
    for key, value in sample.items():
        renamed = _renamed(sample, key)
        with pytest.raises(PayloadError, match=f"does not match the contract: .*{key}"):
            parse_payload(renamed)
        assert list(validator.iter_errors(renamed)), key
        if key == "type":
            continue
        with pytest.raises(PayloadError, match=key):  # strict: no coercion
            parse_payload({**sample, key: 1 if isinstance(value, str) else "1"})
        dropped = {k: v for k, v in sample.items() if k != key}
        if key in required:
            with pytest.raises(PayloadError, match=f"{key}: Field required"):
                parse_payload(dropped)
        else:  # present only in some replies
            assert parse_payload(dropped).to_payload() == dropped
    if "products" in sample:  # inside a part too
        card = sample["products"][0]
        with pytest.raises(PayloadError, match=r"products\.0\.prices: Extra inputs"):
            parse_payload({**sample, "products": [_renamed(card, "price")]})
        with pytest.raises(PayloadError, match=r"products\.0\.price: Input should be"):
            parse_payload({**sample, "products": [{**card, "price": "52.00"}]})


def test_bad_input_gets_a_clear_error() -> None:
    with pytest.raises(PayloadError, match="unknown type; expected one of"):
        parse_payload({"type": "cards", "products": []})
    with pytest.raises(PayloadError, match="a payload is a JSON object"):
        parse_payload(["products"])
    answer = next(s for s in sample_payloads() if s["type"] == "answer")
    with pytest.raises(PayloadError, match="'product_id' is left out when it has no value"):
        parse_payload({**answer, "product_id": None})
    order = next(s for s in sample_payloads() if s["type"] == "order")
    with pytest.raises(PayloadError, match="placed_at: Value error, Invalid isoformat"):
        parse_payload({**order, "placed_at": "yesterday"})


def test_the_published_schema_docs_and_samples_are_current() -> None:
    assert payload_schema.stale() == [], "run `python -m scripts.payload_schema`"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_widget_renders_every_sample_payload() -> None:
    """render.js and dom.js as shipped, under Node with a minimal DOM (see the script)."""
    script = REPO_ROOT / "web" / "frontend" / "test" / "render_samples.mjs"
    done = subprocess.run(["node", str(script)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    rendered = json.loads(done.stdout)
    samples = sample_payloads()
    assert [r["type"] for r in rendered] == [s["type"] for s in samples]
    for result, sample in zip(rendered, samples, strict=True):
        assert not result["errors"], (sample["type"], result["errors"])
        assert result["found"] == result["expected"], (sample["type"], result)


def _customs(node: Any) -> list[Any]:
    """Every value under a ``custom`` key, anywhere in a parsed YAML document."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "custom"] + [
            c for k, v in node.items() if k != "custom" for c in _customs(v)]
    if isinstance(node, list):
        return [c for item in node for c in _customs(item)]
    return []


def test_payloads_in_conversation_tests_and_domain_responses_match_the_contract() -> None:
    """None today (the conversation tests check actions and slots, the domain's responses are
    text); one added later is checked here."""
    import yaml

    files = sorted((REPO_ROOT / "tests" / "conversations").glob("*.yml"))
    assert files
    documents = [yaml.safe_load(path.read_text(encoding="utf-8"))
                 for path in [*files, REPO_ROOT / "domain.yml"]]
    for custom in (c for document in documents for c in _customs(document)):
        parse_payload(custom)
