"""End-to-end: both real servers, the real model, the real catalog, talking over REST."""

from __future__ import annotations

import os
import signal
import sqlite3
import uuid
from collections.abc import Iterator

import httpx
import pytest

from aisle.settings import load_settings
from ops.conversation_tests.checks import citation_problems
from ops.conversation_tests.facts import CatalogFacts
from ops.servers import RunningAssistant, api_headers, running_assistant

pytestmark = pytest.mark.e2e
API_TOKEN = uuid.uuid4().hex


@pytest.fixture(scope="module")
def shop_db(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The carts and orders of this test run, apart from the developer's own."""
    return tmp_path_factory.mktemp("shop") / "shop.sqlite"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, shop_db) -> Iterator[RunningAssistant]:  # type: ignore[no-untyped-def]
    env = {"AISLE_STATE_DATABASE_URL": f"sqlite:///{shop_db}"}
    with running_assistant(tmp_path_factory.mktemp("e2e"), extra_env=env,
                           token=API_TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def catalog():
    from catalog.repository import SqlCatalog

    return SqlCatalog(load_settings().catalog_url)


def _payloads(messages: list[dict], kind: str) -> list[dict]:
    return [m["custom"] for m in messages if (m.get("custom") or {}).get("type") == kind]


def _sender() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}"


def _quoted(citation: dict, facts: CatalogFacts) -> bool:
    """Whether the quote occurs verbatim in its own source (the conversation scripts' check,
    ``ops.conversation_tests.checks.citation_problems``)."""
    return not citation_problems(citation, facts)


def test_mens_black_hoodies_under_60_all_match(assistant, client, catalog) -> None:
    messages = assistant.say(_sender(), "men's hoodies under $60 in black", client)
    [payload] = _payloads(messages, "products")
    products = payload["products"]
    assert 1 <= len(products) <= 6
    for card in products:
        assert card["category"].startswith("Men/") and "Hoodies" in card["category"], card
        assert card["price"] <= 60, card
        assert "Black" in card["colors"], card
        product = catalog.product(card["id"])
        assert any(v.color == "Black" for v in product.variants)


def test_readme_conversation_jacket_question_and_policy(assistant, client, catalog) -> None:
    sender = _sender()
    [shown] = _payloads(assistant.say(sender, "I need a women's jacket under $80", client), "products")
    assert shown["products"], "expected women's jackets under $80"
    for card in shown["products"]:
        assert card["category"] == "Women/Tops/Jackets", card
        assert card["price"] <= 80, card

    [answer] = _payloads(assistant.say(sender, "is the first one waterproof?", client), "answer")
    first_id = shown["products"][0]["id"]
    corpus = CatalogFacts(catalog)
    if answer["grounded"]:
        assert answer["citations"]
        for citation in answer["citations"]:
            assert citation["product_id"] == first_id
            assert _quoted(citation, corpus), citation
    else:
        assert not answer["citations"]

    [policy] = _payloads(assistant.say(sender, "what's your return policy?", client), "answer")
    assert policy["grounded"] is True
    assert any(c["source"] == "policy" for c in policy["citations"])
    assert any("30 days" in c["quote"] for c in policy["citations"]), policy
    for citation in policy["citations"]:
        assert _quoted(citation, corpus), citation


def test_named_product_question_cites_catalog_text(assistant, client, catalog) -> None:
    messages = assistant.say(_sender(), "what is the Chaz Kangeroo Hoodie made of?", client)
    [answer] = _payloads(messages, "answer")
    assert answer["grounded"] is True
    corpus = CatalogFacts(catalog)
    for citation in answer["citations"]:
        assert citation["product_id"] == "MH01"
        assert _quoted(citation, corpus), citation


