"""Product questions answered from the product's own description, attributes and reviews."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, off_loop, pointed_product, with_notice
from actions.recommend import remember
from actions.services import get_services
from dialogue.references import question_text


class ActionAnswerQuestion(Action):
    """``ask_product_question``: find the product in focus, answer with cited sentences."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        services = get_services()
        text = latest_text(tracker)
        product_id = await off_loop(pointed_product, tracker)
        if product_id is None:
            dispatcher.utter_message(text=with_notice(
                tracker, "Which product do you mean? Tell me its name, or search first and "
                "point at one of the results (for example “the second one”)."))
            return []
        answer = await off_loop(services.answers.answer_product_question, product_id,
                              question_text(text))
        dispatcher.utter_message(text=with_notice(tracker, answer.text),
                                 json_message={**answer.to_payload(), "product_id": product_id})
        return [SlotSet("focus_product", product_id), remember(tracker, product_id)]
