"""In Chromium: the shopper's widget and the agent's console against the real servers.

The tests run in file order and share one assistant: the shopper's conversation in the first
tests is the one the agent later takes over.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from ops.conversation_tests.script import parse_script_file
from ops.servers import RunningAssistant
from tests.browser.conftest import AGENT_PASSWORD, SCRIPTED_ID, SCRIPTED_NAME

pytestmark = pytest.mark.browser
TURN_MS = 120_000  # one turn on a busy two-core machine


def _open_widget(browser: Browser, assistant: RunningAssistant, width: int = 1280,
                 height: int = 860) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{assistant.web_url}/")
    expect(page.locator("#aisle-widget")).to_have_attribute("data-mode", "socket", timeout=30_000)
    return page


def _say(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def _bot_messages(page: Page):  # noqa: ANN202 - a Playwright locator
    return page.locator("#aisle-widget .msg.bot")


def _session_id(page: Page) -> str:
    return page.evaluate("localStorage.getItem('aisle.session')")


def _events(shop_db: Path, kind: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(shop_db) as connection:
        return connection.execute(
            "SELECT conversation_id, product_ids, data FROM insight_events WHERE kind = ?",
            (kind,)).fetchall()


@pytest.fixture(scope="module")
def shopper(browser: Browser, assistant: RunningAssistant) -> Page:
    return _open_widget(browser, assistant)


def test_search_shows_cards_with_images_and_markup_as_text(shopper: Page, screenshots: Path
                                                           ) -> None:
    expect(shopper.get_by_role("log")).to_have_attribute("aria-live", "polite")
    _say(shopper, "show me men's hoodies")
    expect(shopper.locator(".typing")).to_be_visible()
    cards = shopper.locator("#aisle-widget .card")
    expect(cards.first).to_be_visible(timeout=TURN_MS)
    expect(shopper.locator(".typing")).to_be_hidden(timeout=TURN_MS)
    image = cards.first.locator("img")
    expect(image).to_have_attribute("src", re.compile(r"^/images/.+\.jpg$"))
    shopper.wait_for_function("img => img.complete && img.naturalWidth > 0",
                              arg=image.element_handle(), timeout=30_000)
    for part in (".name", ".price", ".reason", ".colors", ".sizes"):
        expect(cards.first.locator(part)).not_to_be_empty()
    for label in ("Add to cart", "More like this", "Ask a question"):
        expect(cards.first.get_by_role("button", name=label)).to_be_visible()
    scripted = shopper.locator(f'.card[data-product-id="{SCRIPTED_ID}"] .name')
    expect(scripted).to_have_text(SCRIPTED_NAME)
    assert shopper.evaluate("window.__aisleXss") is None
    assert shopper.locator("#aisle-widget script, #aisle-widget b").count() == 0
    shopper.screenshot(path=screenshots / "widget-desktop.png")


def test_add_to_cart_shows_the_cart_and_records_the_click(shopper: Page, shop_db: Path) -> None:
    card = shopper.locator(f'#aisle-widget .card:not([data-product-id="{SCRIPTED_ID}"])').first
    product_id = card.get_attribute("data-product-id")
    cart = shopper.locator("#aisle-widget section.cart")
    seen = _bot_messages(shopper).count()
    card.get_by_role("button", name="Add to cart").click()
    for _ in range(3):  # the assistant may ask for a size and a colour, with buttons
        shopper.wait_for_function(
            "n => document.querySelectorAll('#aisle-widget .msg.bot').length > n",
            arg=seen, timeout=TURN_MS)
        shopper.wait_for_timeout(500)  # the turn's other messages
        if cart.count():
            break
        seen = _bot_messages(shopper).count()
        _bot_messages(shopper).last.locator(".chip").first.click()
    expect(cart.last).to_be_visible(timeout=TURN_MS)
    expect(cart.last.locator(".line")).to_have_count(1)
    expect(cart.last.locator(".totals")).to_contain_text("Total")
    clicks = [row for row in _events(shop_db, "card_click") if product_id in row[1]]
    assert clicks and clicks[0][0] == _session_id(shopper)
    assert '"add_to_cart"' in clicks[0][2]
    assert _events(shop_db, "button_click"), "size/colour buttons are recorded too"


def test_reload_keeps_the_conversation(shopper: Page) -> None:
    before = _session_id(shopper)
    shopper.reload()
    expect(shopper.locator("#aisle-widget .msg.user").first).to_have_text(
        re.compile("men's hoodies"), timeout=30_000)
    expect(shopper.locator("#aisle-widget .card").first).to_be_visible()
    expect(shopper.locator("#aisle-widget section.cart").last).to_be_visible()
    assert _session_id(shopper) == before


def test_phone_layout_at_360_px(browser: Browser, assistant: RunningAssistant,
                                screenshots: Path) -> None:
    page = _open_widget(browser, assistant, width=360, height=760)
    _say(page, "what's your return policy?")
    answer = page.locator("#aisle-widget .answer")
    expect(answer).to_be_visible(timeout=TURN_MS)
    answer.locator("summary").click()
    expect(answer.locator("blockquote").first).to_be_visible()
    expect(answer.locator("cite").first).to_contain_text("Store policy")
    _say(page, "women's jackets under $80")
    expect(page.locator("#aisle-widget .card").first).to_be_visible(timeout=TURN_MS)
    box = page.locator("#aisle-widget").bounding_box()
    assert box is not None and box["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=screenshots / "widget-360px.png")
    page.locator("#aisle-widget .card").first.get_by_role("button", name="Ask a question").click()
    expect(page.get_by_label("Your message")).to_have_value(re.compile("^About the "))
    expect(page.get_by_label("Your message")).to_be_focused()
    _say(page, "compare the first two")
    table = page.locator("#aisle-widget .comparison table")
    expect(table).to_be_visible(timeout=TURN_MS)
    expect(table.locator("thead th")).to_have_count(3)
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator("#aisle-widget .msg.user")).to_have_count(0)
    page.context.close()


def test_console_data_refused_without_sign_in(browser: Browser,
                                              assistant: RunningAssistant) -> None:
    for path in ("/api/agent/conversations", "/api/agent/me",
                 "/api/agent/conversations/anything",
                 "/api/agent/conversations/anything/suggestions"):
        assert httpx.get(f"{assistant.web_url}{path}").status_code == 401, path
    forged = httpx.get(f"{assistant.web_url}/api/agent/conversations",
                       cookies={"aisle_agent": "eyJhZ2VudCI6ImV2ZSJ9.forged.signature"})
    assert forged.status_code == 401
    assert httpx.post(f"{assistant.web_url}/api/agent/conversations/x/takeover").status_code == 401
    assert httpx.post(f"{assistant.web_url}/api/agent/login",
                      json={"password": "wrong"}).status_code == 401
    page = browser.new_context().new_page()
    page.goto(f"{assistant.web_url}/agent")
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.locator(".conversations")).to_have_count(0)
    page.context.close()


def test_agent_takes_over_and_hands_back(browser: Browser, assistant: RunningAssistant,
                                         shop_db: Path, screenshots: Path) -> None:
    shopper = _open_widget(browser, assistant)
    session = _session_id(shopper)
    _say(shopper, "show me yoga pants for women")
    expect(shopper.locator("#aisle-widget .card").first).to_be_visible(timeout=TURN_MS)
    _say(shopper, "what material is the first one made of?")
    cited = shopper.locator("#aisle-widget .answer .citation blockquote")
    expect(cited.first).to_be_attached(timeout=TURN_MS)
    bot_quotes = cited.all_text_contents()
    _say(shopper, "I want to talk to a human")
    expect(shopper.locator("#aisle-widget .notice").last).to_contain_text(
        "person from the store", timeout=TURN_MS)

    agent = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    agent.goto(f"{assistant.web_url}/agent")
    agent.get_by_label("Account").fill("Dana")
    agent.get_by_label("Password").fill(AGENT_PASSWORD)
    agent.get_by_role("button", name="Sign in").click()
    first = agent.locator(".conversations .conv").first
    expect(first).to_have_attribute("data-id", session, timeout=30_000)
    expect(first.locator(".badge.waiting")).to_be_visible()
    first.click()
    transcript = agent.locator(".transcript")
    expect(transcript.locator(".t.user .intent").last).to_contain_text("human_handoff")
    expect(agent.locator(".assist .insert-product").first).to_be_visible(timeout=TURN_MS)
    expect(agent.locator(".assist .viewed li").first).to_be_visible()
    # The console's knowledge for the last question is what the bot quoted to the shopper.
    expect(agent.locator(".assist .snippet blockquote")).to_have_text(bot_quotes)
    expect(agent.locator(".assist .draft")).to_be_visible()

    agent.get_by_role("button", name="Take over", exact=True).click()
    expect(agent.locator(".controls .handback")).to_be_visible(timeout=30_000)
    expect(shopper.locator("#aisle-widget .msg.agent").first).to_contain_text(
        "joined", timeout=30_000)
    agent.locator(".assist .insert-product").first.click()
    reply = agent.get_by_label("Reply to the shopper")
    suggested = reply.input_value()
    assert suggested, "inserting a suggestion fills the reply"
    reply.fill(f"Hi, I'm Dana. {suggested} Would you like it in your size?")
    agent.get_by_role("button", name="Send to shopper", exact=True).click()
    expect(shopper.locator("#aisle-widget .msg.agent").last).to_contain_text(
        "Hi, I'm Dana.", timeout=30_000)
    expect(transcript.locator(".t.agent").last).to_contain_text("Hi, I'm Dana.")
    expect(first.locator(".badge.held")).to_be_visible()
    agent.screenshot(path=screenshots / "agent-console.png")

    bot_before = _bot_messages(shopper).count()
    _say(shopper, "show me men's hoodies")
    expect(transcript.locator(".t.user").last).to_contain_text("men's hoodies", timeout=30_000)
    shopper.wait_for_timeout(3000)
    assert _bot_messages(shopper).count() == bot_before, "the bot stays silent while held"

    agent.get_by_role("button", name="Hand back to the bot", exact=True).click()
    expect(agent.locator(".controls .takeover")).to_be_visible(timeout=30_000)
    expect(shopper.locator("#aisle-widget .msg.agent").last).to_contain_text(
        "back with Aisle", timeout=30_000)
    _say(shopper, "show me men's hoodies")
    expect(_bot_messages(shopper)).not_to_have_count(bot_before, timeout=TURN_MS)
    expect(shopper.locator("#aisle-widget .msg.bot").last.locator(".card").first).to_be_visible(
        timeout=TURN_MS)

    steps = [row[2] for row in _events(shop_db, "handoff") if row[0] == session]
    assert any("taken_over" in s for s in steps) and any("handed_back" in s for s in steps)
    expect(agent.locator(".transcript .t.agent")).to_have_count(3, timeout=30_000)

    # "Export as test": the conversation as a draft script the runner accepts.
    with agent.expect_download() as exported:
        agent.get_by_role("button", name="Export as test", exact=True).click()
    assert exported.value.suggested_filename == f"conversation-{session}.yml"
    draft = parse_script_file(Path(exported.value.path()).read_text(encoding="utf-8"),
                              exported.value.suggested_filename)
    turns = draft.scripts[0].turns
    assert [t.user for t in turns][-5:] == [
        "show me yoga pants for women", "what material is the first one made of?",
        "I want to talk to a human", "show me men's hoodies", "show me men's hoodies"]
    assert turns[-5].expect.products and turns[-4].expect.answer and turns[-3].expect.handoff
    assert turns[-2].expect.products is None and turns[-1].expect.products  # held: silent
    agent.context.close()
    shopper.context.close()


def test_insights_page_behind_sign_in_draws_its_charts(browser: Browser,
                                                     assistant: RunningAssistant,
                                                     screenshots: Path) -> None:
    """After the shopper conversations above, /insights shows their funnel, drawn offline."""
    assert httpx.get(f"{assistant.web_url}/insights").status_code == 401
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    external = []
    page.on("request", lambda request: external.append(request.url)
            if not request.url.startswith((assistant.web_url, "data:")) else None)
    page.goto(f"{assistant.web_url}/agent")
    page.get_by_label("Account").fill("Dana")
    page.get_by_label("Password").fill(AGENT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".conversations .conv").first).to_be_visible(timeout=30_000)
    page.goto(f"{assistant.web_url}/insights")
    expect(page.get_by_role("heading", name="Funnel")).to_be_visible(timeout=TURN_MS)
    for chart in ("#chart-funnel", "#chart-intents"):
        expect(page.locator(f"{chart} svg, {chart} canvas").first).to_be_visible(timeout=30_000)
    # Searched and handed-over conversations from the tests above are counted.
    expect(page.locator("body")).to_contain_text("human_handoff")
    assert not external, f"the report fetched from outside the app: {external}"
    page.screenshot(path=screenshots / "insights.png", full_page=False)
    page.context.close()


def test_widget_falls_back_to_rest_without_websockets(browser: Browser,
                                                      assistant: RunningAssistant) -> None:
    page = browser.new_context().new_page()
    page.add_init_script("window.WebSocket = function () { throw new Error('blocked'); };")
    page.goto(f"{assistant.web_url}/")
    expect(page.locator("#aisle-widget")).to_have_attribute("data-mode", "rest", timeout=30_000)
    _say(page, "show me men's hoodies")
    expect(page.locator("#aisle-widget .card").first).to_be_visible(timeout=TURN_MS)
    page.context.close()


def test_rest_fallback_and_the_internal_assist_api(assistant: RunningAssistant) -> None:
    reply = httpx.post(f"{assistant.web_url}/api/chat", timeout=120,
                       json={"session_id": "rest-fallback-1", "message": "men's hoodies"})
    assert reply.status_code == 200
    assert any((m.get("custom") or {}).get("type") == "products" for m in reply.json())
    assert httpx.post(f"{assistant.web_url}/api/chat",
                      json={"session_id": "x", "message": "y" * 2001}).status_code == 422
    suggestions = f"{assistant.action_url}/assist/suggestions"
    assert httpx.post(suggestions, json={"conversation_id": "x"}).status_code == 401
    assert httpx.post(suggestions, json={"conversation_id": "x"},
                      headers={"X-Aisle-Internal-Token": "guess"}).status_code == 401
