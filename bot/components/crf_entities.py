"""Rasa's CRF entity extractor, saved as trained instead of retrained at every load.

Rasa 3.6's ``CRFEntityExtractor`` stores its whole training set in the model (every token's
features, MiniLM vectors included: about 200 MB of JSON for the Luma data) and trains the CRFs
again from it each time a model is loaded, which added most of a minute to every server start.
This subclass keeps Rasa's features, training and prediction, and changes only what is saved:
the trained CRFsuite model of each tagger (a few hundred kB) and the tagger order. Loading
opens those models; nothing is trained at load. (Rasa's incremental ``--finetune`` of this
component, which needed the stored training set, is not supported.)
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor, CRFToken

logger = logging.getLogger(__name__)

ORDER_FILE = "crf_order.json"
MODEL_SUFFIX = ".crfsuite"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class CRFEntityTagger(CRFEntityExtractor):
    """Linear-chain CRF entity tagger whose trained models are stored, not its training data."""

    def persist(self, dataset: list[list[CRFToken]]) -> None:
        """Store each trained tagger's CRFsuite model (``dataset`` is not kept)."""
        with self._model_storage.write_to(self._resource) as model_dir:
            for tag_name in self.crf_order:
                tagger = self.entity_taggers[tag_name]
                (model_dir / f"{tag_name}{MODEL_SUFFIX}").write_bytes(
                    _read(tagger.modelfile.name))
            rasa.shared.utils.io.dump_obj_as_json_to_file(model_dir / ORDER_FILE, self.crf_order)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> CRFEntityTagger:
        """Open the stored CRFsuite models; an untrained resource gives an empty tagger."""
        try:
            with model_storage.read_from(resource) as model_dir:
                crf_order = rasa.shared.utils.io.read_json_file(model_dir / ORDER_FILE)
                taggers = OrderedDict(
                    (tag_name, _open(_read(model_dir / f"{tag_name}{MODEL_SUFFIX}")))
                    for tag_name in crf_order)
        except (ValueError, FileNotFoundError):
            logger.warning("no trained CRF entity tagger in %s; entities will be empty",
                           resource.name)
            return cls(config, model_storage, resource)
        extractor = cls(config, model_storage, resource, taggers)
        extractor.crf_order = crf_order
        return extractor


def _read(path: object) -> bytes:
    with open(str(path), "rb") as model_file:
        return model_file.read()


def _open(model: bytes) -> Any:
    """A sklearn-crfsuite ``CRF`` ready to tag, from a CRFsuite model file's bytes."""
    import sklearn_crfsuite

    crf = sklearn_crfsuite.CRF()
    crf.modelfile.refresh()  # a temporary file owned (and removed) by the CRF object
    with open(crf.modelfile.name, "wb") as model_file:
        model_file.write(model)
    if crf.tagger_ is None:  # opens the model now, so a bad file fails the load, not a turn
        raise ValueError("CRFsuite model could not be opened")
    return crf
