"""Store-policy, shipping and payment questions answered from the store's own pages."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn, send
from actions.services import get_services
from dialogue.questions import answer_policy


class ActionAnswerPolicy(Action):
    """``ask_policy``, ``ask_shipping``, ``ask_payment``: cite the Customer Service pages."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reply = await off_loop(answer_policy, read_turn(tracker), get_services().answers)
        return send(dispatcher, reply)
