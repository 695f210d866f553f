"""Erasing one shopper's personal data from the commerce tables, and keeping it no longer than
the retention period (``python -m insights forget`` / ``retention``).

A shopper is found by conversation (sender id) or by email: orders and checkout contacts keep
the (normalised) address and the conversation that gave it, so an email reaches every
conversation and every order of that person. Carts, cart lines, checkout contacts, customer
records and any other row of those conversations are deleted. Orders stay (they are the shop's
books) but lose what identifies the shopper: ``email`` and ``sender_id`` become NULL, so no one
can look the order up any more, and no placeholder address is left to match.

Tables are covered by their columns, not by a list: every commerce table with a ``sender_id``
column is erased by conversation (and expired by its first date-time column), and one with an
``email_hash`` column by the keyed hashes of the address (the order-check attempts other
conversations made with it), so a table added later is covered without touching this module.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, Table, delete, inspect, or_, select, text, update
from sqlalchemy.engine import Connection, Engine

from commerce.schema import (
    CartItemRow,
    CartRow,
    CommerceBase,
    ContactRow,
    CustomerRow,
    OrderRow,
)

#: Tables handled by name below; every other table with ``sender_id`` is deleted by it.
_NAMED = {CartItemRow.__tablename__, CartRow.__tablename__, ContactRow.__tablename__,
          OrderRow.__tablename__}


def normalise_email(email: str) -> str:
    """Trimmed, lower-cased (the form orders and contacts store); ``ValueError`` if no email."""
    address = email.strip().lower()
    if "@" not in address or any(c.isspace() for c in address) or len(address) > 254:
        raise ValueError(f"not an email address: {email.strip()[:80]!r}")
    return address


def conversations_of(engine: Engine, email: str) -> set[str]:
    """Every conversation the commerce tables tie to ``email`` (orders and checkout contacts)."""
    address = normalise_email(email)
    with engine.connect() as connection:
        ordered = connection.scalars(select(OrderRow.sender_id).where(
            OrderRow.email == address, OrderRow.sender_id.is_not(None)))
        contacted = connection.scalars(select(ContactRow.sender_id).where(
            ContactRow.email == address))
        return {*ordered, *contacted}


def _other_personal_tables(connection: Connection, column: str = "sender_id") -> list[Table]:
    existing = set(inspect(connection).get_table_names())
    return [table for name, table in CommerceBase.metadata.tables.items()
            if name not in _NAMED and column in table.c and name in existing]


def _linked_tables(connection: Connection) -> list[Table]:
    """Tables of the same database that other packages own (the agent console's audit log) and
    that name a conversation in a ``conversation_id`` column: reflected, so commerce needs no
    import of their code."""
    reflected = MetaData()
    names = [name for name in inspect(connection).get_table_names()
             if name not in CommerceBase.metadata.tables]
    reflected.reflect(connection, only=names)
    return [table for table in reflected.tables.values() if "conversation_id" in table.c]


def _unlink(connection: Connection, senders: Collection[str]) -> int:
    """Cut the rows of other tables loose from the erased conversations: a nullable
    ``conversation_id`` becomes NULL (the audit line of what an agent did stays, without
    whose conversation it was), a required one takes its row with it."""
    count = 0
    for table in _linked_tables(connection):
        column = table.c.conversation_id
        ours = column.in_(list(senders))
        statement = (update(table).where(ours).values(conversation_id=None) if column.nullable
                     else delete(table).where(ours))
        count += connection.execute(statement).rowcount
    return count


def erase_shopper(engine: Engine, sender_ids: Collection[str] = (),
                  email: str | None = None, email_tokens: Collection[str] = ()) -> dict[str, int]:
    """Erase the conversations ``sender_ids`` and (when given) everything under ``email`` or
    its keyed hashes ``email_tokens``: delete carts, checkout contacts, customer records and
    other rows, anonymise orders; counts by kind."""
    senders = sorted({s for s in sender_ids if s.strip()})
    address = normalise_email(email) if email is not None else None
    if not senders and address is None:
        raise ValueError("forget needs a sender id or an email")
    by_sender = CartRow.sender_id.in_(senders)
    with engine.begin() as connection:
        if address is not None:
            senders = sorted({*senders, *connection.scalars(select(ContactRow.sender_id).where(
                ContactRow.email == address))})
            by_sender = CartRow.sender_id.in_(senders)
        items = connection.execute(
            delete(CartItemRow).where(CartItemRow.sender_id.in_(senders))).rowcount
        carts = connection.execute(delete(CartRow).where(by_sender)).rowcount
        contacts = connection.execute(delete(ContactRow).where(
            or_(ContactRow.sender_id.in_(senders),
                *([ContactRow.email == address] if address else [])))).rowcount
        customers = connection.execute(delete(CustomerRow).where(
            CustomerRow.email == address)).rowcount if address else 0
        owned = [OrderRow.sender_id.in_(senders), *([OrderRow.email == address] if address else [])]
        orders = connection.execute(update(OrderRow).where(or_(*owned))
                                    .values(email=None, sender_id=None)).rowcount
        other = sum(connection.execute(delete(table).where(table.c.sender_id.in_(senders))).rowcount
                    for table in _other_personal_tables(connection))
        other += _unlink(connection, senders) if senders else 0
        if email_tokens:
            other += sum(connection.execute(delete(table).where(
                table.c.email_hash.in_(list(email_tokens)))).rowcount
                for table in _other_personal_tables(connection, "email_hash"))
    return {"cart lines": items, "carts": carts, "checkout emails": contacts,
            "customer records": customers, "orders anonymised": orders, "other rows": other}


def expire_before(engine: Engine, cutoff: datetime,
                  orders_cutoff: datetime | None = None,
                  audit_cutoff: datetime | None = None) -> dict[str, int]:
    """Retention: delete carts (with their lines), checkout contacts and other conversation
    rows last changed before ``cutoff``; anonymise orders placed before ``orders_cutoff``
    (orders are kept longer, as the shop's books, so they have their own period); delete the
    lines of other tables that name conversations (the agent console's audit log, which also
    holds agents' addresses) dated before ``audit_cutoff`` (a security record: its own period)."""
    cutoff = _naive(cutoff)
    with engine.begin() as connection:
        old_carts = select(CartRow.sender_id).where(CartRow.updated_at < cutoff)
        items = connection.execute(
            delete(CartItemRow).where(CartItemRow.sender_id.in_(old_carts))).rowcount
        carts = connection.execute(delete(CartRow).where(CartRow.updated_at < cutoff)).rowcount
        contacts = connection.execute(
            delete(ContactRow).where(ContactRow.updated_at < cutoff)).rowcount
        other = 0
        for table in _other_personal_tables(connection):
            moment = next((c for c in table.c if isinstance(c.type, DateTime)), None)
            if moment is not None:
                other += connection.execute(delete(table).where(moment < cutoff)).rowcount
        orders = 0
        if orders_cutoff is not None:
            orders = connection.execute(
                update(OrderRow).where(OrderRow.placed_at < _naive(orders_cutoff),
                                       or_(OrderRow.email.is_not(None),
                                           OrderRow.sender_id.is_not(None)))
                .values(email=None, sender_id=None)).rowcount
        audit = 0
        if audit_cutoff is not None:
            for table in _linked_tables(connection):
                moment = next((c for c in table.c if isinstance(c.type, DateTime)), None)
                if moment is not None:
                    audit += connection.execute(
                        delete(table).where(moment < _naive(audit_cutoff))).rowcount
    return {"cart lines": items, "carts": carts, "checkout emails": contacts,
            "other rows": other, "orders anonymised": orders, "audit lines": audit}


def _naive(moment: datetime) -> datetime:
    """Commerce tables store naive UTC (SQLite keeps no zone)."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def allow_erased_emails(engine: Engine) -> bool:
    """Let ``commerce_orders.email`` hold NULL in a database made before erasure did (it was
    NOT NULL and erased orders held a shared placeholder, ``'erased'``, now NULL as well).
    Returns whether anything changed; safe to run on every start."""
    with engine.begin() as connection:
        inspector = inspect(connection)
        if not inspector.has_table(OrderRow.__tablename__):
            return False
        column = next(c for c in inspector.get_columns(OrderRow.__tablename__)
                      if c["name"] == "email")
        changed = False
        if not column["nullable"]:
            if connection.dialect.name == "sqlite":
                _rebuild_sqlite_orders(connection)
            else:
                connection.execute(text("ALTER TABLE commerce_orders ALTER COLUMN email "
                                        "DROP NOT NULL"))
            changed = True
        placeholders = connection.execute(update(OrderRow).where(OrderRow.email == "erased")
                                          .values(email=None)).rowcount
        return changed or bool(placeholders)


def _rebuild_sqlite_orders(connection: Connection) -> None:
    """SQLite cannot drop a NOT NULL: the documented rebuild (a new table, rows copied, the old
    one dropped, the new one renamed), so order lines and returns, which refer to the table by
    name, still do."""
    table = OrderRow.__table__
    for index in table.indexes:
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {index.name}")
    table.to_metadata(MetaData(), name="commerce_orders_new").create(connection)
    columns = ", ".join(c.name for c in table.c)
    connection.exec_driver_sql(f"INSERT INTO commerce_orders_new ({columns}) "
                               f"SELECT {columns} FROM commerce_orders")
    connection.exec_driver_sql("DROP TABLE commerce_orders")
    connection.exec_driver_sql("ALTER TABLE commerce_orders_new RENAME TO commerce_orders")
