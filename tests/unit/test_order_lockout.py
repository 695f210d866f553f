"""Order verification lock-out (issue 17): failed checks are limited per order number, per
email (its keyed hash) and per conversation, in the shop's state database, so the limit holds
across replicas; cancel and return change nothing until confirmed."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from aisle.redaction import email_token
from aisle.settings import REPO_ROOT
from commerce.policy import StorePolicy
from commerce.pricing import StoreRules
from commerce.schema import commerce_engine
from commerce.service import CommerceService
from commerce.shipping import ShippingTable, TableRate
from commerce.verification import VerificationLimits
from tests.unit.test_commerce_service import NOW, QUOTE, _catalog

SECRET = "test-secret"
OWNER = "ann@example.com"
LIMITS = VerificationLimits(failures=5, window=timedelta(minutes=15))


class Clock:
    """A clock the test moves forward."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _service(url: str, clock: Clock) -> CommerceService:
    rates = (TableRate("US", "*", "*", Decimal("0"), Decimal("15.00")),)
    rules = StoreRules(ShippingTable(rates), (), StorePolicy(30, QUOTE))
    return CommerceService(commerce_engine(url), _catalog(), rules, clock=clock,
                           pii_secret=SECRET, limits=LIMITS)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'shop.sqlite'}"


@pytest.fixture()
def service(url: str, clock: Clock) -> CommerceService:
    return _service(url, clock)


def _order(service: CommerceService, email: str = OWNER, sender: str = "buyer") -> str:
    assert service.add_to_cart(sender, "24-MB01").status == "added"
    placed = service.place_order(sender, email)
    assert placed.order is not None
    return placed.order.number


def test_guessing_emails_for_one_order_locks_it_even_for_the_owner(
        service: CommerceService, clock: Clock) -> None:
    number = _order(service)
    for guess in range(5):
        result = service.order_status(number, f"guess{guess}@example.com", f"attacker{guess}")
        assert result.status == "not_found"
    assert service.order_status(number, "guess5@example.com", "attacker5").status == "locked"
    # A locked number stays locked for the right email until the window passes (that is what
    # stops guessing), and an unknown number locks the same way, so nothing leaks.
    assert service.order_status(number, OWNER, "owner").status == "locked"
    assert service.cancel_order(number, OWNER, "owner").status == "locked"
    assert service.order_status(number, OWNER, "owner").order is None
    clock.now += timedelta(minutes=15, seconds=1)
    found = service.order_status(number, OWNER, "owner")
    assert found.status == "found" and found.order is not None


def test_an_unknown_number_locks_like_a_real_one(service: CommerceService) -> None:
    real, unknown = _order(service), "000004242"
    for guess in range(5):
        service.order_status(real, f"g{guess}@example.com", f"a{guess}")
        service.order_status(unknown, f"g{guess}@example.com", f"b{guess}")
    assert service.order_status(real, "x@example.com", "c").status == "locked"
    assert service.order_status(unknown, "x@example.com", "d").status == "locked"


def test_guessing_order_numbers_with_one_email_locks_that_email(service: CommerceService) -> None:
    _order(service)  # order 100000001 belongs to the owner
    for number in range(100000002, 100000007):
        assert service.order_status(str(number), OWNER, f"s{number}").status == "not_found"
    # Sequential numbers: the owner's email is now locked for the window, whatever the number.
    assert service.order_status("100000001", OWNER, "fresh").status == "locked"
    assert service.order_status("100000001", email_token(OWNER, SECRET),
                                "fresh2").status == "locked"


def test_many_tries_in_one_conversation_lock_the_conversation(service: CommerceService) -> None:
    mine = _order(service, "bob@example.com", "bob")
    for guess in range(5):
        service.order_status(str(100000100 + guess), f"g{guess}@example.com", "one-chat")
    assert service.order_status(mine, "bob@example.com", "one-chat").status == "locked"
    assert service.order_status(mine, "bob@example.com", "bob").status == "found"


def test_other_peoples_failures_do_not_block_a_shopper(service: CommerceService) -> None:
    target, mine = _order(service), _order(service, "bob@example.com", "bob")
    for guess in range(8):
        service.order_status(target, f"g{guess}@example.com", "attacker")
    assert service.order_status(target, OWNER, "owner").status == "locked"
    found = service.order_status(mine, "bob@example.com", "bob")
    assert found.status == "found"
    assert service.cancel_order(mine, "bob@example.com", "bob").status == "cancelled"


