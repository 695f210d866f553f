"""One turn of the conversation as plain values: what the shopper said and what is remembered.

``actions.common.read_turn`` builds it from the rasa-sdk tracker, once per action; everything in
``dialogue/`` reads the turn, never the tracker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The NLU reads at most this many characters of a message (see bot/components).
MESSAGE_LIMIT = 2000
TRUNCATION_NOTICE = "Your message was very long, so I read only its first 2,000 characters."


@dataclass(frozen=True)
class UserMessage:
    """One of the shopper's messages in the conversation so far."""

    intent: str | None
    text: str


@dataclass(frozen=True)
class Turn:
    """The latest message, the slots and the shopper's earlier messages.

    ``history`` holds the shopper's messages oldest first, the latest one included;
    ``entities`` is (entity, value) in the order the NLU found them.
    """

    sender_id: str
    slots: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""
    intent: str | None = None
    entities: tuple[tuple[str, Any], ...] = ()
    intent_ranking: tuple[tuple[str, float], ...] = ()
    truncated: bool = False
    history: tuple[UserMessage, ...] = ()

    def slot(self, name: str) -> Any:
        return self.slots.get(name)

    @property
    def previous_intent(self) -> str | None:
        """Intent of the shopper's message before the latest one."""
        return self.history[-2].intent if len(self.history) > 1 else None

    def message_text(self, limit: int = MESSAGE_LIMIT) -> str:
        """The shopper's last message, cut to the length the NLU read.

        When that message is the button the clarifying question offered ("/search_products"),
        the words the shopper typed before it stand in for it (see ``dialogue.fallback``).
        """
        text = self.text
        if text.startswith("/") and self.previous_intent == "nlu_fallback":
            text = self.slot("clarified_text") or text
        return text[:limit]

    def entity_values(self) -> dict[str, Any]:
        """Entity name → value of the last message (the first value of each entity)."""
        values: dict[str, Any] = {}
        for name, value in self.entities:
            values.setdefault(name, value)
        return values

    def last_text_with(self, intents: set[str]) -> str | None:
        """Text of the most recent shopper message with one of ``intents``."""
        for message in reversed(self.history):
            if message.intent in intents:
                return message.text[:MESSAGE_LIMIT]
        return None

    def noticed(self, text: str) -> str:
        """``text``, prefixed with the truncation notice when the last message was cut."""
        return f"{TRUNCATION_NOTICE} {text}" if self.truncated else text