def test_bad_input_gets_gentle_replies_not_errors(assistant, client) -> None:
    sender = _sender()
    for text in ["", "   ", "asdkjh qwpoeiru zxmcnv", "x" * 5000, "<script>alert(1)</script>"]:
        messages = assistant.say(sender, text, client)
        assert messages and all(m.get("text") or m.get("custom") for m in messages), text
    long_reply = assistant.say(sender, "jackets " * 600, client)
    assert any("2,000" in (m.get("text") or "") for m in long_reply)


def test_handoff_is_recorded_on_the_conversation(assistant, client) -> None:
    sender = _sender()
    messages = assistant.say(sender, "I want to talk to a human", client)
    assert messages
    tracker = assistant.tracker(sender, client)
    assert tracker["slots"]["handoff_requested"] is True
    # The conversation is in the SQL tracker store, so it survives a restart.
    with sqlite3.connect(assistant.tracker_db) as db:
        count = db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()
    assert count[0] > 0


def test_http_api_needs_the_token_but_the_chat_channel_does_not(assistant, client) -> None:
    sender = _sender()
    assert assistant.say(sender, "hello", client)
    url = f"{assistant.rasa_url}/conversations/{sender}/tracker"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    # The token goes in a header only: a URL with it (logged by proxies) is refused.
    assert client.get(url, params={"token": API_TOKEN}).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {API_TOKEN}"}).status_code == 200


def test_questions_the_store_pages_do_not_answer_get_an_honest_no(assistant, client) -> None:
    [answer] = _payloads(assistant.say(_sender(), "do you accept paypal?", client), "answer")
    assert answer["grounded"] is False and answer["citations"] == []
    assert "human" in answer["text"] or "colleague" in answer["text"]


def test_recommendations_follow_the_session_with_reasons(assistant, client, catalog) -> None:
    sender = _sender()
    messages = assistant.say(sender, "what would you recommend for yoga?", client)
    [payload] = _payloads(messages, "products")
    cards = payload["products"]
    assert cards and all(card["reason"] for card in cards)
    assert any("yoga" in card["reason"] for card in cards), cards
    # Ask about one product, then "more like this": the history drives it, and the product
    # itself is not recommended back.
    first = cards[0]
    assistant.say(sender, f"is the {first['name']} good for beginners?", client)
    similar = _payloads(assistant.say(sender, "more like this", client), "products")
    assert similar, "no products for 'more like this'"
    ids = [card["id"] for card in similar[0]["products"]]
    assert first["id"] not in ids
    assert all(card["reason"] for card in similar[0]["products"])
    for card in similar[0]["products"]:
        assert catalog.product(card["id"]) is not None


def test_bot_is_silent_while_an_agent_holds_the_conversation(assistant, client) -> None:
    sender = _sender()
    assert assistant.say(sender, "hello", client)
    events_url = f"{assistant.rasa_url}/conversations/{sender}/tracker/events"
    hold = {"event": "slot", "name": "agent_active", "value": True}
    assert client.post(events_url, headers=api_headers(API_TOKEN), json=hold).status_code == 200
    assert assistant.say(sender, "men's hoodies under $60", client) == []
    assert assistant.say(sender, "hello?", client) == []
    release = {"event": "slot", "name": "agent_active", "value": False}
    assert client.post(events_url, headers=api_headers(API_TOKEN),
                       json=release).status_code == 200
    assert assistant.say(sender, "men's hoodies under $60", client)
    tracker = assistant.tracker(sender, client)
    texts = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert "hello?" in texts  # what the shopper said during the hold is kept for the agent


def _one(messages: list[dict], kind: str) -> dict:
    found = _payloads(messages, kind)
    assert len(found) == 1, (kind, messages)
    return found[0]


