"""Store-policy, shipping and payment questions answered from the store's own pages."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_intent, latest_text, off_loop, with_notice
from actions.services import get_services

TOPIC_BY_INTENT = {"ask_shipping": "shipping", "ask_payment": "payment", "ask_policy": None}


class ActionAnswerPolicy(Action):
    """``ask_policy``, ``ask_shipping``, ``ask_payment``: cite the Customer Service pages."""

    def name(self) -> str:
        return "action_answer_policy"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = TOPIC_BY_INTENT.get(latest_intent(tracker) or "")
        answer = await off_loop(
            get_services().answers.answer_policy_question, latest_text(tracker), topic
        )
        dispatcher.utter_message(text=with_notice(tracker, answer.text),
                                 json_message=answer.to_payload())
        return []
