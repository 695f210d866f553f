"""Grounded answers: quote the catalog's own sentences, or say we don't know.

Candidates come from the ``passages`` collection (all of a product's passages with their
stored vectors, or the top policy passages by dense + keyword rank), a :class:`PassageScorer`
scores them, and the best one to three above ``scorer.threshold`` are quoted verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from catalog.text import is_dictionary_word
from knowledge.keyword import BM25Index, tokenize
from knowledge.qa_scoring import Candidate
from knowledge.search import rrf
from knowledge.store import StoredPassage

MAX_QUOTES = 3
MARGIN = 0.1  # further quotes must score within this of the best one
# Words of a question that say nothing about what the answer must mention.
_GENERIC_WORDS = frozenset(tokenize(
    "policy policies store shop luma product products item items thing one ones it this that "
    "do does did can could will would have has you your yours i me my we our us tell know "
    "about please much many what which how when where who why any some there made long take "
    "get need want work works like"))
_POLICY_WORD = re.compile(r"\b(?:store\s+)?polic(?:y|ies)\b", re.IGNORECASE)
_PREFIX = 4  # "washable" matches "wash", "internationally" matches "international"
#: Store pages answer a question with words they never use ("is shipping free?") only when
#: the best section matches at least this well. Chosen on 16 questions to the Luma pages with
#: the shipped scorer: answerable ones scored 0.35-0.58 (free shipping, refund time, weekend
#: delivery), unanswerable ones 0.17-0.29 (visa, paypal, bitcoin, warranty, price match).
PARTIAL_MATCH_FLOOR = 0.32
_NAME_MIN_LENGTH = 4  # shorter unknown words are abbreviations ("btw", "pls"), not names
POLICY_DEPTH = 12
NOT_KNOWN = ("I'm sorry, I don't know that from our catalog and store pages. "
             "Would you like me to ask one of my human colleagues?")
_LEADS = {
    "description": "The product description says",
    "attribute": "The product details say",
    "review": "A shopper's review says",
    "policy": "Our store policy says",
}


class Scorer(Protocol):
    """What answers need of :class:`knowledge.qa_scoring.PassageScorer`."""

    threshold: float

    def score(self, question: str, candidates: Sequence[Candidate],
              candidate_vectors: np.ndarray | None = None) -> np.ndarray: ...


class PassageSource(Protocol):
    """What answers need of :class:`knowledge.store.KnowledgeStore`."""

    def product_passages(self, product_id: str) -> list[StoredPassage]: ...

    def get_passages(self, where: dict[str, Any]) -> list[StoredPassage]: ...

    def query_passages(self, vector: np.ndarray, n: int,
                       where: dict[str, Any] | None = None) -> list[StoredPassage]: ...


class QueryEmbedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Citation:
    """A verbatim quote from the catalog and where it comes from."""

    source: str
    product_id: str | None
    title: str
    quote: str


@dataclass(frozen=True)
class Answer:
    """An answer to a shopper's question; ``grounded`` answers cite their quotes."""

    text: str
    grounded: bool
    citations: list[Citation] = field(default_factory=list)


def not_known() -> Answer:
    """The honest answer when nothing in the catalog supports one."""
    return Answer(text=NOT_KNOWN, grounded=False, citations=[])


def key_terms(question: str) -> set[str]:
    """The question's content words that an answer should mention (stems, no generic words)."""
    return set(tokenize(question)) - _GENERIC_WORDS


def _matches(term: str, tokens: set[str]) -> bool:
    if term in tokens:
        return True
    if len(term) < _PREFIX:
        return False
    return any(len(t) >= _PREFIX and (t.startswith(term) or term.startswith(t)) for t in tokens)


def rarest_terms(question: str, texts: Sequence[str]) -> set[str]:
    """The question's key words found in the fewest candidate texts (absent ones first)."""
    terms = key_terms(question)
    if not terms:
        return set()
    tokenized = [set(tokenize(t)) for t in texts]
    frequency = {term: sum(_matches(term, tokens) for tokens in tokenized) for term in terms}
    fewest = min(frequency.values())
    return {term for term, count in frequency.items() if count == fewest}


