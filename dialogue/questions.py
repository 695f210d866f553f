"""Question turns: about a product (its description, attributes and reviews) or the store's
pages (policies, shipping, payment). The agent-assist console asks them the same way."""

from __future__ import annotations

import re
from typing import Protocol

from catalog.domain import Product
from catalog.filters import ProductFilters
from dialogue.cards import answer_payload
from dialogue.catalog_terms import size_in_text
from dialogue.named_search import lacking
from dialogue.pointing import ProductCatalog, pointed_product
from dialogue.recommend import remember
from dialogue.references import question_text
from dialogue.reply import Reply
from dialogue.turn import Turn
from knowledge.answers import Answer

#: Intents whose question is about the store's pages, and the topic of the pages to ask.
TOPIC_BY_INTENT: dict[str, str | None] = {
    "ask_shipping": "shipping", "ask_payment": "payment", "ask_policy": None}
WHICH_PRODUCT = ("Which product do you mean? Tell me its name, or search first and point at one "
                 "of the results (for example “the second one”).")
#: A question about what something costs ("how much?", "what's the price", "are they pricey").
PRICE_QUESTION = re.compile(r"\b(?:how much|price[sd]?|pricey|cost(?:s|ing)?|expensive|cheap)\b",
                            re.IGNORECASE)


#: A question whether a product is offered in something ("does it come in red", "got it in M").
AVAILABILITY_QUESTION = re.compile(
    r"\b(?:comes?|available|availability|stock|have|got|carry|make|made|offer|sell)\b",
    re.IGNORECASE)


class Answers(Protocol):
    def answer_product_question(self, product_id: str, question: str) -> Answer: ...
    def answer_policy_question(self, question: str, topic: str | None = None) -> Answer: ...


def ask_about_product(answers: Answers, product_id: str, question: str) -> Answer:
    """The grounded answer about one product (the words that only point at it dropped)."""
    return answers.answer_product_question(product_id, question_text(question))


def ask_the_store(answers: Answers, question: str, intent: str | None) -> Answer:
    """The grounded answer from the store's pages, on the intent's topic."""
    return answers.answer_policy_question(question, TOPIC_BY_INTENT.get(intent or ""))


def grounded_answer(answers: Answers, question: str, intent: str | None,
                    focus_product: str | None) -> Answer | None:
    """What the bot would answer to ``question``: the store's pages for a policy intent, else
    the product in focus, else the store's pages."""
    if not question.strip():
        return None
    if intent in TOPIC_BY_INTENT or not focus_product:
        return ask_the_store(answers, question, intent)
    return ask_about_product(answers, focus_product, question)


def shown_prices(turn: Turn, catalog: ProductCatalog) -> str | None:
    """"How much?" after several cards: each shown product's price, from the catalog."""
    if not PRICE_QUESTION.search(turn.message_text()):
        return None
    products = [p for p in map(catalog.product, turn.slot("shown_products") or []) if p]
    priced = [p for p in products if p.price is not None]
    if not priced:
        return None
    lines = "; ".join(f"{p.name} ${p.price:,.2f}" for p in priced)
    unpriced = len(products) - len(priced)
    return (f"Their prices: {lines}." + (f" ({unpriced} more without a listed price.)"
                                         if unpriced else ""))


def availability(turn: Turn, product: Product | None) -> str | None:
    """"Got it in medium?": whether ``product`` comes in the size or colour the message names,
    from the catalog's own lists; ``None`` when the message names neither or the catalog lists
    none for the product."""
    if product is None or not AVAILABILITY_QUESTION.search(turn.message_text()):
        return None
    values = turn.entity_values()
    size = values.get("size") or size_in_text(turn.message_text())
    color = values.get("color")
    asked = ProductFilters(size=str(size) if size and product.sizes else None,
                           color=str(color) if color and product.colors else None)
    if not (asked.size or asked.color):
        return None
    missing = lacking(product, asked)
    if missing:
        return f"No — the {product.name} comes in {' and '.join(missing)}."
    wanted = " and ".join(filter(None, [asked.color and asked.color.lower(),
                                        asked.size and f"size {asked.size}"]))
    return f"Yes, the {product.name} comes in {wanted}."


def answer_question(turn: Turn, answers: Answers, catalog: ProductCatalog) -> Reply:
    """``ask_product_question``: find the product in focus, answer with cited sentences; a
    price question about several shown products lists their prices, and whether the product
    comes in a size or colour is answered from the catalog's lists."""
    product_id = pointed_product(turn, catalog)
    if product_id is None:
        prices = shown_prices(turn, catalog)
        return Reply().say(turn.noticed(prices or WHICH_PRODUCT))
    offered = availability(turn, catalog.product(product_id))
    if offered is not None:
        return (Reply().say(turn.noticed(offered)).set("focus_product", product_id)
                .set(*remember(turn, product_id)))
    answer = ask_about_product(answers, product_id, turn.message_text())
    return (Reply().say(turn.noticed(answer.text), answer_payload(answer, product_id))
            .set("focus_product", product_id).set(*remember(turn, product_id)))


def answer_policy(turn: Turn, answers: Answers) -> Reply:
    """``ask_policy``, ``ask_shipping``, ``ask_payment``: cite the Customer Service pages."""
    answer = ask_the_store(answers, turn.message_text(), turn.intent)
    return Reply().say(turn.noticed(answer.text), answer_payload(answer))
