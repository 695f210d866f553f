"""``create_app(settings)``: the FastAPI app serving the storefront widget and the console.

Routers are a list, so another feature (``insights.web.build_router(settings, require_agent)``)
is mounted by passing it in ``extra_routers``; ``app.state.require_agent`` is the console's
sign-in dependency for them (``app.state.auth`` the :class:`web.auth.AgentAuth` behind it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from aisle.settings import Settings
from insights.events import EventStore
from web.accounts import AgentAccounts
from web.agent_routes import build_agent_router
from web.assist_client import AssistClient
from web.auth import AgentAuth, ConfigurationError
from web.body_limit import BodyLimit, body_limits
from web.rasa_api import RasaClient
from web.shop_routes import MAX_EVENT_BYTES, build_shop_router
from web.tracker import TrackerReader

WEB_DIR = Path(__file__).resolve().parent
#: Where ``scripts/build_web.sh`` writes the bundled scripts and styles (git-ignored).
BUNDLE_DIR = WEB_DIR / "frontend" / "dist"


class BundleMissing(RuntimeError):
    """The front-end bundle has not been built."""


def create_app(settings: Settings,
               extra_routers: Sequence[Callable[[Settings, Callable], APIRouter]] = (),
               bundle_dir: Path = BUNDLE_DIR, accounts: AgentAccounts | None = None) -> FastAPI:
    """The web app for ``settings``; ``extra_routers`` are ``build_router(settings,
    require_agent)`` factories mounted after the built-in routes; ``accounts`` defaults to the
    agent accounts in the state database."""
    if not (bundle_dir / "widget.js").is_file():
        raise BundleMissing(f"no front-end bundle in {bundle_dir}: run scripts/build_web.sh")
    if settings.profile == "production" and not settings.rasa_token:
        raise ConfigurationError("in production, set AISLE_RASA_TOKEN (the Rasa server's API "
                                 "token: taking over a conversation goes through that API)")
    auth = AgentAuth.from_settings(settings, accounts)
    require_agent = auth.dependency()
    token = settings.rasa_token
    rasa = RasaClient(settings.rasa_url, token)
    internal = settings.internal_token.get_secret_value() if settings.internal_token else None
    assist = AssistClient(settings.action_server_url, internal)
    tracker = TrackerReader(settings.tracker_url)
    events = EventStore(settings.state_url)
    templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    page_config = {"rasaUrl": settings.browser_rasa_url, "socketPath": "/socket.io",
                   "currency": settings.currency, "maxChars": settings.max_message_chars}

    app = FastAPI(title="Aisle", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.require_agent = require_agent
    app.state.auth = auth
    app.state.settings = settings
    # Outermost but for Starlette's error handler: bodies are capped before anything reads them.
    app.add_middleware(BodyLimit, limits=body_limits(settings.max_message_chars, MAX_EVENT_BYTES))
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.mount("/static", StaticFiles(directory=bundle_dir), name="static")
    routers = [
        build_shop_router(templates, settings.store_images_dir, rasa, tracker,
                          events, page_config, settings.messages_per_minute,
                          settings.max_message_chars, auth.client),
        build_agent_router(templates, auth, tracker, rasa, assist, events, require_agent,
                           settings.store),
        *(factory(settings, require_agent) for factory in extra_routers),
    ]
    for router in routers:
        app.include_router(router)
    return app


async def _validation_error(_: Request, error: Exception) -> JSONResponse:
    """A 422 that names each field and its problem but never echoes the value sent: FastAPI's
    own would return a mistyped password, and fail to encode a lone surrogate."""
    problems = error.errors() if isinstance(error, RequestValidationError) else []
    detail = [{"loc": [str(part) for part in problem.get("loc", ())],
               "msg": str(problem.get("msg", "invalid")), "type": str(problem.get("type", ""))}
              for problem in problems]
    return JSONResponse(status_code=422, content={"detail": detail})
