"""Looking at and changing the cart (the turn logic is ``dialogue.cart_edit``)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn, send
from actions.services import get_commerce
from dialogue.cart_edit import list_promotions, remove_from_cart, view_cart


class ActionViewCart(Action):
    """``view_cart``: the priced cart (same payload as after adding)."""

    def name(self) -> str:
        return "action_view_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return send(dispatcher, await off_loop(view_cart, read_turn(tracker), get_commerce()))


class ActionRemoveFromCart(Action):
    """``remove_from_cart``: remove a line, reduce it, or empty the cart."""

    def name(self) -> str:
        return "action_remove_from_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        reply = await off_loop(remove_from_cart, read_turn(tracker), get_commerce())
        return send(dispatcher, reply)


class ActionListPromotions(Action):
    """``ask_promotions``: the store's active cart price rules and what each needs."""

    def name(self) -> str:
        return "action_list_promotions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return send(dispatcher, list_promotions(get_commerce()))
