"""Product questions answered from the product's own description, attributes and reviews."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import off_loop, read_turn, send
from actions.services import get_services
from dialogue.questions import answer_question


class ActionAnswerQuestion(Action):
    """``ask_product_question``: find the product in focus, answer with cited sentences."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        services = get_services()
        reply = await off_loop(answer_question, read_turn(tracker), services.answers,
                               services.catalog)
        return send(dispatcher, reply)
