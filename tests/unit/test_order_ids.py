"""Order numbers in any store's format (bot/components/order_ids.py)."""

from __future__ import annotations

import json
import subprocess

import pytest

from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
COMPONENT = """
import json, sys
from bot.components.order_ids import with_order_ids
texts = json.loads(sys.stdin.read())
print(json.dumps([[(e["entity"], e["value"]) for e in with_order_ids(t, [])] for t in texts]))
"""
CASES = {
    "where is my order 48213": [["order_id", "48213"]],
    "Hi, order #AZ-7731 says shipped 5 days ago": [["order_id", "AZ-7731"]],
    "cancell order 99120 please": [["order_id", "99120"]],
    "when will my filament arrive? order #SC88210": [["order_id", "SC88210"]],
    "order number: 12345": [["order_id", "12345"]],
    "#000000042 please": [["order_id", "000000042"]],
    "can I order 100 of these": [],
    "i'd like to order 5000 labels": [],
    "order 2500 pcs": [],
    "order 2 of those": [],
}


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs the Rasa venv (make setup)")
def test_order_numbers_of_any_format_and_not_counts_to_buy() -> None:
    result = subprocess.run([str(RASA_PYTHON), "-c", COMPONENT], cwd=REPO_ROOT, check=True,
                            input=json.dumps(list(CASES)), capture_output=True, text=True)
    assert dict(zip(CASES, json.loads(result.stdout), strict=True)) == CASES


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs the Rasa venv (make setup)")
def test_a_number_the_tagger_read_as_a_price_inside_an_order_number_is_dropped() -> None:
    code = """
import json
from bot.components.order_ids import with_order_ids
text = "refund for order 30045 please"
start = text.index("30045")
price = {"entity": "price_max", "start": start, "end": start + 5, "value": 30045.0}
print(json.dumps([(e["entity"], e["value"]) for e in with_order_ids(text, [price])]))
"""
    result = subprocess.run([str(RASA_PYTHON), "-c", code], cwd=REPO_ROOT, check=True,
                            capture_output=True, text=True)
    assert json.loads(result.stdout) == [["order_id", "30045"]]
