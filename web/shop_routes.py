"""The shopper side: the storefront page, product images, the REST fallback, the widget's
history after a reload, and click events for insights.

Bodies are already capped by :class:`web.body_limit.BodyLimit`; every rate limit here counts
the client under the address ``client_of(request)`` gives (the trusted-proxy-aware one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from pydantic import BaseModel, BeforeValidator, Field

from aisle.rate_limit import SlidingWindowLimiter
from aisle.text_input import clean_value
from insights.events import Event, EventStore
from web.rasa_api import RasaClient, RasaError
from web.tracker import TrackerReader

#: Conversation ids the widget makes (hex uuids) and those the tests and tools use.
SESSION_ID = r"^[A-Za-z0-9_.:-]{1,128}$"
IMAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.(jpe?g|png|webp)$")
MAX_EVENT_BYTES = 8_192
#: Text from a request body, cleaned before validation (lone surrogates and control characters
#: would fail every encoder after this: the database, the call to Rasa, the response).
CleanStr = Annotated[str, BeforeValidator(clean_value)]


class ChatMessage(BaseModel):
    """A shopper's message; its length is checked against ``AISLE_MAX_MESSAGE_CHARS``."""

    session_id: str = Field(pattern=SESSION_ID)
    message: CleanStr


class ClickEvent(BaseModel):
    """A click on a product card's button or a quick-reply button in the widget."""

    kind: Literal["card_click", "button_click"]
    conversation_id: str = Field(pattern=SESSION_ID)
    product_ids: list[str] = Field(default_factory=list, max_length=20)
    action: CleanStr = Field(default="", max_length=64)
    title: CleanStr = Field(default="", max_length=200)
    payload: CleanStr = Field(default="", max_length=500)


def _history_message(message: dict[str, Any]) -> dict[str, Any]:
    keys = ("role", "text", "buttons", "custom") if message["role"] != "user" else ("role", "text")
    return {key: message.get(key) for key in keys}


def _peer(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def build_shop_router(templates: Any, images_dir: Path, rasa: RasaClient,
                      tracker: TrackerReader, events: EventStore,
                      page_config: dict[str, Any], messages_per_minute: int = 30,
                      max_message_chars: int = 2000,
                      client_of: Callable[[Request], str] = _peer) -> APIRouter:
    """The shopper's routes; a conversation may send ``messages_per_minute`` REST messages and
    history reads (and four times as many click events), a client address ten times that."""
    router = APIRouter()
    messages_limiter = SlidingWindowLimiter(messages_per_minute)
    history_limiter = SlidingWindowLimiter(messages_per_minute)
    events_limiter = SlidingWindowLimiter(4 * messages_per_minute)
    per_client = SlidingWindowLimiter(10 * messages_per_minute)

    @router.get("/", response_class=HTMLResponse)
    async def storefront(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "store.html", {"config": page_config})

    @router.get("/images/{name}")
    async def image(name: str) -> FileResponse:
        if not IMAGE_NAME.match(name):
            raise HTTPException(status_code=404, detail="no such image")
        path = (images_dir / name).resolve()
        if path.parent != images_dir.resolve() or not path.is_file():
            raise HTTPException(status_code=404, detail="no such image")
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    def limit(request: Request, conversation_id: str, per_conversation: SlidingWindowLimiter) -> None:
        """429 with Retry-After when this conversation or this client sends too much."""
        client = client_of(request)
        for key, limiter in ((conversation_id, per_conversation), (client, per_client)):
            wait = limiter.retry_after(key)
            if wait is not None:
                raise HTTPException(
                    status_code=429, headers={"Retry-After": str(wait)},
                    detail=f"Too many requests; please wait {wait} s and try again.")

    @router.post("/api/chat")
    async def chat(message: ChatMessage, request: Request) -> list[dict[str, Any]]:
        """The REST fallback when the socket.io connection cannot be made."""
        if len(message.message) > max_message_chars:  # before the limits count it, or Rasa
            raise HTTPException(status_code=422, detail=(
                f"message over {max_message_chars} characters; please shorten it"))
        limit(request, message.session_id, messages_limiter)
        try:
            return await rasa.say(message.session_id, message.message)
        except RasaError as error:
            raise HTTPException(status_code=502, detail=str(error)) from error

    @router.get("/api/history/{session_id}")
    async def history(session_id: str, request: Request) -> dict[str, Any]:
        """The conversation so far, for the widget after a reload (the id is the secret, so
        one client trying many ids is limited too)."""
        if not re.match(SESSION_ID, session_id):
            raise HTTPException(status_code=400, detail="invalid session id")
        limit(request, session_id, history_limiter)
        conversation = tracker.conversation(session_id)
        if conversation is None:
            return {"messages": [], "agent_active": False}
        return {"messages": [_history_message(m) for m in conversation.messages],
                "agent_active": bool(conversation.slots.get("agent_active"))}

    @router.post("/api/events", status_code=204)
    async def record_click(request: Request) -> None:
        body = await request.body()  # at most MAX_EVENT_BYTES already: web.body_limit
        if len(body) > MAX_EVENT_BYTES:
            raise HTTPException(status_code=413, detail="event too large")
        try:
            click = ClickEvent.model_validate_json(body)
        except ValueError as error:
            raise HTTPException(status_code=422, detail="invalid event") from error
        limit(request, click.conversation_id, events_limiter)
        events.record(Event(
            kind=click.kind, conversation_id=click.conversation_id, at=datetime.now(UTC),
            source="web", product_ids=tuple(click.product_ids),
            data={"action": click.action, "title": click.title, "payload": click.payload},
        ))

    return router
