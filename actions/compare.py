"""``compare_products``: a side-by-side table of the products the shopper points at."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn, send
from actions.services import get_services
from dialogue.compare import compare_turn


class ActionCompareProducts(Action):
    """Resolve "the first two" / "A vs B" to products, then compare them."""

    def name(self) -> str:
        return "action_compare_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = await off_loop(compare_turn, read_turn(tracker), get_services().catalog)
        return send(dispatcher, reply)
