"""Agent accounts, their sign-in sessions and the console's audit log, in the shop's state
database (SQLite in development, PostgreSQL in production, shared by every web app process).

Passwords are stored as bcrypt hashes (``bcrypt``, cost :data:`BCRYPT_ROUNDS`); bcrypt reads
at most 72 bytes, so longer passwords are refused rather than silently cut. A session is a
random token held by the browser; the database keeps only its SHA-256, so a copy of the table
opens no console. Signing out, removing an account or changing its password deletes sessions:
a copied cookie stops working at once, on every process.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import bcrypt
from sqlalchemy import DateTime, Index, Integer, String, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from aisle.db import make_engine

BCRYPT_ROUNDS = 12
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_BYTES = 72  # bcrypt ignores the rest
ACCOUNT_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
#: What the console's audit log records.
AUDIT_ACTIONS = frozenset({
    "signed_in", "sign_in_failed", "signed_out", "taken_over", "agent_message", "handed_back",
    "account_added", "account_removed", "password_changed",
})


class AccountError(ValueError):
    """An account name or password that cannot be used, or an unknown or duplicate account."""


class AccountsBase(DeclarativeBase):
    """Declarative base of the agent account tables."""


class AccountRow(AccountsBase):
    __tablename__ = "agent_accounts"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SessionRow(AccountsBase):
    __tablename__ = "agent_sessions"
    __table_args__ = (Index("ix_agent_sessions_account", "account"),)

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class AuditRow(AccountsBase):
    __tablename__ = "agent_audit"
    __table_args__ = (Index("ix_agent_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    account: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(32))
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String(255), nullable=True)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the console's audit log (``account``: who was signed in, or the name
    tried by a failed sign-in)."""

    at: datetime
    account: str
    action: str
    client: str | None = None
    conversation_id: str | None = None


def normalise_name(name: str) -> str:
    """Account names are case-insensitive: ``" Dana "`` signs in as ``dana``."""
    return name.strip().lower()


def check_new_password(password: str) -> None:
    """Raise :class:`AccountError` for a password too short or too long for bcrypt."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_BYTES} bytes (bcrypt)")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # naive UTC: the same on SQLite and PostgreSQL


class AgentAccounts:
    """Accounts, sessions and audit log over one SQL database (tables made on first use)."""

    def __init__(self, url: str, engine: Engine | None = None,
                 rounds: int = BCRYPT_ROUNDS) -> None:
        self.engine = engine or make_engine(url)
        self.rounds = rounds
        AccountsBase.metadata.create_all(self.engine)
        # Compared against for unknown names, so a wrong name costs the time a wrong password
        # does and timing tells no one which accounts exist.
        self._decoy = bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds))

    # --- accounts ----------------------------------------------------------------------------

    def names(self) -> list[str]:
        with Session(self.engine) as session:
            return list(session.scalars(select(AccountRow.name).order_by(AccountRow.name)))

    def add(self, name: str, password: str) -> str:
        """Create account ``name``; returns its normalised name."""
        name = normalise_name(name)
        if not ACCOUNT_NAME.match(name):
            raise AccountError("an account name is 1-40 of a-z, 0-9, '.', '_', '-', starting "
                               "with a letter or digit")
        check_new_password(password)
        row = AccountRow(name=name, password_hash=self._hash(password), created_at=_now())
        try:
            with Session(self.engine) as session, session.begin():
                session.add(row)
        except IntegrityError as error:
            raise AccountError(f"account {name!r} exists") from error
        self.audit("account_added", name)
        return name

    def set_password(self, name: str, password: str) -> None:
        """Give ``name`` a new password and end its sessions."""
        name = normalise_name(name)
        check_new_password(password)
        with Session(self.engine) as session, session.begin():
            row = session.get(AccountRow, name)
            if row is None:
                raise AccountError(f"no account {name!r}")
            row.password_hash = self._hash(password)
            session.execute(delete(SessionRow).where(SessionRow.account == name))
        self.audit("password_changed", name)

    def remove(self, name: str) -> None:
        """Delete account ``name`` and its sessions."""
        name = normalise_name(name)
        with Session(self.engine) as session, session.begin():
            if session.get(AccountRow, name) is None:
                raise AccountError(f"no account {name!r}")
            session.execute(delete(SessionRow).where(SessionRow.account == name))
            session.execute(delete(AccountRow).where(AccountRow.name == name))
        self.audit("account_removed", name)

    def verify(self, name: str, password: str) -> str | None:
        """The normalised account name when ``password`` is its password, else ``None``.

        Takes one bcrypt check whether or not the account exists (call it off the event loop).
        """
        name = normalise_name(name)
        with Session(self.engine) as session:
            row = session.get(AccountRow, name)
        given = password.encode()
        stored = row.password_hash.encode() if row else self._decoy
        if len(given) > MAX_PASSWORD_BYTES:
            bcrypt.checkpw(given[:MAX_PASSWORD_BYTES], stored)  # the same time, then refuse
            return None
        return name if bcrypt.checkpw(given, stored) and row is not None else None

    def _hash(self, password: str) -> str:
        return bcrypt.hashpw(password.encode(), bcrypt.gensalt(self.rounds)).decode()

    # --- sessions ----------------------------------------------------------------------------

    def start_session(self, name: str, max_age_seconds: int) -> str:
        """A new session token for account ``name`` (expired sessions are dropped)."""
        token = secrets.token_urlsafe(32)
        now = _now()
        with Session(self.engine) as session, session.begin():
            session.execute(delete(SessionRow).where(SessionRow.expires_at <= now))
            session.add(SessionRow(token_hash=_token_hash(token), account=name, created_at=now,
                                   expires_at=now + timedelta(seconds=max_age_seconds)))
        return token

    def session_account(self, token: str) -> str | None:
        """The account of a live session, else ``None`` (ended, expired, account removed)."""
        with Session(self.engine) as session:
            row = session.get(SessionRow, _token_hash(token))
            if row is None or row.expires_at <= _now():
                return None
            return row.account if session.get(AccountRow, row.account) else None

    def end_session(self, token: str) -> str | None:
        """Delete a session; returns its account when it was live."""
        account = self.session_account(token)
        with Session(self.engine) as session, session.begin():
            session.execute(delete(SessionRow).where(SessionRow.token_hash == _token_hash(token)))
        return account

    # --- audit -------------------------------------------------------------------------------

    def audit(self, action: str, account: str, client: str | None = None,
              conversation_id: str | None = None) -> None:
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        with Session(self.engine) as session, session.begin():
            session.add(AuditRow(at=_now(), account=account[:40], action=action,
                                 client=client[:64] if client else None,
                                 conversation_id=conversation_id))

    def audit_log(self, limit: int = 100) -> list[AuditEntry]:
        """The latest ``limit`` entries, newest first."""
        with Session(self.engine) as session:
            rows = session.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit))
            return [AuditEntry(r.at, r.account, r.action, r.client, r.conversation_id)
                    for r in rows]
