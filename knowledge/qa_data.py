"""ePQA loading, ranking metrics and an embedding cache, shared by the QA evaluation and fitting.

ePQA (Amazon Science, CDLA-Sharing-1.0) gives ~10 labelled candidate passages per shopper
question: 0 irrelevant, 1 helpful, 2 fully answers. ``label`` and ``answer`` are read here for
metrics and fitting only; the scorer never sees them.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.embedding import Embedder
from knowledge.qa_scoring import Candidate


@dataclass(frozen=True)
class QAQuestion:
    """One ePQA question with its candidates and their labels (shape ``(n,)``)."""

    qid: str
    question: str
    asin: str
    title: str
    candidates: tuple[Candidate, ...]
    labels: np.ndarray


@dataclass(frozen=True)
class QAMetrics:
    """Ranking quality of a scorer on ePQA.

    ``p_at_1`` (top candidate fully answers, label 2) and ``hit_at_1`` (top candidate at least
    helps, label >= 1) are averaged over the ``n_answerable`` questions that have a label-2
    candidate; ``ndcg_at_5`` (linear gain = label) over the ``n_relevant`` questions with any
    label >= 1. This mixed convention is the one under which plain MiniLM cosine gives the
    team's 0.648 / 0.810 / 0.827 (over the 921 questions with a label >= 1 it gives P@1 0.567,
    Hit@1 0.781); ``p_at_1_relevant`` / ``hit_at_1_relevant`` report that stricter denominator.
    Questions whose candidates are all label 0 (56 in dev) are left out of everything.
    """

    p_at_1: float
    hit_at_1: float
    ndcg_at_5: float
    p_at_1_relevant: float
    hit_at_1_relevant: float
    n_answerable: int
    n_relevant: int

    def line(self) -> str:
        """One human-readable line."""
        return (f"P@1 {self.p_at_1:.3f}  Hit@1 {self.hit_at_1:.3f} (n={self.n_answerable})  "
                f"nDCG@5 {self.ndcg_at_5:.3f} (n={self.n_relevant});  over the {self.n_relevant}: "
                f"P@1 {self.p_at_1_relevant:.3f}  Hit@1 {self.hit_at_1_relevant:.3f}")


def load_epqa(path: Path, limit: int | None = None) -> list[QAQuestion]:
    """Read an ePQA CSV, grouping rows by ``qid`` in file order; ``limit`` keeps the first N."""
    grouped: dict[str, list[dict[str, str]]] = {}
    with Path(path).open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["qid"] not in grouped and limit is not None and len(grouped) >= limit:
                break
            grouped.setdefault(row["qid"], []).append(row)
    return [
        QAQuestion(
            qid=qid,
            question=rows[0]["question"],
            asin=rows[0]["ASIN"],
            title=rows[0]["title"],
            candidates=tuple(Candidate(r["candidate"], r["source"]) for r in rows),
            labels=np.array([int(r["label"]) for r in rows]),
        )
        for qid, rows in grouped.items()
    ]


def ndcg_at(labels_in_rank_order: np.ndarray, all_labels: np.ndarray, k: int = 5) -> float:
    """nDCG@k with linear gain; 0 when no label is positive."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float(np.sum(labels_in_rank_order[:k] * discounts[: len(labels_in_rank_order[:k])]))
    ideal = np.sort(all_labels)[::-1][:k]
    idcg = float(np.sum(ideal * discounts[: len(ideal)]))
    return dcg / idcg if idcg > 0 else 0.0


def ranking_metrics(scores: Sequence[np.ndarray], labels: Sequence[np.ndarray]) -> QAMetrics:
    """P@1, Hit@1, nDCG@5 of per-question scores against labels (see :class:`QAMetrics`)."""
    top: list[int] = []
    best: list[int] = []
    ndcg: list[float] = []
    for question_scores, question_labels in zip(scores, labels, strict=True):
        if question_labels.max(initial=0) < 1:
            continue
        # Ties are broken pessimistically (worst label first), never by file order: ePQA's
        # candidate order leaks the label.
        order = np.lexsort((question_labels, -np.asarray(question_scores)))
        ranked = question_labels[order]
        top.append(int(ranked[0]))
        best.append(int(question_labels.max()))
        ndcg.append(ndcg_at(ranked, question_labels))
    top_arr, best_arr = np.array(top), np.array(best)
    answerable = best_arr == 2

    def mean(values: np.ndarray) -> float:
        return float(values.mean()) if values.size else 0.0

    return QAMetrics(
        p_at_1=mean(top_arr[answerable] == 2),
        hit_at_1=mean(top_arr[answerable] >= 1),
        ndcg_at_5=mean(np.array(ndcg)),
        p_at_1_relevant=mean(top_arr == 2),
        hit_at_1_relevant=mean(top_arr >= 1),
        n_answerable=int(answerable.sum()),
        n_relevant=len(top),
    )


class CachingEmbedder:
    """Wraps an :class:`Embedder`, encoding each distinct text once (optionally across runs).

    Args:
        embedder: the real embedder.
        cache_file: ``.npz`` file keeping vectors between runs, or ``None`` for memory only.
    """

    def __init__(self, embedder: Embedder, cache_file: Path | None = None) -> None:
        self._embedder = embedder
        self.model_name = embedder.model_name
        self.dim = embedder.dim
        self._cache_file = cache_file
        self._vectors: dict[str, np.ndarray] = {}
        if cache_file is not None and Path(cache_file).exists():
            stored = np.load(cache_file)
            self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def warm(self, texts: Sequence[str], progress: bool = True) -> None:
        """Encode all not-yet-cached ``texts`` in one batch and persist the cache."""
        missing = sorted({t for t in texts if self._key(t) not in self._vectors})
        if missing:
            vectors = self._embedder.embed(missing, progress=progress)
            self._vectors.update(zip((self._key(t) for t in missing), vectors, strict=True))
            self.save()

    def save(self) -> None:
        """Write the cache file (no-op without one)."""
        if self._cache_file is None or not self._vectors:
            return
        keys = list(self._vectors)
        np.savez(self._cache_file, keys=np.array(keys),
                 vectors=np.stack([self._vectors[k] for k in keys]))

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Vectors of ``texts``, shape ``(len(texts), dim)``, encoding only cache misses."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        missing = list(dict.fromkeys(t for t in texts if self._key(t) not in self._vectors))
        if missing:
            vectors = self._embedder.embed(missing, progress=progress)
            self._vectors.update(zip((self._key(t) for t in missing), vectors, strict=True))
        return np.stack([self._vectors[self._key(t)] for t in texts]).astype(np.float32)


def texts_to_embed(questions: Sequence[QAQuestion]) -> list[str]:
    """Every text the scorers embed for ``questions`` (for one batched warm-up)."""
    from knowledge.qa_features import readable_text, split_qa

    texts: list[str] = []
    for q in questions:
        texts.append(q.question)
        for c in q.candidates:
            texts += [c.text, readable_text(c.text)]
            answer, asked = split_qa(c.text)
            if asked:
                texts += [answer, asked]
    return texts

