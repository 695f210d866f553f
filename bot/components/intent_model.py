"""The intent model: a linear classifier over word n-grams, character n-grams and MiniLM.

Pure scikit-learn and NumPy (no Rasa), so the Rasa component
(:mod:`bot.components.intent_classifier`) and the quick cross-validation script
(``scripts/intent_quick_cv.py``) use exactly the same model.

Features of a message, concatenated:

* TF-IDF of lower-cased word 1-2-grams (sublinear counts, L2-normalised), ``(n, V_w)``;
* TF-IDF of lower-cased character 2-5-grams inside word boundaries, ``(n, V_c)``;
* the L2-normalised all-MiniLM-L6-v2 sentence vector, ``(n, 384)``, times ``dense_weight``.

A multinomial logistic regression on these gives calibrated-enough probabilities for the
fallback threshold and the "Did you mean …?" ranking. On the project's NLU data it held out
better than DIET's intent head (docs/nlu.md): the data is small (a few thousand examples)
and DIET memorised it within a few epochs.

Persistence is plain JSON and ``.npz`` (vocabularies, IDF weights, coefficients): nothing is
pickled, so loading a model folder runs no code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

CONFIG_FILE = "intent_model.json"
ARRAYS_FILE = "intent_model.npz"


@dataclass(frozen=True)
class IntentModelConfig:
    """Hyper-parameters (chosen by 5-fold CV on the project's data, see docs/nlu.md)."""

    C: float = 50.0
    dense_weight: float = 2.0
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    max_iter: int = 3000


def _word_vectorizer(config: IntentModelConfig) -> TfidfVectorizer:
    return TfidfVectorizer(ngram_range=config.word_ngrams, sublinear_tf=True, lowercase=True)


def _char_vectorizer(config: IntentModelConfig) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=config.char_ngrams,
                           sublinear_tf=True, lowercase=True)


def _unit_rows(dense: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1; all-zero rows (blank messages) stay zero."""
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)


class IntentModel:
    """Fit on (texts, MiniLM sentence vectors, labels); predict a probability per intent."""

    def __init__(self, config: IntentModelConfig | None = None) -> None:
        self.config = config or IntentModelConfig()
        self._words = _word_vectorizer(self.config)
        self._chars = _char_vectorizer(self.config)
        self._classifier = LogisticRegression(C=self.config.C, max_iter=self.config.max_iter)

    @property
    def classes(self) -> list[str]:
        """Intent names, in the column order of :meth:`predict_proba`."""
        return [str(name) for name in self._classifier.classes_]

    def _features(self, texts: Sequence[str], dense: np.ndarray) -> sparse.csr_matrix:
        dense = _unit_rows(np.asarray(dense, dtype=np.float64).reshape(len(texts), -1))
        return sparse.hstack([
            self._words.transform(texts), self._chars.transform(texts),
            sparse.csr_matrix(dense * self.config.dense_weight),
        ]).tocsr()

    def fit(self, texts: Sequence[str], dense: np.ndarray, labels: Sequence[str]) -> IntentModel:
        """Train on ``texts`` with their sentence vectors ``dense`` ``(n, dim)``."""
        if len(set(labels)) < 2:
            raise ValueError("the intent model needs examples of at least two intents")
        if not (len(texts) == len(labels) == len(dense)):
            raise ValueError("texts, dense vectors and labels must have the same length")
        self._words.fit(texts)
        self._chars.fit(texts)
        self._classifier.fit(self._features(texts, dense), list(labels))
        return self

    def predict_proba(self, texts: Sequence[str], dense: np.ndarray) -> np.ndarray:
        """Probabilities ``(n, n_intents)``, columns in :attr:`classes` order."""
        return self._classifier.predict_proba(self._features(texts, dense))

    def save(self, folder: Path) -> None:
        """Write the model as JSON and ``.npz`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "config": {**self.config.__dict__},
            "classes": self.classes,
            "word_vocabulary": {k: int(v) for k, v in self._words.vocabulary_.items()},
            "char_vocabulary": {k: int(v) for k, v in self._chars.vocabulary_.items()},
        }
        (folder / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
        np.savez_compressed(
            folder / ARRAYS_FILE, word_idf=self._words.idf_, char_idf=self._chars.idf_,
            coef=self._classifier.coef_, intercept=self._classifier.intercept_,
        )

    @classmethod
    def load(cls, folder: Path) -> IntentModel:
        """The model :meth:`save` wrote to ``folder``."""
        saved = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        raw = saved["config"]
        config = IntentModelConfig(
            C=float(raw["C"]), dense_weight=float(raw["dense_weight"]),
            word_ngrams=tuple(raw["word_ngrams"]), char_ngrams=tuple(raw["char_ngrams"]),
            max_iter=int(raw["max_iter"]),
        )
        model = cls(config)
        with np.load(folder / ARRAYS_FILE) as arrays:
            model._words.vocabulary_ = saved["word_vocabulary"]
            model._words.idf_ = arrays["word_idf"]
            model._chars.vocabulary_ = saved["char_vocabulary"]
            model._chars.idf_ = arrays["char_idf"]
            model._classifier.classes_ = np.array(saved["classes"])
            model._classifier.coef_ = arrays["coef"]
            model._classifier.intercept_ = arrays["intercept"]
        return model


def blend(first: np.ndarray, first_classes: Sequence[str], second: np.ndarray,
          second_classes: Sequence[str], weight: float) -> np.ndarray:
    """``(1 - weight) * first + weight * second``, ``(n, len(first_classes))``.

    ``second``'s columns are matched to ``first_classes`` by name; an intent ``second`` lacks
    gets 0 from it.
    """
    column = {name: i for i, name in enumerate(second_classes)}
    aligned = np.zeros_like(first, dtype=np.float64)
    for i, name in enumerate(first_classes):
        if name in column:
            aligned[:, i] = second[:, column[name]]
    return (1.0 - weight) * first + weight * aligned
