"""The kind named inside a reference to a shown product (bot/components/mention_kind.py)."""

from __future__ import annotations

import json
import subprocess

import pytest

from actions.common import read_turn
from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
COMPONENT = """
import json, sys
from bot.components.mention_kind import kinds_in_mentions
cases = json.loads(sys.stdin.read())
print(json.dumps([kinds_in_mentions(text, entities) for text, entities in cases]))
"""


def _entity(kind: str, text: str, words: str, value: object = None) -> dict[str, object]:
    start = text.index(words)
    return {"entity": kind, "start": start, "end": start + len(words),
            "value": words if value is None else value, "extractor": "CRFEntityTagger"}


def _mention(text: str, words: str) -> tuple[str, list[dict[str, object]]]:
    return text, [_entity("mention", text, words)]


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs the Rasa venv (make setup)")
def test_the_kind_inside_a_reference_is_reported_with_its_role() -> None:
    cases = [
        _mention("does the drill come with a battery", "the drill"),
        _mention("whats the thread count on those sheets", "those sheets"),
        _mention("is the cast iron skillet pre-seasoned", "the cast iron skillet"),
        _mention("is the navy blue hoodie warm", "the navy blue hoodie"),
        _mention("how long is the second one", "the second one"),
        _mention("is it waterproof", "it"),
        _mention("compare the first two", "the first two"),
        _mention("is the blue one cheaper", "the blue one"),
        ("is the espresso machine from Breville any good",
         [_entity("mention", "is the espresso machine from Breville any good",
                  "the espresso machine"),
          _entity("product_type", "is the espresso machine from Breville any good",
                  "espresso machine")]),
    ]
    result = subprocess.run([str(RASA_PYTHON), "-c", COMPONENT], cwd=REPO_ROOT, check=True,
                            input=json.dumps(cases), capture_output=True, text=True)
    added = [[(e["entity"], e["value"], e.get("role")) for e in entities[len(case[1]):]]
             for case, entities in zip(cases, json.loads(result.stdout), strict=True)]
    assert added == [
        [("product_type", "drill", "mentioned")],
        [("product_type", "sheets", "mentioned")],
        [("material", "cast iron", "mentioned"), ("product_type", "skillet", "mentioned")],
        [("color", "navy blue", "mentioned"), ("product_type", "hoodie", "mentioned")],
        [], [], [],
        [("color", "blue", "mentioned")],  # and no kind: "one" names none
        [],  # the tagger's own product type already covers the words
    ]


class _Tracker:
    sender_id = "s1"
    slots: dict[str, object] = {}
    events: list[dict[str, object]] = []

    def __init__(self, entities: list[dict[str, object]]) -> None:
        self.latest_message = {"text": "does the drill come with a battery",
                               "intent": {"name": "ask_product_question"},
                               "entities": entities}


def test_a_mentioned_kind_is_not_a_constraint_of_the_turn() -> None:
    text = "does the drill come with a battery"
    turn = read_turn(_Tracker([_entity("mention", text, "the drill"),
                               {**_entity("product_type", text, "drill"), "role": "mentioned"}]))
    assert turn.entities == (("mention", "the drill"),)
