"""The product finder form: for whom, and what kind — when a request is too broad to search."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.services import get_services
from dialogue.finder import choose_type, offered_types, read_gender

AUDIENCE = {"men": "men", "women": "women", "any": "everyone"}
MAX_BUTTONS = 6


def _gender(tracker: Tracker) -> str | None:
    gender = tracker.get_slot("gender")
    return None if gender in (None, "any", "unisex") else gender


def _products() -> list[Any]:
    return list(get_services().search.products.values())


def _type_buttons(types: list[str]) -> list[dict[str, str]]:
    return [{"title": t, "payload": t} for t in types[:MAX_BUTTONS]]


class ValidateProductFinderForm(FormValidationAction):
    """Checks the finder's answers against the catalog."""

    def name(self) -> str:
        return "validate_product_finder_form"

    async def validate_gender(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        text = str(value or "")
        gender = read_gender(text)
        if gender is None:
            dispatcher.utter_message(response="utter_ask_product_finder_form_gender")
            return {"gender": None}
        return {"gender": "any" if gender == "unisex" else gender}

    async def validate_product_type(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        choice = choose_type(str(value or ""), _products(), _gender(tracker))
        if choice.product_type:
            return {"product_type": choice.product_type}
        audience = AUDIENCE.get(tracker.get_slot("gender") or "any", "everyone")
        offered = ", ".join(t.lower() for t in choice.offered[:MAX_BUTTONS])
        lead = (f"We don't carry that for {audience}." if choice.carried_for_others
                else f"Sorry, we don't carry “{value}”.")
        dispatcher.utter_message(text=f"{lead} For {audience} we have {offered}. Which would you "
                                 "like?", buttons=_type_buttons(list(choice.offered)))
        return {"product_type": None}


class ActionAskProductFinderFormProductType(Action):
    """Asks what kind of item, offering the types the catalog has for the chosen audience."""

    def name(self) -> str:
        return "action_ask_product_finder_form_product_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        types = offered_types(_products(), _gender(tracker))
        audience = AUDIENCE.get(tracker.get_slot("gender") or "any", "everyone")
        dispatcher.utter_message(
            text=f"What kind of item are you after? For {audience} we have "
                 f"{', '.join(t.lower() for t in types[:MAX_BUTTONS])}.",
            buttons=_type_buttons(types))
        return []
