"""Agent sign-in: one account per agent (:mod:`web.accounts`), server-side sessions carried in
signed, expiring cookies, failed sign-ins throttled per client and overall.

Accounts are made with ``python -m web.users add NAME``. When the database holds none, the
development profile creates the account ``agent`` so ``make run`` gives a working console:
with ``AISLE_AGENT_PASSWORD`` when set, else with a random password made once and kept in
``state/agent-password`` (created with ``O_EXCL``, mode 0600); the log says where to find it.
The production profile makes no account by itself: the web app refuses to start without one,
and without ``AISLE_WEB_SECRET``.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from aisle.client_address import TrustedProxies
from aisle.settings import Settings
from web.accounts import AccountError, AgentAccounts, normalise_name
from web.rate_limit import SignInThrottle

logger = logging.getLogger(__name__)
COOKIE = "aisle_agent"
SALT = "aisle-agent-session"
#: The account the development profile creates when there is none.
FIRST_ACCOUNT = "agent"
#: Where (in the state folder) development keeps the generated first password.
PASSWORD_FILE = "agent-password"
#: No proxy trusted: the connecting address is the client's.
NO_PROXIES = TrustedProxies()


class ConfigurationError(RuntimeError):
    """The settings do not allow the web app to start safely."""


class SignInRefused(Exception):
    """A sign-in that did not succeed; ``wait_seconds`` is set while the client is throttled."""

    def __init__(self, wait_seconds: int | None = None) -> None:
        super().__init__("too many failed sign-ins" if wait_seconds else "wrong name or password")
        self.wait_seconds = wait_seconds


@dataclass(frozen=True)
class Agent:
    """A signed-in agent: the account of a live session."""

    name: str


def client_address(request: Request, proxies: TrustedProxies = NO_PROXIES) -> str:
    """The client's address: the connecting one, or the one a trusted proxy forwarded (every
    ``X-Forwarded-For`` line joined, read from the right: :mod:`aisle.client_address`)."""
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")) or None
    return proxies.client(request.client.host if request.client else None, forwarded)


def trusted_proxies(settings: Settings) -> TrustedProxies:
    """``AISLE_TRUSTED_PROXIES`` parsed; a bad entry stops the app with its text."""
    try:
        return TrustedProxies.parse(settings.trusted_proxies)
    except ValueError as error:
        raise ConfigurationError(f"AISLE_TRUSTED_PROXIES: {error}") from error


class AgentAuth:
    """Signs agents in and out and finds the agent of a request."""

    def __init__(self, accounts: AgentAccounts, secret: str, max_age_seconds: int,
                 secure_cookie: bool = False, throttle: SignInThrottle | None = None,
                 proxies: TrustedProxies = NO_PROXIES) -> None:
        self.accounts = accounts
        self.proxies = proxies
        self._serializer = URLSafeTimedSerializer(secret, salt=SALT)
        self.max_age_seconds = max_age_seconds
        self.secure_cookie = secure_cookie
        self.throttle = throttle or SignInThrottle()

    @classmethod
    def from_settings(cls, settings: Settings, accounts: AgentAccounts | None = None,
                      throttle: SignInThrottle | None = None) -> AgentAuth:
        secret = settings.web_secret.get_secret_value() if settings.web_secret else ""
        production = settings.profile == "production"
        if production and not secret:
            raise ConfigurationError("in production, set AISLE_WEB_SECRET (the key signing "
                                     "console sessions) before starting the web app")
        proxies = trusted_proxies(settings)
        accounts = accounts or AgentAccounts(settings.state_url)
        ensure_first_account(accounts, settings)
        return cls(accounts, secret or secrets.token_urlsafe(32),
                   settings.agent_session_minutes * 60, secure_cookie=production,
                   throttle=throttle, proxies=proxies)

    def client(self, request: Request) -> str:
        """The address sign-ins are throttled and audited under (trusted proxies believed)."""
        return client_address(request, self.proxies)

    def sign_in(self, name: str, password: str, client: str) -> tuple[str, str]:
        """``(account, session token)``; :class:`SignInRefused` when throttled or wrong.

        Runs one bcrypt check: call it off the event loop.
        """
        wait = self.throttle.attempt(client)
        if wait is not None:
            raise SignInRefused(wait)
        account = self.accounts.verify(name, password)
        if account is None:
            self.accounts.audit("sign_in_failed", normalise_name(name), client)
            raise SignInRefused()
        self.throttle.succeeded(client)
        token = self.accounts.start_session(account, self.max_age_seconds)
        self.accounts.audit("signed_in", account, client)
        return account, token

    def set_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(COOKIE, self._serializer.dumps({"session": token}),
                            max_age=self.max_age_seconds, httponly=True, samesite="strict",
                            secure=self.secure_cookie)

    def sign_out(self, request: Request, response: Response) -> None:
        """End the request's session on the server (a copy of the cookie stops working too)."""
        token = self._session_token(request)
        if token is not None:
            account = self.accounts.end_session(token)
            if account is not None:
                self.accounts.audit("signed_out", account, self.client(request))
        response.delete_cookie(COOKIE)

    def _session_token(self, request: Request) -> str | None:
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age_seconds)
        except (SignatureExpired, BadSignature):
            return None
        token = data.get("session") if isinstance(data, dict) else None
        return token if isinstance(token, str) and token else None

    def agent(self, request: Request) -> Agent | None:
        """The agent of a live session, else ``None``."""
        token = self._session_token(request)
        account = self.accounts.session_account(token) if token else None
        return Agent(account) if account else None

    def dependency(self) -> Callable[[Request], Agent]:
        """A FastAPI dependency that refuses requests without a live session (401)."""

        def require_agent(request: Request) -> Agent:
            agent = self.agent(request)
            if agent is None:
                raise HTTPException(status_code=401, detail="sign in to the agent console")
            return agent

        return require_agent


