"""Misspelt words are put right; known words, short words and far-off words are left alone."""

from __future__ import annotations

import json
import subprocess
from collections import Counter

import pytest

from aisle.settings import REPO_ROOT
from bot.components.spelling import SpellingCorrector, osa_distance

COUNTS = Counter({"doesn't": 30, "black": 40, "back": 90, "jacket": 50, "jackets": 20, "small": 30,
                  "checkout": 25, "dollars": 12, "pants": 15, "tees": 10, "cart": 60})
ENGLISH = {"boots", "boats", "tess", "the", "show", "me", "under", "a"}


@pytest.fixture()
def corrector() -> SpellingCorrector:
    return SpellingCorrector(COUNTS, ENGLISH)


def test_osa_counts_a_swap_as_one_edit() -> None:
    assert osa_distance("jakcet", "jacket") == 1
    assert osa_distance("smakl", "small") == 2 - 1  # k and l swapped
    assert osa_distance("chekcout", "checkout") == 1
    assert osa_distance("", "abc") == 3


@pytest.mark.parametrize(("written", "corrected"), [
    ("jakcet", "jacket"),          # swapped letters
    ("boack", "black"),            # a neighbouring key: same length wins over "back"
    ("smakl", "small"),
    ("dolars", "dollars"),         # a dropped letter
    ("pantts", "pants"),           # a doubled one
    ("chekcuot", "checkout"),      # two edits in a long word
])
def test_misspellings_are_corrected(corrector: SpellingCorrector, written: str,
                                    corrected: str) -> None:
    assert corrector.best(written) == corrected


@pytest.mark.parametrize("word", [
    "boots",      # an English word, however close to a training word
    "tess",       # in the encoder's vocabulary
    "cat",        # too short
    "jacket",     # known
    "xylophone",  # nothing close
    "hacket",     # the first letter is never changed
])
def test_known_short_and_far_words_stay(corrector: SpellingCorrector, word: str) -> None:
    assert corrector.best(word) is None


def test_text_keeps_its_case_and_everything_else(corrector: SpellingCorrector) -> None:
    text, fixes = corrector.correct("Show me BOACK Jakcet under 80 dolars!")
    assert text == "Show me BLACK Jacket under 80 dollars!"
    assert [(f.written, f.corrected) for f in fixes] == [
        ("BOACK", "BLACK"), ("Jakcet", "Jacket"), ("dolars", "dollars")]


RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
TRAIN_AND_PARSE = """
import json, sys, tempfile
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.components.spelling_corrector import SpellingCorrectorComponent

storage = LocalModelStorage(Path(tempfile.mkdtemp()))
resource = Resource("spelling")
context = ExecutionContext(GraphSchema({}), "test")
config = SpellingCorrectorComponent.get_default_config()
data = TrainingData([Message.build(text=t, intent="search_products") for t in
                     ["show me a black jacket", "black jackets please", "a jacket in black"]])
SpellingCorrectorComponent.create(config, storage, resource, context).train(data)
loaded = SpellingCorrectorComponent.load(config, storage, resource, context)
message = Message.build(text="a boack jakcet for me")
loaded.process([message])
print(json.dumps([message.get("text"), message.get("aisle_spelling")]))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs the Rasa venv (make setup)")
@pytest.mark.skipif(not (REPO_ROOT / "models" / "minilm-onnx" / "tokenizer.json").exists(),
                    reason="needs the MiniLM export (make train)")
def test_the_rasa_component_corrects_after_a_save_and_load() -> None:
    result = subprocess.run([str(RASA_PYTHON), "-c", TRAIN_AND_PARSE], cwd=REPO_ROOT,
                            check=True, capture_output=True, text=True)
    text, fixes = json.loads(result.stdout.strip().splitlines()[-1])
    assert text == "a black jacket for me"
    assert fixes == [{"written": "boack", "corrected": "black"},
                     {"written": "jakcet", "corrected": "jacket"}]


def test_a_contraction_without_its_apostrophe_gets_it_back(corrector: SpellingCorrector) -> None:
    assert corrector.correct("if it doesnt fit")[0] == "if it doesn't fit"
    assert corrector.correct("it doesn't fit")[1] == []


def test_the_likelier_slip_wins_over_the_more_frequent_word() -> None:
    counts = Counter({"women": 33, "when": 60, "large": 33, "late": 8, "green": 14, "gwen": 2})
    corrector = SpellingCorrector(counts)
    assert corrector.best("woen") == "women"   # a dropped letter, not a far key
    assert corrector.best("lage") == "large"
    assert corrector.best("geen") == "green"
    assert corrector.best("whem") == "when"    # a neighbouring key
