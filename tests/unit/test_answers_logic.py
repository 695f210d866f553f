"""Answer selection, payload shape and passage building, with a fake store and scorer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from catalog.domain import PolicySection, Product, Review
from dialogue.cards import answer_payload
from knowledge.answers import NOT_KNOWN, AnswerService, compose, select
from knowledge.keyword import tokenize
from knowledge.passages import chunk_sentences, policy_passages, product_passages, split_sentences
from knowledge.qa_scoring import Candidate
from knowledge.store import StoredPassage


class OverlapScorer:
    """Score = share of question words found in the passage; the threshold is 0.5."""

    threshold = 0.5

    def score(self, question: str, candidates: Sequence[Candidate],
              candidate_vectors: np.ndarray | None = None) -> np.ndarray:
        words = set(tokenize(question))
        return np.array([len(words & set(tokenize(c.text))) / max(len(words), 1)
                         for c in candidates], dtype=np.float32)


class OneHotEmbedder:
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.ones((len(texts), 4), dtype=np.float32) / 2


def stored(pid: str | None, source: str, text: str, title: str = "Storm Jacket") -> StoredPassage:
    return StoredPassage(id=f"{source}:{text[:10]}", text=text, source=source, product_id=pid,
                         title=title, vector=np.ones(4, dtype=np.float32) / 2)


class FakeStore:
    def __init__(self, passages: list[StoredPassage]) -> None:
        self.passages = passages

    def product_passages(self, product_id: str) -> list[StoredPassage]:
        return [p for p in self.passages if p.product_id == product_id]

    def get_passages(self, where: dict[str, Any]) -> list[StoredPassage]:
        return [p for p in self.passages if p.source == where["source"]]

    def query_passages(self, vector: np.ndarray, n: int,
                       where: dict[str, Any] | None = None) -> list[StoredPassage]:
        return self.get_passages(where or {"source": "policy"})[:n]


JACKET = [
    stored("WJ01", "description", "This jacket is fully waterproof."),
    stored("WJ01", "description", "It packs into its own pocket."),
    stored("WJ01", "review", "Great — Stayed waterproof in a real storm."),
    stored("WJ01", "attribute", "Material: Nylon."),
]
POLICY = [
    stored(None, "policy", "Returns are accepted within 30 days.", "Customer Service — Returns"),
    stored(None, "policy", "Standard delivery takes 3 to 5 days.", "Customer Service — Delivery"),
]


@pytest.fixture()
def answers() -> AnswerService:
    return AnswerService(FakeStore(JACKET + POLICY), OverlapScorer(), OneHotEmbedder())


def test_grounded_answer_quotes_verbatim_and_payload_shape(answers: AnswerService) -> None:
    answer = answers.answer_product_question("WJ01", "is it waterproof?")
    assert answer.grounded
    assert [c.quote for c in answer.citations] == [JACKET[0].text, JACKET[2].text]
    payload = answer_payload(answer)
    assert set(payload) == {"type", "text", "grounded", "citations"}
    assert payload["type"] == "answer" and payload["grounded"] is True
    assert payload["citations"][0] == {"source": "description", "product_id": "WJ01",
                                       "title": "Storm Jacket", "quote": JACKET[0].text}
    assert all(c.quote in answer.text for c in answer.citations)
    assert "A shopper's review says" in answer.text


def test_nothing_above_threshold_is_not_known(answers: AnswerService) -> None:
    answer = answers.answer_product_question("WJ01", "does it come with a warranty card?")
    assert not answer.grounded and answer.citations == [] and answer.text == NOT_KNOWN
    assert answer_payload(answer)["citations"] == []
    assert not answers.answer_product_question("NOPE", "is it waterproof?").grounded
    assert not answers.answer_product_question("WJ01", "   ").grounded
    with pytest.raises(ValueError):
        answers.answer_product_question("", "is it waterproof?")


def test_policy_answer_and_topic(answers: AnswerService) -> None:
    answer = answers.answer_policy_question("within how many days are returns accepted?")
    assert answer.grounded and answer.citations[0].title == "Customer Service — Returns"
    assert answer.citations[0].product_id is None
    on_topic = answers.policy_candidates("how long?", topic="delivery")
    assert [p.title for p in on_topic] == ["Customer Service — Delivery"]
    assert len(answers.policy_candidates("how long?", topic="unknown topic")) == 2


def test_select_keeps_at_most_three_close_quotes() -> None:
    passages = [stored("P", "description", f"Warm fleece lining number {i}.") for i in range(5)]
    answer = select("warm fleece lining", passages, OverlapScorer(), use_vectors=False)
    assert len(answer.citations) == 3
    assert compose(answer.citations[:1]).startswith("The product description says: “")


def test_passages_split_sentences_and_have_stable_ids() -> None:
    product = Product(id="WJ01", name="Storm Jacket", category="Women/Tops/Jackets",
                      description="<p>Fully waterproof. Taped seams.</p><ul><li>Hood</li></ul>",
                      materials=("Nylon",))
    review = Review("WJ01", 5, "Great", "One. Two. Three. Four.")
    passages = product_passages(product, [review])
    texts = [(p.source, p.text) for p in passages]
    assert texts[:4] == [("description", "Fully waterproof."), ("description", "Taped seams."),
                         ("description", "Hood"), ("attribute", "Material: Nylon.")]
    assert ("review", "Great — One. Two. Three.") in texts and ("review", "Four.") in texts
    assert [p.id for p in passages] == [p.id for p in product_passages(product, [review])]
    assert len({p.id for p in passages}) == len(passages)


def test_policy_chunks_keep_the_heading() -> None:
    section = PolicySection("cs", "Customer Service", "Returns",
                            "Ann came. Bo left. Cy sat. Di ran. Ed hid. Flo ate. Gus sang.")
    chunks = policy_passages(section)
    assert [c.text for c in chunks] == ["Ann came. Bo left. Cy sat. Di ran. Ed hid. Flo ate.",
                                        "Gus sang."]
    assert {c.title for c in chunks} == {"Customer Service — Returns"}
    assert split_sentences("One. Two!\nThree") == ["One.", "Two!", "Three"]
    assert chunk_sentences(["x" * 300, "y" * 100]) == ["x" * 300, "y" * 100]


def test_key_words_decide_whether_an_answer_is_direct() -> None:
    from knowledge.answers import key_terms, mentions, rarest_terms, unknown_terms

    assert key_terms("do you accept paypal?") == {"accept", "paypal"}
    assert unknown_terms("do you accept paypal?", {"accept", "credit", "card"}) == {"paypal"}
    assert not unknown_terms("do you ship internationally?", {"international", "ship"})
    assert mentions({"washable"}, "Machine wash/dry.")
    texts = ["Made of wool.", "Keeps you warm.", "Warm and soft."]
    assert rarest_terms("is it warm and waterproof", texts) == {"waterproof"}


def test_indirect_answers_say_so() -> None:
    from knowledge.answers import Citation, compose

    text = compose([Citation("description", "P1", "Jacket", "Blocks the wind.")], direct=False)
    assert text.startswith("I can't find that stated directly.")


def test_store_pages_refuse_names_they_never_mention_but_answer_plain_words() -> None:
    from knowledge.answers import names_something

    assert names_something("paypal") and names_something("klarna")
    assert not names_something("fit") and not names_something("weekend")
    assert not names_something("btw")  # an abbreviation, not a name
    pages = [stored(None, "policy", "Merchandise must be returned within 30 days of receipt.",
                    title="Returns"),
             stored(None, "policy", "We accept Visa, MasterCard and American Express.",
                    title="Payment")]
    vocabulary = {t for p in pages for t in tokenize(f"{p.title} {p.text}")}
    plain = select("returns if it doesn't fit?", pages, OverlapScorer(),
                   use_vectors=False, with_titles=True, strict=True, vocabulary=vocabulary)
    assert plain.grounded and plain.text.startswith("I can't find that stated directly")
    assert "30 days" in plain.citations[0].quote
    named = select("do you accept paypal payments", pages, OverlapScorer(), use_vectors=False,
                   with_titles=True, strict=True, vocabulary=vocabulary)
    assert named.text == NOT_KNOWN and not named.grounded
