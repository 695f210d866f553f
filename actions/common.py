"""Small helpers every action uses: reading the latest message and running blocking services."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker

T = TypeVar("T")

TRUNCATION_NOTICE = "Your message was very long, so I read only its first 2,000 characters."


async def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking service call (model inference, database) off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: function(*args, **kwargs))


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_text(tracker: Tracker, limit: int = 2000) -> str:
    """The shopper's last message, cut to the length the NLU read.

    When that message is the button the clarifying question offered ("/search_products"), the
    words the shopper typed before it stand in for it (see ``actions.fallback``).
    """
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/") and previous_user_intent(tracker) == "nlu_fallback":
        text = tracker.get_slot("clarified_text") or text
    return text[:limit]


def previous_user_intent(tracker: Tracker) -> str | None:
    """Intent of the shopper's message before the latest one."""
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if not seen_latest:
            seen_latest = True
            continue
        return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return None


def latest_entities(tracker: Tracker) -> dict[str, Any]:
    """Entity name → value of the last message (the first value of each entity)."""
    entities: dict[str, Any] = {}
    for entity in tracker.latest_message.get("entities") or []:
        entities.setdefault(entity.get("entity"), entity.get("value"))
    return entities


def was_truncated(tracker: Tracker) -> bool:
    """True when the message guard cut the shopper's message (see bot/components)."""
    return bool(tracker.latest_message.get("aisle_truncated"))


def with_notice(tracker: Tracker, text: str) -> str:
    """Prefix the truncation notice when the last message was cut."""
    return f"{TRUNCATION_NOTICE} {text}" if was_truncated(tracker) else text


def last_user_text(tracker: Tracker, intents: set[str]) -> str | None:
    """Text of the most recent user message with one of ``intents``."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name in intents:
            return (event.get("text") or "")[:2000]
    return None


def product_ids_named(name: str) -> list[str]:
    """Ids of the catalog products a name matches, best first."""
    from actions.services import get_services

    return [p.id for p in get_services().catalog.find_products_by_name(name)]


def pointed_product(tracker: Tracker) -> str | None:
    """The product the last message is about: a name, "the second one", the focus, or "it"."""
    from dialogue.references import resolve_product

    return resolve_product(
        latest_text(tracker), tracker.get_slot("shown_products") or [],
        tracker.get_slot("focus_product"), latest_entities(tracker).get("product") or None,
        product_ids_named,
    )
