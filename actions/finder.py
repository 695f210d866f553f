"""The product finder form: for whom, and what kind — when a request is too broad to search."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import read_turn, send, slot_values
from actions.services import get_services
from dialogue.finder import (
    CarriedTypes,
    ProductsCarried,
    ask_product_type,
    gender_answer,
    product_type_answer,
)


def _carried() -> CarriedTypes:
    """The catalog's kinds of product: counted by its database (the SQL catalog), else from
    the search's products (tests' in-memory catalogs)."""
    services = get_services()
    catalog = getattr(services, "catalog", None)
    if isinstance(catalog, CarriedTypes):
        return catalog
    return ProductsCarried(list(services.search.products.values()))


class ValidateProductFinderForm(FormValidationAction):
    """Checks the finder's answers against the catalog."""

    def name(self) -> str:
        return "validate_product_finder_form"

    async def validate_gender(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        reply = gender_answer(value)
        send(dispatcher, reply)
        return slot_values(reply)

    async def validate_product_type(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: dict[str, Any]) -> dict[str, Any]:
        reply = product_type_answer(read_turn(tracker), value, _carried())
        send(dispatcher, reply)
        return slot_values(reply)


class ActionAskProductFinderFormProductType(Action):
    """Asks what kind of item, offering the types the catalog has for the chosen audience."""

    def name(self) -> str:
        return "action_ask_product_finder_form_product_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        return send(dispatcher, ask_product_type(read_turn(tracker), _carried()))
