"""Tags the active store's product types, brands and materials that the entity tagger missed.

The store's gazetteer (:mod:`aisle.gazetteer`) is a small JSON file written when the store is
imported (``python -m catalog.import_catalog``); this component reads the one of ``AISLE_STORE``
under ``AISLE_STATE_DIR`` (nothing else: no catalog scan at start) and reads it again when the
file changes, so a store imported while Rasa runs is picked up on the next message. Without a
file it tags nothing.

It runs after the tagger, the price and the measure extractors and never overlaps their spans
(what they found wins). A run of words that is a term of the catalog, exactly or within a typo,
becomes an entity whose value is the catalog's spelling. Training only notes which words the
training data uses mostly outside any product, brand or material (they are never a term
alone: "order", "gift") and which words it knows at all (never read as a misspelt term).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from aisle.gazetteer import (
    TAGGED,
    Gazetteer,
    GazetteerError,
    GazetteerMatcher,
    message_words,
    path_from_env,
    training_words,
)
from bot.components.entity_spans import rule_entity

EXTRACTOR_NAME = "CatalogGazetteer"
WORDS_FILE = "gazetteer_words.json"
#: Confidence of a term matched within a typo (an exact match has 1.0).
FUZZY_CONFIDENCE = 0.8

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=True
)
class CatalogGazetteer(GraphComponent):
    """Adds the store's terms the earlier extractors missed, with the catalog's spelling."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # entities: the kinds tagged; common_min_count: uses outside any entity that make a
        # word too common to be a term alone.
        return {"entities": list(TAGGED), "common_min_count": 3}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 common: frozenset[str] = frozenset(), known: frozenset[str] = frozenset(),
                 path: Path | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage, self._resource = model_storage, resource
        self._common, self._known = common, known
        self._path = path_from_env() if path is None else path
        self._stamp: tuple[float, int] | None = None
        self._matcher: GazetteerMatcher | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k for k in TAGGED if k in self._config["entities"])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> CatalogGazetteer:
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CatalogGazetteer:
        common: frozenset[str] = frozenset()
        known: frozenset[str] = frozenset()
        try:
            with model_storage.read_from(resource) as model_dir:
                stored = json.loads((Path(model_dir) / WORDS_FILE).read_text("utf-8"))
            common, known = frozenset(stored["common"]), frozenset(stored["known"])
        except (ValueError, OSError, KeyError):
            logger.warning("CatalogGazetteer: no stored training words; every word may be a term")
        return cls(config, model_storage, resource, common, known)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [(m.get(TEXT) or "", list(m.get(ENTITIES) or []))
                    for m in training_data.training_examples]
        self._common, self._known = training_words(
            examples, self.kinds, int(self._config["common_min_count"]))
        with self._model_storage.write_to(self._resource) as model_dir:
            (Path(model_dir) / WORDS_FILE).write_text(json.dumps(
                {"common": sorted(self._common), "known": sorted(self._known)}), "utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data  # the training data's own labels stand

    def process(self, messages: list[Message]) -> list[Message]:
        matcher = self.matcher()
        if matcher is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            entities = list(message.get(ENTITIES, []) or [])
            taken = [(e[ENTITY_ATTRIBUTE_START], e[ENTITY_ATTRIBUTE_END]) for e in entities
                     if ENTITY_ATTRIBUTE_START in e and ENTITY_ATTRIBUTE_END in e]
            spans = matcher.find(message_words(text), taken)
            if not spans:
                continue
            for span in spans:
                entity = rule_entity(span.kind, span.start, span.end, span.value, EXTRACTOR_NAME)
                if not span.exact:
                    entity["confidence_entity"] = FUZZY_CONFIDENCE
                entities.append(entity)
            entities.sort(key=lambda e: e.get(ENTITY_ATTRIBUTE_START, 0))
            message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def matcher(self) -> GazetteerMatcher | None:
        """The matcher of the store's gazetteer as the file is now (read again when it
        changed); ``None`` when there is no file or it cannot be read."""
        if self._path is None:
            return None
        try:
            status = self._path.stat()
        except OSError:
            if self._stamp is not None:
                logger.info("CatalogGazetteer: %s is gone; tagging nothing", self._path)
            self._stamp, self._matcher = None, None
            return None
        stamp = (status.st_mtime, status.st_size)
        if stamp != self._stamp:
            self._stamp = stamp
            try:
                gazetteer = Gazetteer.read(self._path)
            except (OSError, GazetteerError) as error:
                logger.warning("CatalogGazetteer: cannot read %s (%s); tagging nothing",
                               self._path, error)
                self._matcher = None
            else:
                self._matcher = GazetteerMatcher(gazetteer, self.kinds, self._common,
                                                 self._known) or None
        return self._matcher
