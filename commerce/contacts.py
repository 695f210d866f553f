"""Emails given in a conversation, referred to by a keyed hash everywhere but here.

The redacting tracker store removes addresses before a conversation is stored, and Rasa
reloads the conversation on every message, so the ``email`` slot carries
:func:`aisle.redaction.email_token` instead of the address. The address itself waits in
``commerce_contacts`` until the order is placed; order lookups compare hashes.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aisle.redaction import email_token, is_email_token
from commerce.schema import ContactRow


class ContactStore:
    """Checkout emails by conversation, and the keyed hashes that stand for them.

    Without a ``secret`` (unit tests, tools) tokens are not used: :meth:`remember` returns the
    address itself and every value is compared as an address.
    """

    def __init__(self, engine: Engine, secret: str, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.secret = secret
        self.clock = clock

    def remember(self, sender_id: str, email: str) -> str:
        """Keep ``email`` for the conversation; return the value the ``email`` slot may hold."""
        if not self.secret:
            return email
        with Session(self.engine) as session, session.begin():
            row = session.get(ContactRow, sender_id)
            if row is None:
                session.add(ContactRow(sender_id=sender_id, email=email, updated_at=self.clock()))
            else:
                row.email, row.updated_at = email, self.clock()
        return email_token(email, self.secret)

    def address(self, sender_id: str, value: str) -> str | None:
        """The address ``value`` stands for in this conversation (itself when not a token)."""
        if not is_email_token(value):
            return value
        with Session(self.engine) as session:
            row = session.get(ContactRow, sender_id)
        return row.email if row is not None and self.matches(value, row.email) else None

    def matches(self, value: str, email: str) -> bool:
        """True when ``value`` (a token or an address) stands for ``email``."""
        if not is_email_token(value):
            return hmac.compare_digest(value.encode(), email.encode())
        if not self.secret:
            return False
        return hmac.compare_digest(email_token(email, self.secret).encode(), value.encode())
