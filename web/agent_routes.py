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
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from insights.events import Event, EventStore
from web.assist_client import AssistClient, AssistUnavailable
from web.auth import Agent, AgentAuth, SignInRefused
from web.rasa_api import RasaClient, RasaError
from web.script_export import NothingToExport, conversation_script
from web.shop_routes import SESSION_ID, CleanStr
from web.tracker import Conversation, TrackerReader

logger = logging.getLogger(__name__)


class SignIn(BaseModel):
    """An account name (case-insensitive) and its password."""

    password: CleanStr = Field(max_length=200)
    name: CleanStr = Field(default="agent", min_length=1, max_length=40)


class AgentMessage(BaseModel):
    text: CleanStr = Field(min_length=1, max_length=2000)


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

    def record(step: str, conversation_id: str, agent: Agent, client: str) -> None:
        """The console's audit log, and (for the handover) an insights event; both name the
        signed-in account."""
        auth.accounts.audit(step, agent.name, client, conversation_id)
        if step != "agent_message":
            events.record(Event(kind="handoff", conversation_id=conversation_id,
                                at=datetime.now(UTC), source="web",
                                data={"step": step, "agent": agent.name}))

    @router.get("/agent", response_class=HTMLResponse)
    async def console(request: Request) -> HTMLResponse:
        # The page holds no conversation data; its scripts ask the API below, which checks.
        return templates.TemplateResponse(request, "agent.html", {})

    @router.post("/api/agent/login")
    async def sign_in(body: SignIn, request: Request, response: Response) -> dict[str, str]:
        try:  # bcrypt takes a third of a second: off the event loop
            account, token = await run_in_threadpool(auth.sign_in, body.name, body.password,
                                                     auth.client(request))
        except SignInRefused as refused:
            if refused.wait_seconds:
                raise HTTPException(
                    status_code=429, headers={"Retry-After": str(refused.wait_seconds)},
                    detail=f"Too many failed sign-ins; try again in {refused.wait_seconds} s."
                ) from None
            raise HTTPException(status_code=401, detail="wrong account name or password") from None
        auth.set_cookie(response, token)
        return {"agent": account}

    @router.post("/api/agent/logout")
    def sign_out(request: Request, response: Response) -> dict[str, bool]:
        auth.sign_out(request, response)
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

    async def change(conversation_id: str, agent: Agent, request: Request, step: str,
                     call: Callable[[], Awaitable[None]]) -> dict[str, Any]:
        found(conversation_id)
        try:
            await call()
        except RasaError as error:
            raise HTTPException(status_code=502, detail=str(error)) from error
        record(step, conversation_id, agent, auth.client(request))
        return found(conversation_id).summary()

    @router.post("/api/agent/conversations/{conversation_id}/takeover")
    async def take_over(conversation_id: str, request: Request,
                        agent: SignedIn) -> dict[str, Any]:
        return await change(conversation_id, agent, request, "taken_over",
                            lambda: rasa.take_over(conversation_id, agent.name))

    @router.post("/api/agent/conversations/{conversation_id}/messages")
    async def send(conversation_id: str, body: AgentMessage, request: Request,
                   agent: SignedIn) -> dict[str, Any]:
        return await change(conversation_id, agent, request, "agent_message",
                            lambda: rasa.send_agent_message(conversation_id, agent.name,
                                                            body.text))

    @router.post("/api/agent/conversations/{conversation_id}/handback")
    async def hand_back(conversation_id: str, request: Request,
                        agent: SignedIn) -> dict[str, Any]:
        return await change(conversation_id, agent, request, "handed_back",
                            lambda: rasa.hand_back(conversation_id, agent.name))

    return router
