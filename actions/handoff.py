"""Hand the conversation over to a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

HANDOFF_TEXT = (
    "Of course. I've asked a colleague from our customer service team to take over; they will "
    "see everything we've talked about, so you won't need to repeat yourself. "
    "Please stay in this chat."
)


class ActionHumanHandoff(Action):
    """``human_handoff``: acknowledge, flag the conversation for an agent, stop selling."""

    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=HANDOFF_TEXT,
            json_message={"type": "handoff", "status": "requested"},
        )
        return [SlotSet("handoff_requested", True)]
