"""Scoring of candidate passages for a shopper's question.

The assistant picks supporting sentences with :class:`PassageScorer`, and
``knowledge.evaluate_qa`` measures exactly this scoring on ePQA.

The score is a logistic combination of a few label-free features (MiniLM cosine of the whole
passage and of the answer / question halves of Q&A passages, BM25 and word overlap of the
question's content words within the candidate set, length, question-type cues, whether an
answer opens with a plain yes/no or hedges ("not sure", "i think"), source prior;
see :mod:`knowledge.qa_features`). Weights live in ``knowledge/qa_scorer.json``, written by
``python -m knowledge.qa_fit`` (fitted on all of ePQA dev; out-of-fold figures are in the file
and printed by ``python -m knowledge.evaluate_qa``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from knowledge.embedding import Embedder
from knowledge.qa_features import FEATURE_NAMES, feature_matrix, readable_text, split_qa

DEFAULT_WEIGHTS = Path(__file__).with_name("qa_scorer.json")


@dataclass(frozen=True)
class Candidate:
    """A passage that may answer a question.

    ``source`` is one of ``description``, ``review``, ``policy``, ``attribute`` (Aisle's own
    sources) or an ePQA source name.
    """

    text: str
    source: str


@dataclass(frozen=True)
class ScorerWeights:
    """A fitted logistic combination of :data:`FEATURE_NAMES`.

    ``score = sigmoid(((x - mean) / scale) @ coef + intercept)``; ``threshold`` is on that score.
    ``info`` records how the weights were fitted and their cross-validated metrics.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    info: dict[str, object]

    @classmethod
    def load(cls, path: Path) -> ScorerWeights:
        """Read weights written by :meth:`save`; refuses a file for other features."""
        raw = json.loads(Path(path).read_text())
        weights = cls(
            features=tuple(raw["features"]),
            mean=tuple(raw["mean"]),
            scale=tuple(raw["scale"]),
            coef=tuple(raw["coef"]),
            intercept=float(raw["intercept"]),
            threshold=float(raw["threshold"]),
            info=dict(raw.get("info", {})),
        )
        if weights.features != FEATURE_NAMES:
            raise ValueError(f"{path}: weights are for features {weights.features}, "
                             f"this code computes {FEATURE_NAMES}")
        return weights

    def save(self, path: Path) -> Path:
        """Write the weights as JSON and return ``path``."""
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n")
        return Path(path)

    def apply(self, features: np.ndarray) -> np.ndarray:
        """Scores in (0, 1) for a feature matrix of shape ``(n, n_features)``."""
        z = (features - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = z @ np.asarray(self.coef) + self.intercept
        return (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)


class PassageScorer:
    """Scores candidates for a question; higher is better, ``threshold`` marks "grounded".

    Args:
        embedder: sentence embedder (MiniLM in production, a fake in unit tests).
        weights: fitted weights, a path to them, or ``None`` for plain cosine similarity
            (the zero-shot baseline, threshold :data:`COSINE_THRESHOLD`).
    """

    #: Threshold of the plain-cosine mode: a MiniLM cosine below this is "not about this".
    COSINE_THRESHOLD = 0.35
    threshold: float = COSINE_THRESHOLD

    def __init__(self, embedder: Embedder,
                 weights: ScorerWeights | Path | None = DEFAULT_WEIGHTS) -> None:
        self.embedder = embedder
        if isinstance(weights, (str, Path)):
            weights = ScorerWeights.load(Path(weights))
        self.weights = weights
        self.threshold = weights.threshold if weights is not None else self.COSINE_THRESHOLD

    @classmethod
    def plain_cosine(cls, embedder: Embedder) -> PassageScorer:
        """The zero-shot baseline: MiniLM cosine of question and passage."""
        return cls(embedder, weights=None)

    def score(
        self,
        question: str,
        candidates: Sequence[Candidate],
        candidate_vectors: np.ndarray | None = None,
    ) -> np.ndarray:
        """Return one score per candidate, shape ``(len(candidates),)``.

        ``candidate_vectors`` (shape ``(len(candidates), dim)``, unit norm) may be passed when
        the caller already has the embeddings (e.g. from Chroma), to avoid re-encoding.
        """
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        if self.weights is None:
            if candidate_vectors is None:
                candidate_vectors = self.embedder.embed([c.text for c in candidates])
            query = self.embedder.embed([question])[0]
            return (candidate_vectors @ query).astype(np.float32)
        return self.weights.apply(self.features(question, candidates, candidate_vectors))

    def features(self, question: str, candidates: Sequence[Candidate],
                 candidate_vectors: np.ndarray | None = None) -> np.ndarray:
        """Feature matrix of the candidates, shape ``(len(candidates), len(FEATURE_NAMES))``."""
        texts = [c.text for c in candidates]
        if candidate_vectors is None:
            candidate_vectors = self.embedder.embed([readable_text(t) for t in texts])
        query = self.embedder.embed([question])[0]
        cosine = (candidate_vectors @ query).astype(np.float32)
        answer_vectors = np.array(candidate_vectors, dtype=np.float32, copy=True)
        question_cosine = cosine.copy()
        halves = [(i, a, q) for i, t in enumerate(texts) for a, q in [split_qa(t)] if q]
        if halves:
            parts = self.embedder.embed([p for _, a, q in halves for p in (a, q)])
            for k, (i, _, _) in enumerate(halves):
                answer_vectors[i] = parts[2 * k]
                question_cosine[i] = parts[2 * k + 1] @ query
        answer_cosine = (answer_vectors @ query).astype(np.float32)
        return feature_matrix(question, texts, [c.source for c in candidates],
                              cosine, answer_cosine, question_cosine, answer_vectors)

    def grounded(self, scores: np.ndarray) -> np.ndarray:
        """Boolean mask of the scores that count as grounded (``>= threshold``)."""
        return np.asarray(scores) >= self.threshold
