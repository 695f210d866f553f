"""A terminal chat with a running Aisle (``make shell``), over Rasa's REST channel.

It renders the typed payloads (parsed through ``dialogue.payloads``) the way the web widget
does: product cards as numbered lines, grounded answers with their cited quotes and sources;
a payload that breaks the contract is shown as the error, not hidden.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any

import httpx

from aisle.settings import load_settings
from dialogue.payloads import (
    AnswerPayload,
    Payload,
    PayloadError,
    ProductsPayload,
    parse_payload,
)


def render(message: dict[str, Any]) -> list[str]:
    """Lines to print for one bot message of the REST channel."""
    lines: list[str] = []
    if message.get("text"):
        lines.append(f"Aisle: {message['text']}")
    if message.get("custom"):
        try:
            lines += _payload_lines(parse_payload(message["custom"]))
        except PayloadError as error:
            lines.append(f"  ({error})")
    for button in message.get("buttons") or []:
        lines.append(f"  [{button.get('title')}]")
    return lines


def _payload_lines(payload: Payload) -> list[str]:
    lines: list[str] = []
    if isinstance(payload, ProductsPayload):
        for number, product in enumerate(payload.products, start=1):
            price_text = "price n/a" if product.price is None else f"${product.price:.2f}"
            lines.append(f"  {number}. {product.name} — {price_text} ({product.category})")
            details = "; ".join(part for part in (", ".join(product.colors),
                                                  ", ".join(product.sizes)) if part)
            if details:
                lines.append(f"     {details}")
            if product.reason:
                lines.append(f"     why: {product.reason}")
    elif isinstance(payload, AnswerPayload):  # the text quotes the sentences; name their sources
        sources = dict.fromkeys(f"{c.source}: {c.title}" for c in payload.citations)
        if sources:
            lines.append(f"  sources: {'; '.join(sources)}")
    return lines


def chat(base_url: str, sender: str) -> None:
    # The REST channel needs no token: Rasa's API token never goes to a shopper endpoint.
    url = f"{base_url}/webhooks/rest/webhook"
    print(f"Chatting with Aisle at {base_url} as {sender}. Ctrl-D or /quit to leave.")
    with httpx.Client(timeout=60) as client:
        while True:
            try:
                text = input("You: ")
            except (EOFError, KeyboardInterrupt):
                print()
                return
            if text.strip() in {"/quit", "/exit"}:
                return
            try:
                response = client.post(url, json={"sender": sender, "message": text})
                response.raise_for_status()
            except httpx.HTTPError as exc:
                print(f"(could not reach Aisle at {base_url}: {exc}; is `make run` running?)")
                continue
            for message in response.json():
                print("\n".join(render(message)))


def main(argv: list[str] | None = None) -> None:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default=settings.rasa_url)
    parser.add_argument("--sender", default=f"shell-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    chat(args.url, args.sender)


if __name__ == "__main__":
    sys.exit(main())
