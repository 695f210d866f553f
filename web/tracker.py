"""Read-only view of Rasa's SQL tracker store: conversations, transcripts and slots.

The Rasa server owns the tracker store and writes it; the web app only reads it (SQLite opened
read-only), and changes a conversation through Rasa's HTTP API (:mod:`web.rasa_api`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from aisle.db import make_engine

TRANSCRIPT_LIMIT = 500
#: Intents of a shopper's question the knowledge service answers with citations.
QUESTION_INTENTS = frozenset({"ask_product_question", "ask_policy", "ask_shipping", "ask_payment"})


@dataclass
class Conversation:
    """One conversation's state, rebuilt from its events."""

    conversation_id: str
    started_at: float = 0.0
    last_at: float = 0.0
    messages: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    handovers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def waiting(self) -> bool:
        """The shopper asked for a person and no agent holds the conversation yet."""
        return bool(self.slots.get("handoff_requested")) and not self.slots.get("agent_active")

    def last_question(self) -> dict[str, Any] | None:
        """The shopper's latest question (a message with a question intent), if any."""
        return next((m for m in reversed(self.messages)
                     if m["role"] == "user" and m.get("intent") in QUESTION_INTENTS), None)

    def summary(self) -> dict[str, Any]:
        last = self.messages[-1]["text"] if self.messages else ""
        return {"id": self.conversation_id, "started_at": self.started_at,
                "last_at": self.last_at, "waiting": self.waiting,
                "agent_active": bool(self.slots.get("agent_active")),
                "handoff_requested": bool(self.slots.get("handoff_requested")),
                "messages": len(self.messages), "last_text": last[:140]}

    def to_json(self) -> dict[str, Any]:
        return {**self.summary(), "transcript": self.messages[-TRANSCRIPT_LIMIT:],
                "viewed_products": list(self.slots.get("viewed_products") or []),
                "shown_products": list(self.slots.get("shown_products") or []),
                "focus_product": self.slots.get("focus_product"),
                "handovers": self.handovers}


def _message(event: dict[str, Any]) -> dict[str, Any] | None:
    kind = event.get("event")
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = parse.get("intent") or {}
        return {"role": "user", "text": event.get("text") or "", "at": event.get("timestamp"),
                "intent": intent.get("name"), "confidence": intent.get("confidence"),
                "entities": [{"entity": e.get("entity"), "value": e.get("value")}
                             for e in parse.get("entities") or []]}
    if kind == "bot":
        data = event.get("data") or {}
        metadata = event.get("metadata") or {}
        return {"role": "agent" if metadata.get("agent") else "bot",
                "text": event.get("text") or "", "at": event.get("timestamp"),
                "buttons": data.get("buttons") or [], "custom": data.get("custom")}
    return None


class TrackerReader:
    """Conversations in Rasa's SQL tracker store (SQLite file or PostgreSQL), read only.

    The engine is made on first use; until Rasa has created its ``events`` table there are no
    conversations.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None

    def _rows(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        sqlite_file = self.url.removeprefix("sqlite:///") if self.url.startswith("sqlite:///") else ""
        if sqlite_file and not Path(sqlite_file).exists():
            return []  # Rasa has not started yet: do not create its file here
        if self._engine is None:
            self._engine = make_engine(self.url, read_only=True)
        with self._engine.connect() as connection:
            if not inspect(connection).has_table("events"):
                return []
            return [tuple(row) for row in connection.execute(text(query), params)]

    def conversation_ids(self, limit: int = 50) -> list[str]:
        """The most recently active conversations first."""
        rows = self._rows("SELECT sender_id, MAX(id) AS last FROM events GROUP BY sender_id "
                          "ORDER BY last DESC LIMIT :limit", limit=limit)
        return [str(row[0]) for row in rows]

    def conversation(self, conversation_id: str) -> Conversation | None:
        rows = self._rows("SELECT data FROM events WHERE sender_id = :sender ORDER BY id",
                          sender=conversation_id)
        if not rows:
            return None
        conversation = Conversation(conversation_id)
        for (raw,) in rows:
            event = json.loads(raw)
            at = float(event.get("timestamp") or 0.0)
            conversation.started_at = conversation.started_at or at
            conversation.last_at = max(conversation.last_at, at)
            if event.get("event") == "slot":
                name, value = event.get("name"), event.get("value")
                conversation.slots[name] = value
                if name == "agent_active":
                    conversation.handovers.append(
                        {"to": "agent" if value else "bot", "at": at})
            elif event.get("event") == "restart":
                conversation.slots.clear()
            elif (message := _message(event)) is not None:
                conversation.messages.append(message)
        return conversation

    def conversations(self, limit: int = 50) -> list[Conversation]:
        """Recent conversations, those waiting for a person first, then the newest."""
        found = [c for c in map(self.conversation, self.conversation_ids(limit)) if c]
        return sorted(found, key=lambda c: (not c.waiting, -c.last_at))
