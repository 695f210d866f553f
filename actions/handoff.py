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


def flag_for_agent(dispatcher: CollectingDispatcher, text: str, detail: dict[str, str]
                   ) -> list[EventType]:
    """Tell the shopper a person will take over, and flag the conversation for the console."""
    dispatcher.utter_message(text=text,
                             json_message={"type": "handoff", "status": "requested", **detail})
    return [SlotSet("handoff_requested", True)]


class ActionHumanHandoff(Action):
    """``human_handoff``: acknowledge, flag the conversation for an agent, stop selling."""

    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return flag_for_agent(dispatcher, HANDOFF_TEXT, {})


COMPLAINT_TEXT = (
    "I'm sorry about that — that's not the experience we want you to have. I've flagged this "
    "conversation for a colleague from our customer service team, who will read what happened "
    "and reply here. If you have an order number, add it so they can look at it straight away."
)


class ActionHandleComplaint(Action):
    """``complaint``: apologise and flag the conversation for an agent, with the reason."""

    def name(self) -> str:
        return "action_handle_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return flag_for_agent(dispatcher, COMPLAINT_TEXT, {"reason": "complaint"})
