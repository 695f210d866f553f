"""scripts.bench_action_start's stand-in tower for a big item index (--fill-items)."""

from __future__ import annotations

import numpy as np

from scripts.bench_action_start import ReusingTower


class CountingTower:
    model_name, dim = "aisle-two-tower:abc", 8

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        rows = np.random.default_rng(len(self.texts)).normal(size=(len(texts), self.dim))
        return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_only_the_first_texts_are_encoded_the_rest_are_unit_noisy_copies() -> None:
    tower = CountingTower()
    reusing = ReusingTower(tower, encoded=5)  # type: ignore[arg-type]
    assert (reusing.model_name, reusing.dim) == (tower.model_name, tower.dim)
    first = reusing.embed(["a", "b", "c"])
    second = reusing.embed(["d", "e", "f", "g"])
    third = reusing.embed(["h", "i"])
    assert tower.texts == ["a", "b", "c", "d", "e"]  # the tower saw the first five only
    assert [len(v) for v in (first, second, third)] == [3, 4, 2]
    assert np.allclose(second[:2], reusing.vectors[3:5])  # "d", "e" are the tower's own
    copies = np.concatenate([second[2:], third])
    assert np.allclose(np.linalg.norm(copies, axis=1), 1.0, atol=1e-5)
    nearest = (copies @ reusing.vectors.T).max(axis=1)
    assert (nearest > 0.7).all() and (nearest < 0.9999).all()  # near one original, not equal
