"""The CRF entity tagger keeps its trained models, not its training set (Rasa venv, Python 3.10)."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from aisle.settings import REPO_ROOT

RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = textwrap.dedent('''
    import json, sys
    from pathlib import Path
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.featurizers.sparse_featurizer.lexical_syntactic_featurizer import (
        LexicalSyntacticFeaturizer)
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader
    from rasa.shared.nlu.training_data.message import Message
    from bot.components import crf_entities
    from bot.components.crf_entities import CRFEntityTagger

    colours = ["red", "blue", "green", "black", "white", "grey", "orange", "purple"]
    things = ["jacket", "hoodie", "tee", "shorts", "bag", "watch", "pants", "bra"]
    lines = [f"- show me a [{c}](color) [{t}](product_type)" for c in colours for t in things]
    lines += [f"- I want [{t}](product_type) in [{c}](color) please" for c in colours for t in things]
    nlu = "version: '3.1'\\nnlu:\\n- intent: search\\n  examples: |\\n" + "\\n".join(
        "    " + line for line in lines) + "\\n"
    data = RasaYAMLReader().reads(nlu)
    storage = LocalModelStorage(Path(sys.argv[1]))
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    tokenizer.process_training_data(data)
    featurizer = LexicalSyntacticFeaturizer.create(
        LexicalSyntacticFeaturizer.get_default_config(), storage, Resource("lsf"), context)
    featurizer.train(data)
    featurizer.process_training_data(data)
    config = CRFEntityTagger.get_default_config()
    resource = Resource("crf")
    trained = CRFEntityTagger.create(config, storage, resource, context)
    trained.train(data)

    def entities(extractor, texts):
        messages = [Message.build(text=text) for text in texts]
        tokenizer.process(messages)
        featurizer.process(messages)
        extractor.process(messages)
        return [[(e["entity"], e["value"], round(e["confidence_entity"], 6))
                 for e in m.get("entities", [])] for m in messages]

    texts = ["show me a blue hoodie", "I want shorts in black please", "hello there"]
    stored = sorted(p.name for p in (Path(sys.argv[1]) / "crf").iterdir())
    crf_entities.CRFEntityExtractor.train_model = None  # loading must not train again
    loaded = CRFEntityTagger.load(config, storage, resource, context)
    empty = CRFEntityTagger.load(config, storage, Resource("never-trained"), context)
    print(json.dumps({"trained": entities(trained, texts), "loaded": entities(loaded, texts),
                      "empty": entities(empty, texts[:1]), "stored": stored,
                      "bytes": sum(p.stat().st_size for p in (Path(sys.argv[1]) / "crf").iterdir())}))
''')


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="no Rasa venv")
def test_a_loaded_tagger_tags_as_the_trained_one_without_its_training_data(tmp_path: Path) -> None:
    done = subprocess.run([str(RASA_PYTHON), "-c", SCRIPT, str(tmp_path)], cwd=REPO_ROOT,
                          env={"PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false",
                               "TF_CPP_MIN_LOG_LEVEL": "2"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["loaded"] == result["trained"]
    assert [(kind, value) for kind, value, _ in result["loaded"][0]] == [
        ("color", "blue"), ("product_type", "hoodie")]
    assert [(kind, value) for kind, value, _ in result["loaded"][1]] == [
        ("product_type", "shorts"), ("color", "black")]
    assert result["empty"] == [[]]
    assert result["stored"] == ["crf_order.json", "entity.crfsuite"]
    assert result["bytes"] < 200_000
