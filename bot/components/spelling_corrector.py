"""Second component of the NLU pipeline: corrects misspelt words before tokenization.

Every later component (features, the fine-tuned intent encoder, the entity tagger) then reads
"black jacket" where the shopper typed "boack jakcet", and entity values come out spelt right.
The words that may be corrected to are those the training data uses at least twice (plus the
lookup tables and synonyms); a word the training data uses at all, or one of the sentence
encoder's English vocabulary, is never changed (:mod:`bot.components.spelling`). The parse
output lists what was changed under ``aisle_spelling`` ({"written": ..., "corrected": ...}).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.minilm_featurizer import resolve_model_path
from bot.components.spelling import SpellingCorrector, words

SPELLING_KEY = "aisle_spelling"
VOCABULARY_FILE = "spelling.json"
#: A word the training data uses this often may be corrected to.
MIN_COUNT = 2

logger = logging.getLogger(__name__)


def encoder_words(model_path: str) -> list[str]:
    """The whole English words of the sentence encoder's WordPiece vocabulary (tokenizer.json)."""
    path = resolve_model_path(model_path) / "tokenizer.json"
    vocab = json.loads(path.read_text(encoding="utf-8"))["model"]["vocab"]
    return sorted(w for w in vocab if w.isalpha() and w.isascii() and len(w) > 1)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True
)
class SpellingCorrectorComponent(GraphComponent):
    """Puts misspelt words right in the message text (training examples and new messages)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"model_path": "models/minilm-onnx"}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 corrector: SpellingCorrector | None = None) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._corrector = corrector

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SpellingCorrectorComponent:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> SpellingCorrectorComponent:
        corrector = None
        try:
            with model_storage.read_from(resource) as model_dir:
                stored = json.loads((Path(model_dir) / VOCABULARY_FILE).read_text("utf-8"))
            corrector = SpellingCorrector(Counter(stored["counts"]), stored["known"])
        except (ValueError, OSError, KeyError):
            logger.warning("SpellingCorrector: no stored vocabulary; messages are not corrected.")
        return cls(config, model_storage, resource, corrector)

    def train(self, training_data: TrainingData) -> Resource:
        seen: Counter[str] = Counter()
        for example in training_data.training_examples:
            seen.update(words(example.get(TEXT) or ""))
        listed: set[str] = set()
        for table in training_data.lookup_tables:
            for element in table.get("elements", []) or []:
                listed.update(words(str(element)))
        for surface, canonical in training_data.entity_synonyms.items():
            listed.update(words(f"{surface} {canonical}"))
        counts = Counter({w: n for w, n in seen.items() if n >= MIN_COUNT})
        counts.update({w: MIN_COUNT for w in listed if w not in counts})
        known = sorted(set(seen) | set(encoder_words(str(self._config["model_path"]))))
        with self._model_storage.write_to(self._resource) as model_dir:
            (Path(model_dir) / VOCABULARY_FILE).write_text(
                json.dumps({"counts": dict(counts), "known": known}), encoding="utf-8")
        self._corrector = SpellingCorrector(counts, known)
        return self._resource

    def _correct(self, message: Message) -> None:
        text = message.get(TEXT)
        if self._corrector is None or not isinstance(text, str) or not text:
            return
        corrected, fixes = self._corrector.correct(text)
        if fixes:
            message.set(TEXT, corrected)
            message.set(SPELLING_KEY, [{"written": f.written, "corrected": f.corrected}
                                       for f in fixes], add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Unchanged: every word of the training data is known, so none would be corrected
        (and their entity offsets stay valid)."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._correct(message)
        return messages
