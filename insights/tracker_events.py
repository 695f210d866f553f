"""Turn rows of Rasa's SQL tracker store into insight events (pure: no database here).

A row is one serialised Rasa event. What the shopper said becomes a ``message`` (intent,
confidence, entities), the first message of a conversation also a ``conversation_started``;
what the bot did is read from its typed ``custom`` payloads, parsed through the contract in
``dialogue.payloads`` (a payload that breaks it is logged and read as nothing): product cards
after a search are a ``search`` (constraints, number of results, top score) and ``products_shown`` (positions),
cards after a recommendation action are ``products_shown`` from the ``recommended`` list, an
answer is a ``question`` (grounded or "don't know"), a handoff payload a ``handoff``; the
fallback action is a ``fallback``. Each gets the dedup key ``tracker:<sender>:<row id>[:part]``
so syncing twice counts once. Carts and orders come from commerce, not from here.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dialogue.payloads import (
    AnswerPayload,
    HandoffPayload,
    Payload,
    PayloadError,
    ProductsPayload,
    SearchPayload,
    parse_payload,
)
from insights.events import Event
from insights.recording import is_replayed

logger = logging.getLogger(__name__)

SEARCH_ACTIONS = frozenset({"action_search_products"})
RECOMMEND_ACTIONS = frozenset({"action_recommend_products", "action_show_similar",
                               "action_show_complements"})
FALLBACK_ACTIONS = frozenset({"action_handle_fallback", "action_default_fallback",
                              "action_two_stage_fallback"})


@dataclass(frozen=True)
class TrackerRow:
    """One row of the tracker store's ``events`` table."""

    id: int
    sender_id: str
    type_name: str
    timestamp: float | None
    action_name: str | None
    data: str


@dataclass
class ConversationState:
    """What converting a conversation's later rows needs from its earlier ones."""

    started: bool = False
    last_action: str | None = None
    last_text: str = ""


@dataclass
class TrackerConverter:
    """Converts rows in id order, remembering per conversation the last action and message."""

    states: dict[str, ConversationState] = field(default_factory=dict)

    def convert(self, rows: Iterable[TrackerRow]) -> Iterator[Event]:
        for row in rows:
            yield from self._convert(row)

    def _convert(self, row: TrackerRow) -> Iterator[Event]:
        state = self.states.setdefault(row.sender_id, ConversationState())
        try:
            data = json.loads(row.data or "{}")
        except ValueError:
            return
        at = datetime.fromtimestamp(row.timestamp or data.get("timestamp") or 0, UTC)
        base = {"conversation_id": row.sender_id, "at": at, "source": "tracker",
                "replayed": is_replayed(row.sender_id)}
        key = f"tracker:{row.sender_id}:{row.id}"
        if row.type_name == "user":
            yield from self._message(data, state, base, key)
        elif row.type_name == "action":
            state.last_action = row.action_name or data.get("name")
            if state.last_action in FALLBACK_ACTIONS:
                yield Event(kind="fallback", dedup_key=key, data={"text": state.last_text}, **base)
        elif row.type_name == "bot":
            custom = (data.get("data") or {}).get("custom")
            if not custom:
                return
            try:
                payload = parse_payload(custom)
            except PayloadError as error:
                logger.warning("tracker row %s: %s; no events read from it", row.id, error)
                return
            yield from self._bot(payload, state, base, key)

    def _message(self, data: dict[str, Any], state: ConversationState, base: dict[str, Any],
                 key: str) -> Iterator[Event]:
        parse = data.get("parse_data") or {}
        intent = parse.get("intent") or {}
        state.last_text = data.get("text") or ""
        if not state.started:
            state.started = True
            yield Event(kind="conversation_started", dedup_key=f"{key.rsplit(':', 1)[0]}:start",
                        **base)
        entities = [{"entity": e.get("entity"), "value": e.get("value")}
                    for e in parse.get("entities") or [] if isinstance(e, dict)]
        yield Event(kind="message", dedup_key=key, data={
            "text": state.last_text, "intent": intent.get("name"),
            "confidence": float(intent.get("confidence") or 0.0), "entities": entities}, **base)

    def _bot(self, payload: Payload, state: ConversationState, base: dict[str, Any],
             key: str) -> Iterator[Event]:
        if (isinstance(payload, ProductsPayload | SearchPayload)
                and state.last_action in SEARCH_ACTIONS | RECOMMEND_ACTIONS):
            cards = payload.products if isinstance(payload, ProductsPayload) else []
            ids = tuple(card.id for card in cards)
            origin = "recommended" if state.last_action in RECOMMEND_ACTIONS else "search"
            if origin == "search" and payload.search is not None:
                yield Event(kind="search", dedup_key=f"{key}:search", product_ids=ids,
                            data={**payload.search.to_payload(), "text": state.last_text},
                            **base)
            if ids:
                yield Event(kind="products_shown", dedup_key=f"{key}:shown", product_ids=ids,
                            data={"list": origin, "action": state.last_action,
                                  "positions": {pid: n for n, pid in enumerate(ids, start=1)}},
                            **base)
        elif isinstance(payload, AnswerPayload) and payload.product_id:
            yield Event(kind="question", dedup_key=key, product_ids=(payload.product_id,),
                        data={"grounded": payload.grounded, "question": state.last_text}, **base)
        elif isinstance(payload, HandoffPayload):
            yield Event(kind="handoff", dedup_key=key, data={"status": payload.status}, **base)