def mentions(question_terms: set[str], text: str) -> bool:
    """Whether ``text`` contains one of the question's key words (or it has none)."""
    tokens = set(tokenize(text))
    return not question_terms or any(_matches(term, tokens) for term in question_terms)


def unknown_terms(question: str, vocabulary: set[str]) -> set[str]:
    """Key words of the question that no passage of the corpus contains ("paypal")."""
    return {term for term in key_terms(question) if not _matches(term, vocabulary)}


def names_something(term: str) -> bool:
    """Whether a question word the store's pages never use names a thing of its own — a
    brand, service or product ("paypal", "klarna"), not an English dictionary word ("fit",
    "weekend") nor a short abbreviation ("btw", "pls") — so that pages silent on it cannot
    answer the question at all."""
    return len(term) >= _NAME_MIN_LENGTH and term.isalpha() and not is_dictionary_word(term)


def compose(citations: Sequence[Citation], direct: bool = True) -> str:
    """A short lead plus the quoted sentences; the lead only names where a quote comes from."""
    if not direct:
        lines = ["I can't find that stated directly. The closest I found:"]
        lines.extend(f"- {_LEADS.get(c.source, 'Our catalog says')}: “{c.quote}”"
                     for c in citations)
        return "\n".join(lines)
    if len(citations) == 1:
        c = citations[0]
        return f"{_LEADS.get(c.source, 'Our catalog says')}: “{c.quote}”"
    lines = ["Here is what I found:"]
    lines.extend(f"- {_LEADS.get(c.source, 'Our catalog says')}: “{c.quote}”" for c in citations)
    return "\n".join(lines)


def select(question: str, passages: Sequence[StoredPassage], scorer: Scorer,
           use_vectors: bool = True, with_titles: bool = False, strict: bool = False,
           vocabulary: set[str] | None = None) -> Answer:
    """Score ``passages`` for ``question`` and quote the best 1–3 above the threshold.

    ``with_titles`` scores each passage with its title in front (store-page headings such as
    "Returns and Replacements" say what a chunk is about); quotes stay verbatim either way.
    When the best passage lacks the question's most specific word (or, given the corpus
    ``vocabulary``, the corpus never uses one of its key words), the answer says it is only
    the closest match. With ``strict`` (store pages, which cover few topics) a question with
    words the corpus never uses gets no answer at all unless its best passage scores at least
    :data:`PARTIAL_MATCH_FLOOR` and none of those words is a name (if the store never writes
    about "paypal", no sentence of it answers that).
    """
    if not passages:
        return not_known()
    candidates = [Candidate(text=f"{p.title}: {p.text}" if with_titles else p.text,
                            source=p.source) for p in passages]
    # With titles, the caller passes passages whose vectors embed "title: text".
    vectors = np.stack([p.vector for p in passages]) if use_vectors else None
    scores = np.asarray(scorer.score(question, candidates, vectors), dtype=np.float32)
    order = np.argsort(-scores, kind="stable")
    best = float(scores[order[0]])
    refuse = False
    if vocabulary is not None:  # store pages: is the topic one the store writes about at all?
        missing = unknown_terms(question, vocabulary)
        direct = not missing
        refuse = strict and bool(missing) and (
            best < PARTIAL_MATCH_FLOOR or any(names_something(term) for term in missing))
    else:  # a product: does its best passage name what was asked?
        direct = mentions(rarest_terms(question, [c.text for c in candidates]),
                          candidates[order[0]].text)
    if best < scorer.threshold or refuse:
        return not_known()
    chosen: list[Citation] = []
    for i in order[:MAX_QUOTES]:
        if scores[i] < scorer.threshold or scores[i] < best - MARGIN:
            break
        p = passages[i]
        if any(c.quote == p.text for c in chosen):
            continue
        chosen.append(Citation(source=p.source, product_id=p.product_id, title=p.title,
                               quote=p.text))
    return Answer(text=compose(chosen, direct), grounded=True, citations=chosen)


