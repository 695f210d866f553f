"""Low-confidence messages: clarify first, then give up honestly (see ``dialogue.fallback``)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import read_turn, send
from dialogue.fallback import handle_fallback


class ActionHandleFallback(Action):
    """``nlu_fallback``: clarify with the two likeliest intents, then give up gently."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return send(dispatcher, handle_fallback(read_turn(tracker)))
