"""The agent-assist console: sign-in, conversations, suggestions, takeover and hand-back, and a
conversation exported as a draft conversation script.

No ``from __future__ import annotations`` here: FastAPI resolves string annotations in the
module's globals, and the ``SignedIn`` dependency alias is local to :func:`build_agent_router`.
"""

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from insights.events import Event, EventStore
from web.assist_client import AssistClient, AssistUnavailable
from web.auth import Agent, AgentAuth
from web.rasa_api import RasaClient, RasaError
from web.script_export import NothingToExport, conversation_script
from web.shop_routes import SESSION_ID
from web.tracker import Conversation, TrackerReader

logger = logging.getLogger(__name__)


class SignIn(BaseModel):
    password: str = Field(max_length=200)
    name: str = Field(default="agent", min_length=1, max_length=40)


class AgentMessage(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


def build_agent_router(templates: Any, auth: AgentAuth, tracker: TrackerReader,
                       rasa: RasaClient, assist: AssistClient, events: EventStore,
                       require_agent: Callable[..., Agent], store: str) -> APIRouter:
    router = APIRouter()
    SignedIn = Annotated[Agent, Depends(require_agent)]  # noqa: N806 - a type alias

    def found(conversation_id: str) -> Conversation:
        if not re.match(SESSION_ID, conversation_id):
            raise HTTPException(status_code=400, detail="invalid conversation id")
        conversation = tracker.conversation(conversation_id)
        if conversation is None:
            raise HTTPException(status_code=404, detail="no such conversation")
        return conversation

    def record(kind_detail: str, conversation_id: str, agent: Agent) -> None:
        events.record(Event(kind="handoff", conversation_id=conversation_id,
                            at=datetime.now(UTC), source="web",
                            data={"step": kind_detail, "agent": agent.name}))

    @router.get("/agent", response_class=HTMLResponse)
    async def console(request: Request) -> HTMLResponse:
        # The page holds no conversation data; its scripts ask the API below, which checks.
        return templates.TemplateResponse(request, "agent.html", {})

    @router.post("/api/agent/login")
    async def sign_in(body: SignIn, response: Response) -> dict[str, str]:
        if not auth.check_password(body.password):
            raise HTTPException(status_code=401, detail="wrong password")
        auth.sign_in(response, body.name)
        return {"agent": body.name}

    @router.post("/api/agent/logout")
    async def sign_out(response: Response) -> dict[str, bool]:
        auth.sign_out(response)
        return {"signed_out": True}

    @router.get("/api/agent/me")
    async def me(agent: SignedIn) -> dict[str, str]:
        return {"agent": agent.name}

    @router.get("/api/agent/conversations")
    async def conversations(agent: SignedIn) -> list[dict[str, Any]]:
        return [c.summary() for c in tracker.conversations()]

    @router.get("/api/agent/conversations/{conversation_id}")
    async def conversation(conversation_id: str,
                           agent: SignedIn) -> dict[str, Any]:
        return found(conversation_id).to_json()

    @router.get("/api/agent/conversations/{conversation_id}/suggestions")
    async def suggestions(conversation_id: str,
                          agent: SignedIn) -> dict[str, Any]:
        try:
            return await assist.suggestions(found(conversation_id))
        except AssistUnavailable as error:
            raise HTTPException(status_code=503, detail=str(error)) from error

    @router.get("/api/agent/conversations/{conversation_id}/script")
    async def script(conversation_id: str, agent: SignedIn) -> Response:
        """The conversation as a draft conversation script for ``store``, as a download."""
        try:
            text = conversation_script(found(conversation_id), store)
        except NothingToExport as error:
            raise HTTPException(status_code=409, detail=str(error)) from error
        return Response(text, media_type="application/yaml", headers={
            "Content-Disposition": f'attachment; filename="conversation-{conversation_id}.yml"',
            "Cache-Control": "no-store"})

    async def change(conversation_id: str, agent: Agent, step: str,
                     call: Callable[[], Awaitable[None]]) -> dict[str, Any]:
        found(conversation_id)
        try:
            await call()
        except RasaError as error:
            raise HTTPException(status_code=502, detail=str(error)) from error
        if step != "agent_message":
            record(step, conversation_id, agent)
        return found(conversation_id).summary()

    @router.post("/api/agent/conversations/{conversation_id}/takeover")
    async def take_over(conversation_id: str,
                        agent: SignedIn) -> dict[str, Any]:
        return await change(conversation_id, agent, "taken_over",
                            lambda: rasa.take_over(conversation_id, agent.name))

    @router.post("/api/agent/conversations/{conversation_id}/messages")
    async def send(conversation_id: str, body: AgentMessage,
                   agent: SignedIn) -> dict[str, Any]:
        return await change(conversation_id, agent, "agent_message",
                            lambda: rasa.send_agent_message(conversation_id, agent.name,
                                                            body.text))

    @router.post("/api/agent/conversations/{conversation_id}/handback")
    async def hand_back(conversation_id: str,
                        agent: SignedIn) -> dict[str, Any]:
        return await change(conversation_id, agent, "handed_back",
                            lambda: rasa.hand_back(conversation_id, agent.name))

    return router