def test_search_refine_question_cart_checkout_and_order_status(assistant, client, catalog,
                                                               shop_db) -> None:
    sender = _sender()
    first = _one(assistant.say(sender, "show me women's jackets", client), "products")
    assert all(c["category"].startswith("Women/") for c in first["products"])
    refined = _one(assistant.say(sender, "under $60 instead", client), "products")
    shown = refined["products"]
    assert len(shown) >= 2 and all(c["price"] <= 60 for c in shown)
    second = catalog.product(shown[1]["id"])
    answer = _one(assistant.say(sender, "is the second one warm?", client), "answer")
    assert answer["citations"] and all(c["product_id"] == second.id
                                       for c in answer["citations"] if c.get("product_id"))
    variant = next(v for v in second.variants if v.in_stock)
    cart = _one(assistant.say(
        sender, f"add the second one in size {variant.size} and {variant.color.lower()}", client),
        "cart")
    [line] = cart["items"]
    assert (line["sku"], line["quantity"]) == (variant.sku, 1)
    viewed = _one(assistant.say(sender, "show me my cart", client), "cart")
    assert viewed["items"] == cart["items"]
    assert viewed["total"] == round(viewed["subtotal"] - viewed["discount"]
                                    + (viewed["shipping"] or 0), 2)
    assistant.say(sender, "I'd like to check out", client)
    assistant.say(sender, "my email is shopper.e2e@example.com", client)
    placed = assistant.say(sender, "yes", client)
    order = _one(placed, "order")
    number = order["number"]
    assert order["items"][0]["sku"] == variant.sku and order["total"] == viewed["total"]
    with sqlite3.connect(shop_db) as db:
        row = db.execute("select email, total_cents, sender_id from commerce_orders "
                         "where number = ?", (int(number),)).fetchone()
        left = db.execute("select count(*) from commerce_cart_items where sender_id = ?",
                          (sender,)).fetchone()
    assert row == ("shopper.e2e@example.com", round(viewed["total"] * 100), sender)
    assert left == (0,)
    # A stranger with the number but the wrong email learns nothing.
    stranger = _sender()
    assistant.say(stranger, "where is my order?", client)
    assistant.say(stranger, f"it's {number}", client)
    refused = assistant.say(stranger, "someone@else.com", client)
    assert not _payloads(refused, "order")
    # The owner gets the status: the email they gave at checkout in this conversation counts.
    status = _one(assistant.say(sender, f"what's the status of order {number}?", client), "order")
    assert status["number"] == number and status["status"] in {"pending", "processing"}


#: Payload types the conversations of this module must produce (each validated on arrival).
MAIN_TYPES = {"products", "answer", "comparison", "cart", "quote", "order", "promotions", "handoff"}


def test_every_payload_of_these_conversations_matches_the_contract(assistant, client,
                                                                   payload_log) -> None:
    """The client's response hook (conftest.PayloadLog) validated every payload of the turns
    above; these turns add the types the other tests do not reach."""
    sender = _sender()
    assistant.say(sender, "show me men's hoodies", client)
    _one(assistant.say(sender, "compare the first two", client), "comparison")
    _one(assistant.say(sender, "any promotions?", client), "promotions")
    assistant.say(_sender(), "show me red watches under $5", client)  # may find nothing
    assert not payload_log.broken, payload_log.broken
    print(f"payloads validated: {dict(payload_log.seen)}")
    assert set(payload_log.seen) >= MAIN_TYPES, dict(payload_log.seen)


def test_zz_action_server_down_gets_an_apology_not_silence(assistant: RunningAssistant,
                                                           client: httpx.Client) -> None:
    """Last in this module: it stops the action server the other tests share."""
    sender = _sender()
    assert _payloads(assistant.say(sender, "show me women's jackets", client), "products")
    os.kill(assistant.pids["actions"], signal.SIGKILL)
    reply = assistant.say(sender, "show me men's hoodies", client)
    assert [m.get("text") for m in reply] == [
        "Sorry, I'm having trouble right now. Please try again in a moment."]
    # The message is not lost: it is in the conversation's tracker.
    texts = [e.get("text") for e in assistant.tracker(sender, client)["events"]
             if e.get("event") == "user"]
    assert texts[-1] == "show me men's hoodies"
