"""The intent model behind the Rasa IntentClassifier: fit, probabilities, save and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.components.intent_model import ARRAYS_FILE, CONFIG_FILE, IntentModel

TEXTS = ["hi there", "hello", "hey, good morning", "bye now", "see you later", "goodbye then",
         "show me black jackets", "find running shoes", "i need a yoga mat"]
LABELS = ["greet"] * 3 + ["goodbye"] * 3 + ["search_products"] * 3


def _dense(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 384))


def test_learns_the_intents_from_words_and_characters() -> None:
    model = IntentModel().fit(TEXTS, _dense(len(TEXTS)), LABELS)
    assert model.classes == ["goodbye", "greet", "search_products"]
    probabilities = model.predict_proba(["hello there", "show me jackets", "bye"], _dense(3, 1))
    assert probabilities.shape == (3, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    predicted = [model.classes[i] for i in probabilities.argmax(axis=1)]
    assert predicted == ["greet", "search_products", "goodbye"]


def test_the_sentence_vector_counts() -> None:
    """Texts sharing no words are told apart by their dense vectors alone."""
    dense = np.zeros((len(TEXTS), 384))
    for row, label in enumerate(LABELS):
        dense[row, ["greet", "goodbye", "search_products"].index(label)] = 1.0
    model = IntentModel().fit(TEXTS, dense, LABELS)
    probe = np.zeros((1, 384))
    probe[0, 2] = 1.0
    row = model.predict_proba(["zzz"], probe)[0]
    assert model.classes[int(row.argmax())] == "search_products"


def test_blank_vectors_are_allowed() -> None:
    model = IntentModel().fit(TEXTS, _dense(len(TEXTS)), LABELS)
    assert np.isfinite(model.predict_proba([""], np.zeros((1, 384)))).all()


def test_save_and_load_give_the_same_probabilities_without_pickle(tmp_path: Path) -> None:
    model = IntentModel().fit(TEXTS, _dense(len(TEXTS)), LABELS)
    model.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([CONFIG_FILE, ARRAYS_FILE])
    with np.load(tmp_path / ARRAYS_FILE, allow_pickle=False) as arrays:
        assert set(arrays.files) == {"word_idf", "char_idf", "coef", "intercept"}
    loaded = IntentModel.load(tmp_path)
    probe = ["good morning", "jackets please"]
    np.testing.assert_allclose(loaded.predict_proba(probe, _dense(2, 2)),
                               model.predict_proba(probe, _dense(2, 2)))
    assert loaded.classes == model.classes


def test_refuses_training_data_it_cannot_learn_from() -> None:
    with pytest.raises(ValueError, match="at least two intents"):
        IntentModel().fit(TEXTS[:3], _dense(3), LABELS[:3])
    with pytest.raises(ValueError, match="same length"):
        IntentModel().fit(TEXTS, _dense(4), LABELS)


def test_blend_matches_columns_by_intent_name() -> None:
    from bot.components.intent_model import blend

    first = np.array([[0.6, 0.3, 0.1]])
    second = np.array([[0.8, 0.2]])  # columns: search_products, greet; goodbye missing
    mixed = blend(first, ["goodbye", "greet", "search_products"], second,
                  ["search_products", "greet"], 0.25)
    np.testing.assert_allclose(mixed, [[0.75 * 0.6, 0.75 * 0.3 + 0.25 * 0.2,
                                        0.75 * 0.1 + 0.25 * 0.8]])
