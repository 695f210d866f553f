"""The one place the tracker is read and the dispatcher written: a turn in, a reply out."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from aisle.entity_roles import MENTIONED
from dialogue.reply import Reply
from dialogue.turn import Turn, UserMessage

T = TypeVar("T")


async def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking service call (model inference, database) off the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: function(*args, **kwargs))


def _intent(parse_data: dict[str, Any] | None) -> str | None:
    return ((parse_data or {}).get("intent") or {}).get("name")


def read_turn(tracker: Tracker) -> Turn:
    """The turn as plain values: slots, the latest message and the shopper's messages so far."""
    latest = tracker.latest_message or {}
    return Turn(
        sender_id=tracker.sender_id,
        slots=dict(tracker.slots),
        text=latest.get("text") or "",
        intent=_intent(latest),
        # A kind named inside a reference ("the drill") is reported with a role, not a constraint.
        entities=tuple((e.get("entity"), e.get("value")) for e in latest.get("entities") or []
                       if e.get("role") != MENTIONED),
        intent_ranking=tuple((e.get("name"), float(e.get("confidence") or 0.0))
                             for e in latest.get("intent_ranking") or []),
        truncated=bool(latest.get("aisle_truncated")),
        history=tuple(UserMessage(_intent(e.get("parse_data")), e.get("text") or "")
                      for e in tracker.events if e.get("event") == "user"),
    )


def send(dispatcher: CollectingDispatcher, reply: Reply) -> list[EventType]:
    """Utter the reply's messages; its slot updates as ``SlotSet`` events."""
    for message in reply.messages:
        dispatcher.utter_message(text=message.text, json_message=message.custom,
                                 buttons=list(message.buttons), response=message.response)
    return [SlotSet(name, value) for name, value in reply.slots]


def slot_values(reply: Reply) -> dict[str, Any]:
    """A form validator's answer: the reply's slot updates as a dict."""
    return dict(reply.slots)
