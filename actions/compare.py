"""``compare_products``: a side-by-side table of the products the shopper points at."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_text, off_loop, product_ids_named, with_notice
from actions.payloads import product_card
from actions.services import get_services
from dialogue.compare import Comparison, compare_products
from dialogue.references import resolve_products

MAX_COMPARED = 4


def comparison_payload(comparison: Comparison) -> dict[str, Any]:
    """``{"type": "comparison", "products": [cards], "rows": [{"attribute", "values"}]}``."""
    return {
        "type": "comparison",
        "products": [product_card(p) for p in comparison.products],
        "rows": [{"attribute": row.attribute, "values": list(row.values), "differs": row.differs}
                 for row in comparison.rows],
    }


def _named(tracker: Tracker) -> list[str]:
    return [str(e.get("value")) for e in tracker.latest_message.get("entities") or []
            if e.get("entity") == "product" and e.get("value")]


class ActionCompareProducts(Action):
    """Resolve "the first two" / "A vs B" to products, then compare them."""

    def name(self) -> str:
        return "action_compare_products"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        services = get_services()
        ids = await off_loop(
            resolve_products, latest_text(tracker), tracker.get_slot("shown_products") or [],
            tracker.get_slot("focus_product"), _named(tracker), product_ids_named,
        )
        products = [p for p in (services.catalog.product(pid) for pid in ids[:MAX_COMPARED]) if p]
        if len(products) < 2:
            dispatcher.utter_message(text=with_notice(
                tracker, "Which products shall I compare? Point at two I showed you (“the first "
                "two”, “the second and the last”) or name them (“the Chaz hoodie and the Mach "
                "Street sweatshirt”)."))
            return []
        comparison = compare_products(products)
        names = " and ".join(f"the {p.name}" for p in products)
        dispatcher.utter_message(text=with_notice(tracker, f"Comparing {names}. "
                                                  f"{comparison.summary()}"),
                                 json_message=comparison_payload(comparison))
        return [SlotSet("compared_products", [p.id for p in products])]
