"""Limits on failed order verifications: per order number, per email and per conversation.

Order numbers are sequential, so knowing a shopper's email would otherwise let anyone try
numbers until one matches (or try emails against a number). Every check of an order's
number and email is recorded in ``commerce_verification_attempts``, in the shop's state
database, so every replica of the action server sees the same counts. A check is refused
unchecked (``locked``) when, within the window, the number tried, the email tried (its keyed
hash: the table never holds an address) or the conversation already has ``failures``
failed checks. A locked number stays locked for its owner too until the window passes: that
is what stops the guessing. Unknown numbers lock the same way, so a lock-out says nothing about
whether an order exists.

An attempt is written as ``pending`` *before* the counts are read and only then checked, so
concurrent tries on several replicas see each other: the limit is not exceeded by racing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aisle.redaction import email_token, is_email_token
from commerce.schema import VerificationAttemptRow

#: Hash key used only when no PII secret is configured (unit tests, tools): the table still
#: never holds an address, but such hashes are not secret.
UNKEYED = "aisle-unkeyed-email-hash"
#: Outcomes that count against the limits (a ``pending`` try may be failing right now).
COUNTED = ("failed", "pending")

Attempt = VerificationAttemptRow


@dataclass(frozen=True)
class VerificationLimits:
    """At most ``failures`` failed checks per number, email and conversation per ``window``."""

    failures: int = 5
    window: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.failures < 1 or self.window <= timedelta(0):
            raise ValueError("verification limits need failures >= 1 and a positive window")


def email_hash(value: str | None, secret: str) -> str:
    """The keyed hash an email is counted under: a conversation's token as it is, an address
    hashed the same way (so ``Ann@x.com`` and its token count together); empty for none."""
    if not value or not value.strip():
        return ""
    if is_email_token(value):
        return value
    return email_token(value, secret or UNKEYED)


class VerificationGuard:
    """Records order verifications and refuses them past the limits.

    Args:
        engine: The shop's state database (the commerce tables).
        limits: How many failures, over which window.
        secret: Key of the email hashes (``Settings.pii_key()``).
        clock: Current UTC time.
    """

    def __init__(self, engine: Engine, limits: VerificationLimits, secret: str,
                 clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.limits = limits
        self.secret = secret
        self.clock = clock

    def begin(self, number: int | None, email: str | None, sender_id: str) -> int | None:
        """Record a try; its id to :meth:`finish`, or ``None`` when a limit is reached (the
        try is kept as ``locked``, which does not count, so waiting out the window works)."""
        now = self.clock()
        since = now - self.limits.window
        hashed = email_hash(email, self.secret)
        with Session(self.engine) as session, session.begin():
            session.execute(delete(Attempt).where(Attempt.attempted_at < since))
            row = Attempt(order_number=number, email_hash=hashed, sender_id=sender_id,
                          outcome="pending", attempted_at=now)
            session.add(row)
            session.flush()
            attempt_id = row.id
        keys: list[ColumnElement[bool]] = []
        if number is not None:
            keys.append(Attempt.order_number == number)
        if hashed:
            keys.append(Attempt.email_hash == hashed)
        if sender_id:
            keys.append(Attempt.sender_id == sender_id)
        with Session(self.engine) as session:
            locked = any(
                (session.scalar(select(func.count()).select_from(Attempt).where(
                    key, Attempt.id != attempt_id, Attempt.attempted_at >= since,
                    Attempt.outcome.in_(COUNTED))) or 0) >= self.limits.failures
                for key in keys)
        if locked:
            self.finish(attempt_id, "locked")
            return None
        return attempt_id

    def finish(self, attempt_id: int, outcome: str) -> None:
        """Record how a try ended: ``verified``, ``failed`` or ``locked``."""
        with Session(self.engine) as session, session.begin():
            session.execute(update(Attempt).where(Attempt.id == attempt_id)
                            .values(outcome=outcome))
