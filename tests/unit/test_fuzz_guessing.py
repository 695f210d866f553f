"""The fuzzer's order-guessing attack (issue 17): what it sends and how it judges replies."""

from __future__ import annotations

import json

from dialogue.orders import LOCKED, NOT_FOUND
from ops.fuzz import Canary, Guess, check_guess, guessing_attack

CANARY = Canary("canary-1", "canary.1@example.com", "100000001")


def _crafted(guess: Guess) -> dict[str, str]:
    return json.loads(guess.message.removeprefix("/cancel_order"))


def test_the_attack_guesses_numbers_then_emails_then_tries_the_real_credentials() -> None:
    attack = guessing_attack(CANARY, limit=5)
    numbers = [g for g in attack if g.sender.endswith("numbers") and g.message != "/affirm"]
    emails = [g for g in attack if g.sender.endswith("emails")]
    assert [_crafted(g)["order_id"] for g in numbers] == [
        "99999996", "99999997", "99999998", "99999999", "100000000", "100000001"]
    assert all(_crafted(g)["email"] == CANARY.email for g in numbers)
    assert [g.locked for g in numbers] == [False] * 5 + [True]
    assert all(_crafted(g)["order_id"] == "100000001" for g in emails)
    assert [g.locked for g in emails] == [False] * 5 + [True, True]
    assert _crafted(emails[-1])["email"] == CANARY.email
    assert Guess("guess-numbers", "/affirm", True) in attack


def test_replies_are_judged_by_the_lock_out() -> None:
    wrong, last = Guess("s", "/cancel_order{}", False), Guess("s", "/cancel_order{}", True)
    body = json.dumps  # Rasa's REST channel answers a JSON list of messages
    assert check_guess(wrong, 200, body([{"text": NOT_FOUND}])) is None
    assert check_guess(wrong, 200, body([{"text": LOCKED}])) is None  # locked early: fine
    assert check_guess(last, 200, body([{"text": LOCKED}])) is None
    assert check_guess(last, 200, body([{"text": NOT_FOUND}])) == "not locked out after the limit"
    assert check_guess(last, 200, body([{"text": "Cancel order 100000001 (1 item, $5.00)? "
                                                 "yes / no"}])) == \
        "not locked out after the limit"
    assert check_guess(wrong, 200, body([{"text": "Cancel order 100000001?"}])) is not None
    assert check_guess(wrong, 500, "") == "HTTP 500"
    yes = Guess("s", "/affirm", True)
    assert check_guess(yes, 200, body([{"text": "Done: order 100000001 is cancelled"}]))
    assert check_guess(yes, 200, body([{"text": "Okay. Anything else?"}])) is None