def ensure_first_account(accounts: AgentAccounts, settings: Settings) -> None:
    """Make sure the console can be signed in to (see the module's docstring)."""
    configured = settings.agent_password.get_secret_value() if settings.agent_password else ""
    if settings.profile == "production":
        if configured:
            logger.warning("AISLE_AGENT_PASSWORD is not used in production: each agent has "
                           "an account (python -m web.users add NAME)")
        if not accounts.names():
            raise ConfigurationError(
                "no agent account: create one per agent with `python -m web.users add NAME` "
                "(with this AISLE_STATE_DATABASE_URL) before starting the web app")
        return
    password_file = settings.state_dir / PASSWORD_FILE
    source = "AISLE_AGENT_PASSWORD" if configured else str(password_file)
    if not accounts.names():
        password = configured or development_password(password_file)
        try:
            accounts.add(FIRST_ACCOUNT, password)
        except AccountError as error:
            if FIRST_ACCOUNT not in accounts.names():  # not made by another process meanwhile
                raise ConfigurationError(f"{source}: {error}") from error
        logger.warning("created the agent account %r with the password in %s; give each agent "
                       "their own: python -m web.users add NAME", FIRST_ACCOUNT, source)
    elif FIRST_ACCOUNT in accounts.names() and (configured or password_file.exists()):
        logger.warning("agent console: sign in as %r with the password in %s (unless it was "
                       "changed with python -m web.users passwd)", FIRST_ACCOUNT, source)


def development_password(path: Path) -> str:
    """The password kept in ``path``, made once (random, mode 0600 from its creation on)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may have created it and not written it yet
            password = path.read_text().strip()
            if password:
                return password
            time.sleep(0.02)
        raise ConfigurationError(f"{path} is empty: delete it to make a new one") from None
    password = secrets.token_urlsafe(15)
    try:
        os.write(fd, f"{password}\n".encode())
    finally:
        os.close(fd)
    return password
