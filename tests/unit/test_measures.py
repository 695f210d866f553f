"""Numbers with a unit read as measures with one spelling; everything else is left alone."""

from __future__ import annotations

import json
import subprocess

import pytest

from aisle.measures import find_measures, normalise_measure, respell_measures
from aisle.settings import REPO_ROOT


@pytest.mark.parametrize(("text", "values"), [
    ("120 grit sanding discs, 5 inch hook and loop", ["120 grit", "5 inch"]),
    ("pla filament in 1.75mm?", ["1.75 mm"]),
    ("nitrile gloves, box of 100", ["100 pack"]),
    ("a caliper that reads to .01mm", ["0.01 mm"]),
    ("bench supply 30V 5A", ["30 volt", "5 amp"]),
    ("flat washers 1/4 inch, pack of 100", ["1/4 inch", "100 pack"]),
    ('4 1/2" grinder discs', ["4-1/2 inch"]),
    ("4-1/2 in. cutting wheel", ["4-1/2 inch"]),
    ("a 2TB drive and a 64 GB card", ["2 tb", "64 gb"]),
    ("6 gallon shop vac, 1,000 ml jug", ["6 gallon", "1000 ml"]),
    ("12-pack of batteries", ["12 pack"]),
    ("22 AWG wire and 18 gauge nails", ["22 awg", "18 gauge"]),
])
def test_measures_get_one_spelling(text: str, values: list[str]) -> None:
    assert [m.value for m in find_measures(text)] == values


@pytest.mark.parametrize("text", [
    "show me 3M respirator masks",      # a brand, not three metres
    "a 5G phone",                        # a network, not five grams
    "jackets under 80",                  # a price
    "size 10 running shoes",             # a size
    "do you have 2 in stock?",           # "in" after a space is a preposition
    'he said 5 "pieces"',                # a quotation mark after a space
    "eat 5 a day",
    'call me on 555-867-5309", "x": 1',  # the last group of a phone number before a quote
])
def test_numbers_without_a_unit_are_no_measure(text: str) -> None:
    assert find_measures(text) == []


def test_spans_cover_the_words_and_measures_can_be_respelt() -> None:
    text = "need 80 grit sandpaper under $20"
    [measure] = find_measures(text)
    assert text[measure.start:measure.end] == "80 grit"
    assert respell_measures("need 80-Grit paper, 1/2in") == "need 80 grit paper, 1/2 inch"
    assert respell_measures(text, str.upper) == "NEED 80 grit SANDPAPER UNDER $20"


def test_normalise_takes_exactly_one_measure() -> None:
    assert normalise_measure(" 1/2in ") == "1/2 inch"
    assert normalise_measure("80") is None
    assert normalise_measure("5 mm and 6 mm") is None


RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
COMPONENT = """
import json, sys
from bot.components.measure_entities import with_measures
text, entities = json.loads(sys.stdin.read())
print(json.dumps(with_measures(text, entities)))
"""


def _entity(kind: str, text: str, words: str, value: object = None) -> dict[str, object]:
    start = text.index(words)
    return {"entity": kind, "start": start, "end": start + len(words),
            "value": words if value is None else value, "extractor": "CRFEntityTagger"}


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs the Rasa venv (make setup)")
def test_the_rasa_component_keeps_prices_and_sizes_out_of_measures() -> None:
    text = "80 grit sandpaper in M, add 2 packs, under 30 bucks, 1/2in staples"
    entities = [_entity("price_max", text, "80", 80.0), _entity("measure", text, "80 grit"),
                _entity("size", text, "M"), _entity("quantity", text, "2", 2),
                _entity("price_max", text, "30 bucks", 30.0),
                _entity("measure", text, "sandpaper")]
    result = subprocess.run([str(RASA_PYTHON), "-c", COMPONENT], cwd=REPO_ROOT, check=True,
                            input=json.dumps([text, entities]), capture_output=True, text=True)
    got = [(e["entity"], e["value"]) for e in json.loads(result.stdout)]
    assert got == [("measure", "80 grit"), ("size", "M"), ("quantity", 2),
                   ("price_max", 30.0), ("measure", "1/2 inch")]


MERGE = """
import json, sys
from bot.components.entity_merger import merge_adjacent
text, entities = json.loads(sys.stdin.read())
print(json.dumps(merge_adjacent(text, entities)))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs the Rasa venv (make setup)")
def test_adjacent_entities_of_one_kind_are_joined() -> None:
    text = "black t shirts, 2 3 packs, stainless-steel"
    entities = [_entity("color", text, "black"), _entity("product_type", text, "t"),
                _entity("product_type", text, "shirts"), _entity("quantity", text, "2", 2),
                _entity("quantity", text, "3", 3), _entity("material", text, "stainless"),
                _entity("material", text, "steel")]
    result = subprocess.run([str(RASA_PYTHON), "-c", MERGE], cwd=REPO_ROOT, check=True,
                            input=json.dumps([text, entities]), capture_output=True, text=True)
    got = [(e["entity"], e["value"]) for e in json.loads(result.stdout)]
    assert got == [("color", "black"), ("product_type", "t shirts"), ("quantity", 2),
                   ("quantity", 3), ("material", "stainless-steel")]
