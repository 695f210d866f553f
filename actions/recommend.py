"""Recommendations: personalised picks, "more like this" and "what goes with it"."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn, send
from actions.services import get_recommender, get_services
from dialogue.recommend import recommend_products, show_complements, show_similar


class ActionRecommendProducts(Action):
    """``ask_recommendation``: the shopper's request and history through the recommender."""

    def name(self) -> str:
        return "action_recommend_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = await off_loop(recommend_products, read_turn(tracker), get_recommender())
        return send(dispatcher, reply)


class ActionShowSimilar(Action):
    """"More like this" / "similar to the second one": neighbours of the product pointed at."""

    def name(self) -> str:
        return "action_show_similar"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = await off_loop(show_similar, read_turn(tracker), get_services().catalog,
                               get_recommender())
        return send(dispatcher, reply)


class ActionShowComplements(Action):
    """"What goes with it?": the store's cross-sell links first, then other kinds of item."""

    def name(self) -> str:
        return "action_show_complements"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = await off_loop(show_complements, read_turn(tracker), get_services().catalog,
                               get_recommender())
        return send(dispatcher, reply)