def test_successes_do_not_count(service: CommerceService) -> None:
    number = _order(service)
    for _ in range(10):
        assert service.order_status(number, OWNER, "owner").status == "found"


def test_the_lock_holds_across_two_services_on_one_database(url: str, clock: Clock) -> None:
    first, second = _service(url, clock), _service(url, clock)  # two replicas, two engines
    assert first.engine is not second.engine
    number = _order(first)
    for guess in range(5):
        replica = (first, second)[guess % 2]
        assert replica.order_status(number, f"g{guess}@example.com", f"a{guess}").status == \
            "not_found"
    assert first.order_status(number, OWNER, "owner").status == "locked"
    assert second.order_status(number, OWNER, "owner").status == "locked"


def test_the_attempts_table_keeps_only_the_email_hash(service: CommerceService, url: str) -> None:
    number = _order(service)
    service.order_status(number, " Mallory@Example.com ", "attacker")
    with create_engine(url).connect() as connection:
        rows = connection.execute(text(
            "SELECT email_hash, order_number, sender_id, outcome "
            "FROM commerce_verification_attempts")).all()
    assert rows == [(email_token("mallory@example.com", SECRET), int(number), "attacker",
                     "failed")]
    assert all("@" not in row[0] for row in rows)


def test_old_attempts_are_forgotten(service: CommerceService, clock: Clock, url: str) -> None:
    number = _order(service)
    for guess in range(3):
        service.order_status(number, f"g{guess}@example.com", "a")
    clock.now += timedelta(hours=1)
    service.order_status(number, "late@example.com", "b")
    with create_engine(url).connect() as connection:
        count = connection.execute(text(
            "SELECT count(*) FROM commerce_verification_attempts")).scalar()
    assert count == 1


def test_cancel_and_return_preview_change_nothing(service: CommerceService) -> None:
    number = _order(service)
    preview = service.cancel_order(number, OWNER, "owner", confirmed=False)
    assert preview.status == "cancellable" and preview.order is not None
    assert preview.order.status == "pending"
    assert service.order_status(number, OWNER, "owner").order.status == "pending"  # type: ignore[union-attr]
    service.mark_shipped(number, NOW, delivered=NOW)
    today = NOW.date()
    returned = service.request_return(number, OWNER, today, "owner", confirmed=False)
    assert returned.status == "returnable" and returned.deadline is not None
    assert service.order_status(number, OWNER, "owner").order.status == "delivered"  # type: ignore[union-attr]
    assert service.request_return(number, OWNER, today, "owner").status == "requested"


_OTHER_PROCESS = """
import sys
from tests.unit.test_order_lockout import Clock, _service
clock = Clock()
service = _service(sys.argv[1], clock)
for guess in range(3):
    print(service.order_status(sys.argv[2], f"p{guess}@example.com", f"p{guess}").status)
"""


def test_the_lock_holds_across_two_processes(url: str, clock: Clock) -> None:
    service = _service(url, clock)
    number = _order(service)
    other = subprocess.run([sys.executable, "-c", _OTHER_PROCESS, url, number], cwd=REPO_ROOT,
                           capture_output=True, text=True, timeout=120, check=True)
    assert other.stdout.split() == ["not_found"] * 3
    for guess in range(2):
        assert service.order_status(number, f"q{guess}@example.com", f"q{guess}").status == \
            "not_found"
    assert service.order_status(number, OWNER, "owner").status == "locked"


def test_concurrent_guesses_do_not_slip_past_the_limit(service: CommerceService) -> None:
    number = _order(service)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(
            lambda guess: service.order_status(number, f"c{guess}@example.com",
                                               f"c{guess}").status, range(16)))
    failures = answers.count("not_found")
    assert failures <= 5
    assert failures + answers.count("locked") == 16
    # A guess refused because others were still pending is kept as ``locked``, which does not
    # count; when the race leaves fewer than five recorded failures the number is not locked,
    # and the next check (the owner's) may still be answered: never a sixth failure.
    expected = "locked" if failures == 5 else "found"
    assert service.order_status(number, OWNER, "owner").status == expected
    later = [service.order_status(number, f"late{guess}@example.com", f"late{guess}").status
             for guess in range(6)]
    assert failures + later.count("not_found") == 5  # never a sixth failure in the window
    assert later[-1] == "locked"
