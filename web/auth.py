"""Agent sign-in: one configured password, signed and expiring session cookies.

In the production profile (``AISLE_PROFILE=production``) the web app refuses to start without
``AISLE_AGENT_PASSWORD`` and ``AISLE_WEB_SECRET``; in development a missing password is
generated at start and logged once, so nothing default ever opens the console.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from aisle.settings import Settings

logger = logging.getLogger(__name__)
COOKIE = "aisle_agent"
SALT = "aisle-agent-session"


class ConfigurationError(RuntimeError):
    """The settings do not allow the web app to start safely."""


@dataclass(frozen=True)
class Agent:
    """A signed-in agent."""

    name: str


class AgentAuth:
    """Checks the agent password and issues/verifies session cookies."""

    def __init__(self, password: str, secret: str, max_age_seconds: int,
                 secure_cookie: bool = False) -> None:
        self._password = password
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.max_age_seconds = max_age_seconds
        self.secure_cookie = secure_cookie

    @classmethod
    def from_settings(cls, settings: Settings) -> AgentAuth:
        password = settings.agent_password.get_secret_value() if settings.agent_password else ""
        secret = settings.web_secret.get_secret_value() if settings.web_secret else ""
        production = settings.profile == "production"
        if production and (not password or not secret):
            raise ConfigurationError("in production, set AISLE_AGENT_PASSWORD and "
                                     "AISLE_WEB_SECRET before starting the web app")
        if not password:
            password = secrets.token_urlsafe(12)
            logger.warning("no AISLE_AGENT_PASSWORD set: agent console password for this run "
                           "is %s", password)
        return cls(password, secret or secrets.token_urlsafe(32),
                   settings.agent_session_minutes * 60, secure_cookie=production)

    def check_password(self, given: str) -> bool:
        return hmac.compare_digest(given.encode(), self._password.encode())

    def sign_in(self, response: Response, name: str) -> None:
        response.set_cookie(COOKIE, self._serializer.dumps({"agent": name}),
                            max_age=self.max_age_seconds, httponly=True, samesite="strict",
                            secure=self.secure_cookie)

    @staticmethod
    def sign_out(response: Response) -> None:
        response.delete_cookie(COOKIE)

    def agent(self, request: Request) -> Agent | None:
        """The agent of a valid, unexpired session cookie, else ``None``."""
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        try:
            data = self._serializer.loads(token, max_age=self.max_age_seconds)
        except (SignatureExpired, BadSignature):
            return None
        name = data.get("agent") if isinstance(data, dict) else None
        return Agent(name) if isinstance(name, str) and name else None

    def dependency(self) -> Callable[[Request], Agent]:
        """A FastAPI dependency that refuses requests without a valid session (401)."""

        def require_agent(request: Request) -> Agent:
            agent = self.agent(request)
            if agent is None:
                raise HTTPException(status_code=401, detail="sign in to the agent console")
            return agent

        return require_agent
