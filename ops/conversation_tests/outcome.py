"""What one turn produced: the bot's messages, their payloads, Rasa's parse and the slots."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dialogue.payloads import PayloadError, parse_payload


@dataclass
class TurnOutcome:
    """One shopper message and everything the assistant answered with."""

    user: str
    messages: list[dict[str, Any]]
    seconds: float
    intent: str | None = None
    confidence: float | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    contract_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for payload in self.raw_payloads():
            try:
                parse_payload(payload)
            except PayloadError as error:
                self.contract_errors.append(str(error))

    def raw_payloads(self) -> list[dict[str, Any]]:
        return [m["custom"] for m in self.messages if isinstance(m.get("custom"), dict)]

    def payloads(self, kind: str) -> list[dict[str, Any]]:
        """The payloads of type ``kind``, in order."""
        return [p for p in self.raw_payloads() if p.get("type") == kind]

    def payload_types(self) -> list[str]:
        return [str(p.get("type")) for p in self.raw_payloads()]

    @property
    def text(self) -> str:
        """All bot text of the turn, one message per line."""
        return "\n".join(m["text"] for m in self.messages if m.get("text"))

    def transcript(self, number: int) -> list[str]:
        """The turn as lines: the shopper, Rasa's parse, each bot message, payload summaries."""
        entities = ", ".join(f"{e.get('entity')}={e.get('value')}" for e in self.entities)
        parse = f"{self.intent} {self.confidence:.2f}" if self.confidence is not None else (
            str(self.intent))
        lines = [f"{number:>3}. shopper: {self.user}",
                 f"     parsed: {parse}{'; ' + entities if entities else ''}; "
                 f"reply in {self.seconds:.2f} s"]
        for message in self.messages:
            if message.get("text"):
                lines += [f"     bot: {line}" for line in str(message["text"]).splitlines()]
            for button in message.get("buttons") or []:
                lines.append(f"     [button] {button.get('title')} -> {button.get('payload')}")
            if isinstance(message.get("custom"), dict):
                lines.append(f"     [{summarise(message['custom'])}]")
        if not self.messages:
            lines.append("     (no reply)")
        return lines


def summarise(payload: dict[str, Any]) -> str:
    """A payload in one line, e.g. ``products: Chaz Kangeroo Hoodie (MH01, $52.00), ...``."""
    kind = payload.get("type")
    if kind in {"products", "comparison"}:
        cards = ", ".join(f"{c.get('name')} ({c.get('id')}, {_money(c.get('price'))})"
                          for c in payload.get("products") or [])
        return f"{kind}: {cards or 'none'}"
    if kind == "answer":
        sources = "; ".join(f"{c.get('source')}: {c.get('title')}"
                            for c in payload.get("citations") or [])
        return f"answer grounded={payload.get('grounded')}: {sources or 'no citations'}"
    if kind in {"cart", "quote"}:
        lines = ", ".join(f"{i.get('quantity')} x {i.get('name')} {i.get('size') or ''} "
                          f"{i.get('color') or ''}".strip() for i in payload.get("items") or [])
        return f"{kind}: {lines or 'empty'}; total {payload.get('total')}"
    if kind == "order":
        extra = payload.get("return", {}).get("status") if payload.get("return") else None
        return (f"order {payload.get('number')}: {payload.get('status')}"
                f"{f'; return {extra}' if extra else ''}")
    if kind == "search":
        return f"search: {payload.get('search', {}).get('results')} results"
    return json.dumps(payload, ensure_ascii=False)[:200]


def _money(value: Any) -> str:
    return "no price" if value is None else f"${float(value):.2f}"
