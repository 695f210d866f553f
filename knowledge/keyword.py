"""A small in-memory BM25 index, for the store's policy passages in grounded answers.

Products are no longer ranked here: product search ranks keywords with the catalog database's
full-text engine (:mod:`catalog.search_index`: SQLite FTS5 ``bm25()``, PostgreSQL
``ts_rank_cd``), which needs nothing rebuilt at start-up. The policy passages are a few dozen
headed sections, so this index costs milliseconds; it uses the shop's one text normaliser
(:mod:`catalog.text`): lower-cased lemmas without punctuation or stop words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from catalog import text


def tokenize(text_: str, *, drop_stopwords: bool = True) -> list[str]:
    """Lemmas of the words of ``text_`` (:func:`catalog.text.terms`), stop words dropped.

    Hyphenated words yield their parts and the joined form (``gore-tex`` -> ``gore``, ``tex``,
    ``goretex``) so either spelling matches.
    """
    return text.terms(text_, keep_stopwords=not drop_stopwords, join_hyphenated=True)


class BM25Index:
    """Okapi BM25 over a fixed list of documents.

    Args:
        ids: one id per document.
        texts: the document texts, same order.
        k1, b: the usual BM25 parameters.
    """

    def __init__(self, ids: Sequence[str], texts: Sequence[str], k1: float = 1.2,
                 b: float = 0.75) -> None:
        if len(ids) != len(texts):
            raise ValueError("ids and texts must have the same length")
        self.ids = list(ids)
        self._position = {doc_id: i for i, doc_id in enumerate(self.ids)}
        self._k1, self._b = k1, b
        docs = [tokenize(t) for t in texts]
        self._lengths = np.array([len(d) for d in docs], dtype=np.float32)
        self._avg_length = float(self._lengths.mean()) if len(docs) else 0.0
        postings: dict[str, dict[int, int]] = {}
        for i, doc in enumerate(docs):
            for token in doc:
                counts = postings.setdefault(token, {})
                counts[i] = counts.get(i, 0) + 1
        n = len(docs)
        # Each term: (document indices, term frequencies, idf); numpy arrays keep scoring fast.
        self._postings: dict[str, tuple[np.ndarray, np.ndarray, float]] = {
            term: (
                np.fromiter(counts.keys(), dtype=np.int64, count=len(counts)),
                np.fromiter(counts.values(), dtype=np.float32, count=len(counts)),
                float(np.log(1.0 + (n - len(counts) + 0.5) / (len(counts) + 0.5))),
            )
            for term, counts in postings.items()
        }

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query``, shape ``(len(self),)``."""
        total = np.zeros(len(self.ids), dtype=np.float32)
        if not self.ids:
            return total
        norm = self._k1 * (1 - self._b + self._b * self._lengths / max(self._avg_length, 1e-9))
        for term in dict.fromkeys(tokenize(query)):
            if term not in self._postings:
                continue
            docs, tf, idf = self._postings[term]
            total[docs] += idf * tf * (self._k1 + 1) / (tf + norm[docs])
        return total

    def search(self, query: str, k: int | None = None,
               allowed: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """Ids with a positive score, best first, optionally restricted to ``allowed`` ids."""
        scores = self.scores(query)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[[self._position[i] for i in allowed if i in self._position]] = True
            scores = np.where(mask, scores, 0.0)
        order = np.argsort(-scores, kind="stable")
        hits = [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]
        return hits if k is None else hits[:k]

    def matched_terms(self, query: str, doc_id: str) -> list[str]:
        """Words of ``query`` (as the shopper wrote them) that occur in document ``doc_id``."""
        position = self._position.get(doc_id)
        if position is None:
            return []
        matched: list[str] = []
        for word in text.words(query):
            terms = tokenize(word)
            hit = any(
                position in set(self._postings[t][0].tolist())
                for t in terms if t in self._postings
            )
            if hit and word not in matched:
                matched.append(word)
        return matched
