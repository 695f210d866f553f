"""The typed reply of a turn: messages to send and slots to set, as plain data.

``actions.common.send`` turns it into ``dispatcher.utter_message`` calls and ``SlotSet`` events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    """One bot message: text, a typed ``custom`` payload, buttons, or a domain response."""

    text: str | None = None
    custom: dict[str, Any] | None = None
    buttons: tuple[dict[str, Any], ...] = ()
    response: str | None = None


@dataclass
class Reply:
    """What a turn says and remembers; ``slots`` are (slot, value) in the order they are set."""

    messages: list[Message] = field(default_factory=list)
    slots: list[tuple[str, Any]] = field(default_factory=list)

    def say(self, text: str | None = None, custom: dict[str, Any] | None = None,
            buttons: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
            response: str | None = None) -> Reply:
        self.messages.append(Message(text, custom, tuple(buttons), response))
        return self

    def set(self, name: str, value: Any) -> Reply:
        self.slots.append((name, value))
        return self

    def set_all(self, slots: list[tuple[str, Any]]) -> Reply:
        self.slots.extend(slots)
        return self


def said(text: str | None = None, custom: dict[str, Any] | None = None,
         buttons: list[dict[str, Any]] | tuple[dict[str, Any], ...] = (),
         slots: list[tuple[str, Any]] | None = None) -> Reply:
    """A reply of one message (and optionally slots)."""
    return Reply().say(text, custom, buttons).set_all(list(slots or []))
