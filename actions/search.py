"""Product search: the shopper's words plus remembered constraints, answered with product cards."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn, send
from actions.services import get_services
from dialogue.search import decline_relaxation, search_products, start_over


class ActionSearchProducts(Action):
    """``search_products``, ``refine_search``, ``ask_recommendation`` and "yes, relax it"."""

    def name(self) -> str:
        return "action_search_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        services = get_services()
        reply = await off_loop(search_products, read_turn(tracker), services.search,
                               services.catalog)
        return send(dispatcher, reply)


class ActionDeclineRelaxation(Action):
    """"No" to an offer to drop a constraint: keep the constraints and forget the offer."""

    def name(self) -> str:
        return "action_decline_relaxation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return send(dispatcher, decline_relaxation())


class ActionStartOver(Action):
    """"Start over": forget the search (constraints, results, focus); the cart stays."""

    def name(self) -> str:
        return "action_start_over"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return send(dispatcher, start_over(read_turn(tracker)))
