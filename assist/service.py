"""The :class:`AgentAssist` service: what an agent may say next, from the bot's own services.

It runs inside the action server (the one process that owns the models and the Chroma store),
so its products, quotes and prices are exactly what the bot would show.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from commerce.service import Commerce
from dialogue.cards import citation_payload, product_card
from dialogue.commerce_replies import cart_payload, carted_ids
from dialogue.questions import Answers, grounded_answer
from dialogue.recommend import HISTORY_LENGTH
from knowledge.answers import Answer
from recommender.service import Recommender, ShopperContext

MAX_PRODUCTS = 4


@dataclass(frozen=True)
class AssistRequest:
    """What the console knows about a conversation (read from the tracker store)."""

    conversation_id: str
    viewed: tuple[str, ...] = ()
    focus_product: str | None = None
    question: str = ""
    intent: str | None = None

    @classmethod
    def from_json(cls, body: Any) -> AssistRequest:
        """Validate a JSON body; raises ``ValueError`` with a clear message."""
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        conversation_id = body.get("conversation_id")
        if not isinstance(conversation_id, str) or not conversation_id:
            raise ValueError("conversation_id must be a non-empty string")
        viewed = body.get("viewed") or []
        if not isinstance(viewed, list) or not all(isinstance(v, str) for v in viewed):
            raise ValueError("viewed must be a list of product ids")
        focus, question, intent = body.get("focus_product"), body.get("question") or "", \
            body.get("intent")
        if focus is not None and not isinstance(focus, str):
            raise ValueError("focus_product must be a product id")
        if not isinstance(question, str) or len(question) > 2000:
            raise ValueError("question must be a string of at most 2000 characters")
        if intent is not None and not isinstance(intent, str):
            raise ValueError("intent must be a string")
        return cls(conversation_id, tuple(viewed[-HISTORY_LENGTH:]), focus, question, intent)


@dataclass(frozen=True)
class Suggestions:
    """Products with reasons, cited snippets and a draft reply for one conversation."""

    products: list[dict[str, Any]] = field(default_factory=list)
    snippets: list[dict[str, Any]] = field(default_factory=list)
    draft: str = ""
    grounded: bool = False
    cart: dict[str, Any] = field(default_factory=dict)
    viewed: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"products": self.products, "snippets": self.snippets, "draft": self.draft,
                "grounded": self.grounded, "cart": self.cart, "viewed": self.viewed}


class AgentAssist:
    """Suggestions for an agent, built on the action server's answers, recommender and carts."""

    def __init__(self, answers: Answers, recommender: Recommender, commerce: Commerce) -> None:
        self.answers = answers
        self.recommender = recommender
        self.commerce = commerce

    def propensity(self, history: Sequence[str], carted: Sequence[str],
                   product_ids: Sequence[str]) -> dict[str, float]:
        """The recommender's purchase propensity of ``product_ids`` for this shopper (insights)."""
        context = ShopperContext(history=tuple(history), carted=tuple(carted))
        return self.recommender.propensity(context, list(product_ids))

    def suggest(self, request: AssistRequest) -> Suggestions:
        cart = self.commerce.view_cart(request.conversation_id)
        carted = tuple(carted_ids(cart))
        history = [*request.viewed]
        if request.focus_product and request.focus_product not in history:
            history.append(request.focus_product)
        context = ShopperContext(history=tuple(history), carted=carted, query=request.question)
        found = self.recommender.recommend(context, MAX_PRODUCTS)
        answer = self.answer(request)
        return Suggestions(
            products=[product_card(r.product, r.reason) for r in found],
            snippets=[citation_payload(c) for c in answer.citations] if answer else [],
            draft=answer.text if answer and answer.grounded else "",
            grounded=bool(answer and answer.grounded),
            cart=cart_payload(cart),
            viewed=[product_card(self.recommender.products[pid]) for pid in reversed(history)
                    if pid in self.recommender.products],
        )

    def answer(self, request: AssistRequest) -> Answer | None:
        """The grounded answer to the shopper's last question, as the bot would give it."""
        return grounded_answer(self.answers, request.question, request.intent,
                               request.focus_product)
