"""The web app's client of the action server's internal agent-assist API (``assist.routes``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from assist.protocol import TOKEN_HEADER
from web.tracker import Conversation


class AssistUnavailable(RuntimeError):
    """The action server's agent-assist API could not answer."""


class AssistClient:
    def __init__(self, base_url: str, token: str | None, timeout: float = 60.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.transport = transport  # tests pass an httpx.MockTransport

    async def suggestions(self, conversation: Conversation) -> dict[str, Any]:
        """Products, cited snippets, a draft reply and the cart for ``conversation``."""
        if not self.token:
            raise AssistUnavailable("AISLE_INTERNAL_TOKEN is not set, so agent assist is off")
        last = conversation.last_question() or {}
        body = {"conversation_id": conversation.conversation_id,
                "viewed": [str(p) for p in conversation.slots.get("viewed_products") or []],
                "focus_product": conversation.slots.get("focus_product"),
                "question": (last.get("text") or "")[:2000], "intent": last.get("intent")}
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.post(f"{self.base_url}/assist/suggestions", json=body,
                                             headers={TOKEN_HEADER: self.token})
        except httpx.HTTPError as error:
            raise AssistUnavailable(f"the action server is unreachable: {error}") from error
        if response.status_code != 200:
            raise AssistUnavailable(f"agent assist answered {response.status_code}: "
                                    f"{response.text[:300]}")
        return response.json()

    def propensity_scorer(self) -> Callable[[tuple[str, ...], tuple[str, ...], list[str]],
                                            dict[str, float]]:
        """A synchronous propensity scorer for ``insights.web.build_router``.

        The models live in the action server, so the web app asks it rather than loading the
        recommender itself; when the action server cannot answer, the report leaves the
        propensity section empty for that conversation instead of failing.
        """
        base_url, token, timeout = self.base_url, self.token, self.timeout

        def score(history: tuple[str, ...], carted: tuple[str, ...],
                  product_ids: list[str]) -> dict[str, float]:
            if not token:
                return {}
            body = {"history": list(history), "carted": list(carted), "product_ids": product_ids}
            try:
                response = httpx.post(f"{base_url}/assist/propensity", json=body,
                                      headers={TOKEN_HEADER: token}, timeout=timeout)
            except httpx.HTTPError:
                return {}
            if response.status_code != 200:
                return {}
            return {str(k): float(v) for k, v in response.json()["propensity"].items()}

        return score
