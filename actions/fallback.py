"""Gentle replies for empty, garbled or not-understood messages."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, with_notice

EMPTY_TEXT = (
    "It looks like your message was empty. Tell me what you're looking for — for example "
    "“a women's jacket under $80” — or ask about shipping and returns."
)
NOT_UNDERSTOOD_TEXT = (
    "Sorry, I didn't quite get that. I can find products (“men's hoodies under $60 in black”), "
    "answer questions about them (“is the first one waterproof?”), explain our shipping and "
    "return policies, or connect you with a person."
)
SUGGESTIONS = [
    {"title": "Find a product", "payload": "I'm looking for something to wear"},
    {"title": "Return policy", "payload": "what's your return policy?"},
    {"title": "Talk to a person", "payload": "/human_handoff"},
]


class ActionHandleFallback(Action):
    """``nlu_fallback``: answer empty or unknown input by saying what Aisle can do."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = EMPTY_TEXT if not latest_text(tracker).strip() else NOT_UNDERSTOOD_TEXT
        dispatcher.utter_message(text=with_notice(tracker, text), buttons=SUGGESTIONS)
        return []