class AnswerService:
    """Answers product and policy questions from the knowledge store."""

    def __init__(self, store: PassageSource, scorer: Scorer, embedder: QueryEmbedder,
                 policy_depth: int = POLICY_DEPTH) -> None:
        self._store = store
        self._scorer = scorer
        self._embedder = embedder
        self._policy_depth = policy_depth
        self._policy: tuple[list[StoredPassage], BM25Index] | None = None
        self._vocabulary: set[str] | None = None
        self._titled: dict[str, StoredPassage] | None = None

    def answer_product_question(self, product_id: str, question: str) -> Answer:
        """Answer ``question`` about one product from its own passages only."""
        if not product_id:
            raise ValueError("product_id must not be empty")
        if not question.strip():
            return not_known()
        return select(question, self._store.product_passages(product_id), self._scorer)

    def answer_policy_question(self, question: str, topic: str | None = None) -> Answer:
        """Answer ``question`` from the store pages; ``topic`` (e.g. "returns") narrows them."""
        if not question.strip():
            return not_known()
        # Every store page is a "policy": the word only pulls in pages that say "policy" (the
        # privacy policy) instead of the ones about what was asked ("return policy" → returns).
        question = _POLICY_WORD.sub("", question).strip() or question
        titled = self._titled_policy()
        candidates = [titled[p.id] for p in self.policy_candidates(question, topic)]
        return select(question, candidates, self._scorer, with_titles=True, strict=True,
                      vocabulary=self._policy_vocabulary())

    def policy_candidates(self, question: str, topic: str | None = None) -> list[StoredPassage]:
        """The top policy passages by Reciprocal Rank Fusion of dense and keyword ranks."""
        passages, index = self._policy_index()
        if not passages:
            return []
        by_id = {p.id: p for p in passages}
        allowed = set(by_id)
        if topic:
            topic_words = set(tokenize(topic))
            on_topic = {p.id for p in passages
                        if topic_words & set(tokenize(f"{p.title} {p.text}"))}
            allowed = on_topic or allowed  # an unknown topic must not hide every page
        vector = self._embedder.embed([question])[0]
        dense = [p.id for p in self._store.query_passages(
            vector, self._policy_depth * 2, where={"source": "policy"}) if p.id in allowed]
        keyword = [i for i, _ in index.search(question, allowed=allowed)]
        fused = rrf([dense, keyword])
        ranked = sorted(fused, key=lambda i: -fused[i])[: self._policy_depth]
        return [by_id[i] for i in ranked]

    def _policy_index(self) -> tuple[list[StoredPassage], BM25Index]:
        if self._policy is None:  # policy pages are few and change only on import
            passages = self._store.get_passages({"source": "policy"})
            index = BM25Index([p.id for p in passages], [f"{p.title} {p.text}" for p in passages])
            self._policy = (passages, index)
        return self._policy

    def warm_up(self) -> None:
        """Load the policy passages and their titled vectors now, not on the first question."""
        self._titled_policy()
        self._policy_vocabulary()

    def _titled_policy(self) -> dict[str, StoredPassage]:
        """Policy passages whose vectors embed "page — heading: text" (computed once)."""
        if self._titled is None:
            passages, _ = self._policy_index()
            vectors = self._embedder.embed([f"{p.title}: {p.text}" for p in passages])
            self._titled = {p.id: replace(p, vector=v) for p, v in zip(passages, vectors, strict=True)}
        return self._titled

    def _policy_vocabulary(self) -> set[str]:
        """Every word the store pages use (computed once)."""
        if self._vocabulary is None:
            passages, _ = self._policy_index()
            self._vocabulary = {t for p in passages for t in tokenize(f"{p.title} {p.text}")}
        return self._vocabulary

    def reset(self) -> None:
        """Forget cached policy passages (after an ingest)."""
        self._policy = None
        self._vocabulary = None
        self._titled = None
