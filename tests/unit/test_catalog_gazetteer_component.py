"""The Rasa component that tags the active store's gazetteer terms, run in the Rasa venv on a
real model storage: nothing without a gazetteer file, the file picked up once an import writes
it, the tagger's spans kept, words the training data uses otherwise left alone, a broken file
ignored."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT
from catalog.gazetteer import build_gazetteer
from tests.unit.test_gazetteer import LAB

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = """
import json, os, sys
from pathlib import Path
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from bot.components.catalog_gazetteer import CatalogGazetteer

folder, gazetteer = Path(sys.argv[1]), sys.argv[2]
(folder / "model").mkdir()
storage, resource = LocalModelStorage(folder / "model"), Resource("gazetteer")
context = ExecutionContext(GraphSchema({}), "test")
training = [Message(data={"text": f"any tips for {who}?", "intent": "ask_policy"})
            for who in ("me", "a beginner", "cleaning")]
training.append(Message(data={"text": "show me beakers", "intent": "search_products",
                              "entities": [{"entity": "product_type", "start": 8, "end": 15,
                                            "value": "beakers"}]}))
CatalogGazetteer.create({}, storage, resource, context).train(TrainingData(training))
component = CatalogGazetteer.load({}, storage, resource, context)

def parse(text, entities=()):
    message = Message(data={"text": text, "entities": list(entities)})
    component.process([message])
    return [(e["entity"], text[e["start"]:e["end"]], e["value"], e["extractor"])
            for e in message.get("entities")]

crf = {"entity": "product_type", "start": 6, "end": 13, "value": "beakers",
       "extractor": "CRFEntityTagger"}
out = {"before": parse("pyrex beakers and 3m safety glasses")}
Path(os.environ["AISLE_STATE_DIR"], "gazetteer-lab.json").write_text(gazetteer)
out["after"] = parse("pyrex beakers and 3m safety glasses", [crf])
out["common"] = parse("any tips for pipette tips?")
Path(os.environ["AISLE_STATE_DIR"], "gazetteer-lab.json").write_text('{"version": 1, "terms": 7}')
out["broken"] = parse("3m safety glasses", [])
print(json.dumps(out))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs the Rasa venv (make setup)")
def test_the_component_tags_the_stores_terms_once_the_import_wrote_them(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO_ROOT),
           "AISLE_STATE_DIR": str(tmp_path), "AISLE_STORE": "lab"}
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT, str(tmp_path), build_gazetteer("lab", LAB).to_json()],
        cwd=REPO_ROOT, env=env, check=True, capture_output=True, text=True)
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["before"] == []  # no gazetteer for this store yet: nothing is tagged
    assert out["after"] == [  # "Pyrex" is an English word too: not tagged as a brand
        ["product_type", "beakers", "beakers", "CRFEntityTagger"],  # the tagger's span stays
        ["brand", "3m", "3M", "CatalogGazetteer"],
        ["product_type", "safety glasses", "safety glasses", "CatalogGazetteer"]]
    # "tips" is used three times outside any entity in the training data: alone it is no term
    assert out["common"] == [["product_type", "pipette tips", "pipette tips",
                              "CatalogGazetteer"]]
    # a file that is no gazetteer is logged and ignored: the turn goes on, nothing is tagged
    assert out["broken"] == []
