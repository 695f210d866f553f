"""Label-free features of (question, candidate passage) pairs for :mod:`knowledge.qa_scoring`.

Everything here is computed from the question, the candidate texts and their sources only;
keyword statistics (BM25 document frequencies) are computed within the candidate set of one
question, so no corpus is needed at serving time.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from catalog import text as text_normaliser

_NUMBER = re.compile(r"\d")
_UNIT = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:\"|'|in(?:ch(?:es)?)?|ft|feet|foot|cm|mm|m|km|lbs?|pounds?|oz|ounces?|"
    r"kg|g|grams?|ml|l|liters?|litres?|gal(?:lons?)?|qt|cups?|w|watts?|v|volts?|amps?|mah|gb|tb|"
    r"hours?|hrs?|minutes?|mins?|days?|weeks?|months?|years?|%|x)\b"
)
_ATTRIBUTE = re.compile(r'^([a-z0-9_]+):\s*(.*)$', re.DOTALL)
_ATTRIBUTE_VALUE = re.compile(r'value:\s*"?([^"}]*)"?\s*}')
#: Marker ePQA (and Amazon community Q&A generally) uses between an answer and its question.
QA_MARKER = " Question: "

#: Shop-question words beyond the normaliser's stop words that say nothing about the answer
#: ("does this product work with…", "will the item fit"); compared as lemmas.
QUESTION_FILLER = frozenset(
    ["bought", "buy", "got", "having", "item", "ones", "product", "shall", "thing", "use", "work",
     "works", "yes"]
)
YES_NO_OPENERS = frozenset(
    ["is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "should", "has", "have", "had", "may", "might"]
)
QUANTITY_CUES = re.compile(
    r"\b(how (?:many|much|long|big|tall|wide|high|heavy|deep|thick|far|large|small)|"
    r"what (?:size|sizes|length|width|height|weight|dimensions?|capacity|voltage|wattage|is the size)|"
    r"size|dimensions?|weight|measure|inches|capacity)\b"
)
AFFIRMATIVE = re.compile(r"\b(yes|yeah|yep|no|not|nope|does|doesn't|don't|won't|can't|will|did)\b")
#: An answer that opens with a plain yes or no commits to one; "it does not…" answers too, but
#: in ePQA a bare opening "yes"/"no" is what separates a full answer from a merely related one.
YES_NO_OPENING = re.compile(r"^\W*(?:yes|yeah|yep|yea|no|nope)\b")
#: Hedges mark an answer its writer was unsure of (ePQA labels those "helpful", not "answers").
#: Directives such as "contact us" are left out: Aisle's policy passages use them to state rules.
HEDGE = re.compile(
    r"\b(not sure|unsure|don'?t know|do not know|no idea|i think|i believe|maybe|probably|perhaps|"
    r"might|i guess|not certain|can'?t say|cannot say|i would (?:think|guess|assume)|depends|"
    r"not that i know)\b"
)

#: Aisle source names the scorer knows; ePQA names are mapped onto them.
SOURCES = ("description", "attribute", "review", "qa")
SOURCE_ALIASES = {
    "description": "description",
    "bullet": "description",
    "policy": "description",
    "attribute": "attribute",
    "review": "review",
    "cqa": "qa",
    "qa": "qa",
}

FEATURE_NAMES = (
    "cosine",
    "answer_cosine",
    "question_cosine",
    "bm25",
    "overlap",
    "log_length",
    "yes_no_x_affirmative",
    "quantity_x_unit",
    "yes_no_x_opening",
    "hedged",
    *(f"source_{s}" for s in SOURCES),
    "centrality",
    "question_weighted_centrality",
    "answer_cosine_rank",
    "bm25_rank",
)


@lru_cache(maxsize=1)
def _filler_lemmas() -> frozenset[str]:
    return frozenset(text_normaliser.lemma(w) for w in QUESTION_FILLER)


def content_words(text: str) -> list[str]:
    """Lemmas of the content words of ``text`` (:func:`catalog.text.terms` without filler)."""
    filler = _filler_lemmas()
    return [t for t in text_normaliser.terms(text) if t not in filler and len(t) > 1]


def canonical_source(source: str) -> str:
    """Map an Aisle or ePQA source name to one of :data:`SOURCES` (unknown -> description)."""
    return SOURCE_ALIASES.get(source.lower(), "description")


def readable_text(text: str) -> str:
    """Rewrite an ePQA attribute line ``key:  { value:"x" }`` as ``key: x`` for embedding.

    Other passages (and Aisle's own ``material: cotton`` lines) come back unchanged.
    """
    match = _ATTRIBUTE.match(text.strip())
    if match is None or "value:" not in match.group(2):
        return text
    values = [v.strip() for v in _ATTRIBUTE_VALUE.findall(match.group(2)) if v.strip()]
    return f"{match.group(1).replace('_', ' ')}: {', '.join(values)}"


def split_qa(text: str) -> tuple[str, str]:
    """Split a community Q&A passage into ``(answer, question)``; ``question`` is "" if absent."""
    if QA_MARKER not in text:
        return text, ""
    answer, question = text.split(QA_MARKER, 1)
    return answer.strip(), question.strip()


def bm25(query: Sequence[str], documents: Sequence[Sequence[str]], k1: float = 1.2,
         b: float = 0.75) -> np.ndarray:
    """BM25 of ``query`` terms against each document, IDF taken within ``documents``.

    Returns shape ``(len(documents),)``; all zeros when there is no query term.
    """
    n_docs = len(documents)
    scores = np.zeros(n_docs, dtype=np.float32)
    if n_docs == 0 or not query:
        return scores
    avg_len = max(sum(len(d) for d in documents) / n_docs, 1.0)
    doc_freq = Counter(t for d in documents for t in set(d))
    for i, doc in enumerate(documents):
        counts = Counter(doc)
        norm = k1 * (1 - b + b * len(doc) / avg_len)
        for term in set(query):
            tf = counts.get(term, 0)
            if tf:
                df = doc_freq[term]
                idf = math.log(1 + (n_docs - df + 0.5) / (df + 0.5))
                scores[i] += idf * tf * (k1 + 1) / (tf + norm)
    return scores


def average_rank(values: np.ndarray) -> np.ndarray:
    """Rank of each value in descending order scaled to [0, 1]; ties share their mean rank.

    Ties must not be broken by position: ePQA lists its candidates in an order that leaks the
    label (no label-2 passage ever sits in positions 6-10).
    """
    n = len(values)
    if n <= 1:
        return np.zeros(n, dtype=np.float32)
    greater = (values[None, :] > values[:, None]).sum(axis=1)
    equal = (values[None, :] == values[:, None]).sum(axis=1)
    return ((greater + (equal - 1) / 2) / (n - 1)).astype(np.float32)


def centrality(answer_vectors: np.ndarray, answer_cosine: np.ndarray) -> tuple[np.ndarray,
                                                                                  np.ndarray]:
    """How much each passage agrees with the other passages of the set.

    Returns the mean cosine to the other passages and the mean of that cosine times the
    others' (clipped) cosine to the question, both shape ``(n,)``; zeros for a single passage. Passages
    that fully answer a question tend to say what other good passages say.
    """
    n = len(answer_vectors)
    if n <= 1:
        return np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    sims = answer_vectors @ answer_vectors.T
    np.fill_diagonal(sims, 0.0)
    plain = sims.sum(axis=1) / (n - 1)
    weight = np.maximum(answer_cosine, 0.0)
    # Normalised by the others' total weight only once it exceeds 1: a set of passages that agree
    # with one another but are all off-topic (cosine ~0) must not look like a consensus answer.
    weighted = sims @ weight / np.maximum(weight.sum() - weight, 1.0)
    return plain.astype(np.float32), weighted.astype(np.float32)


def is_yes_no(question: str) -> bool:
    """Whether a question expects a yes/no answer ("does it fit…", "is it waterproof?")."""
    words = text_normaliser.tokens(question)
    return bool(words) and words[0] in YES_NO_OPENERS


def asks_quantity(question: str) -> bool:
    """Whether a question asks for a size, amount, duration or other measured quantity."""
    return QUANTITY_CUES.search(question.lower()) is not None


def feature_matrix(question: str, texts: Sequence[str], sources: Sequence[str],
                   cosine: np.ndarray, answer_cosine: np.ndarray,
                   question_cosine: np.ndarray, answer_vectors: np.ndarray) -> np.ndarray:
    """Features of each candidate, shape ``(len(texts), len(FEATURE_NAMES))``.

    Args:
        question: the shopper's question.
        texts: candidate passages (raw).
        sources: candidate sources (Aisle or ePQA names).
        cosine: cosine of the question with each whole passage, shape ``(n,)``.
        answer_cosine: cosine with the answer part of Q&A passages (else the passage).
        question_cosine: cosine with the question part of Q&A passages (else the passage).
        answer_vectors: unit vectors of the answer parts (else the passages), ``(n, dim)``.
    """
    query = content_words(question)
    docs = [content_words(readable_text(t)) for t in texts]
    keyword = bm25(query, docs)
    query_set = set(query)
    overlap = np.array(
        [len(query_set & set(d)) / len(query_set) if query_set else 0.0 for d in docs],
        dtype=np.float32,
    )
    # Set-relative features are centred within the candidate set: a linear model's ranking
    # within a set is unchanged, while the absolute level of a score (what ``threshold`` is
    # compared with) stays driven by per-passage evidence, and a lone candidate gets 0.
    set_relative = [centrality(answer_vectors, answer_cosine)[0],
                    centrality(answer_vectors, answer_cosine)[1],
                    average_rank(answer_cosine), average_rank(keyword)]
    central, weighted_central, answer_rank, keyword_rank = (v - v.mean() for v in set_relative)
    yes_no, quantity = is_yes_no(question), asks_quantity(question)
    rows = []
    for i, text in enumerate(texts):
        # Split before lower-casing: the Q&A marker is " Question: ".
        answer = split_qa(text)[0].lower()
        source = canonical_source(sources[i])
        rows.append([
            cosine[i],
            answer_cosine[i],
            question_cosine[i],
            keyword[i],
            overlap[i],
            math.log1p(len(text_normaliser.tokens(text))),
            float(yes_no and AFFIRMATIVE.search(answer) is not None),
            float(quantity and (_UNIT.search(answer) is not None or _NUMBER.search(answer) is not None)),
            float(yes_no and YES_NO_OPENING.search(answer) is not None),
            float(HEDGE.search(answer) is not None),
            *(float(source == s) for s in SOURCES),
            central[i],
            weighted_central[i],
            answer_rank[i],
            keyword_rank[i],
        ])
    return np.asarray(rows, dtype=np.float32).reshape(len(texts), len(FEATURE_NAMES))
