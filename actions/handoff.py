"""Hand the conversation over to a person."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import send
from dialogue.handoff import complaint, human_handoff


class ActionHumanHandoff(Action):
    """``human_handoff``: acknowledge, flag the conversation for an agent, stop selling."""

    def name(self) -> str:
        return "action_human_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return send(dispatcher, human_handoff())


class ActionHandleComplaint(Action):
    """``complaint``: apologise and flag the conversation for an agent, with the reason."""

    def name(self) -> str:
        return "action_handle_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return send(dispatcher, complaint())
