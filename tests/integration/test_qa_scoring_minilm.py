"""Passage scoring with the real MiniLM: hand-made questions and a small ePQA run."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.qa_scoring import Candidate, PassageScorer

pytestmark = pytest.mark.integration

EPQA = Path(__file__).resolve().parents[3] / "shared" / "data" / "epqa" / "ePQA_dev.csv"

HAND_MADE = [
    ("Is this watch waterproof?", 1, [
        Candidate("The battery lasts up to two years.", "description"),
        Candidate("This watch is waterproof to 50 metres, so you can swim with it.", "description"),
        Candidate("The leather strap feels cheap.", "review"),
    ]),
    ("How many days do I have to return an item?", 0, [
        Candidate("You can return items within 30 days of delivery for a full refund.", "policy"),
        Candidate("Standard shipping takes 5-7 business days.", "policy"),
        Candidate("We never share your email address with third parties.", "policy"),
    ]),
    ("What is the jacket made of?", 0, [
        Candidate("material: polyester", "attribute"),
        Candidate("Great for running on cold mornings.", "review"),
        Candidate("Ships in a recyclable bag.", "description"),
    ]),
    ("Does the yoga mat come with a carrying strap?", 2, [
        Candidate("The mat is 6 mm thick.", "attribute"),
        Candidate("I love the purple colour.", "review"),
        Candidate("A carrying strap is included so you can take it to class.", "description"),
    ]),
]


@pytest.fixture(scope="module")
def scorer() -> PassageScorer:
    from knowledge.embedding import load_embedder

    return PassageScorer(load_embedder())


@pytest.mark.parametrize(("question", "right", "candidates"), HAND_MADE)
def test_right_passage_ranks_first(scorer: PassageScorer, question: str, right: int,
                                   candidates: list[Candidate]) -> None:
    scores = scorer.score(question, candidates)
    assert int(scores.argmax()) == right
    assert scores[right] >= scorer.threshold


def test_off_topic_passages_are_not_grounded(scorer: PassageScorer) -> None:
    battery = [Candidate("The battery lasts up to two years.", "description"),
               Candidate("Replace the CR2032 battery with a coin.", "description"),
               Candidate("Battery life is excellent.", "review")]
    assert not scorer.grounded(scorer.score("Is it waterproof?", battery)).any()


@pytest.mark.skipif(not EPQA.exists(), reason="shared ePQA data not available")
def test_evaluate_on_first_epqa_questions(scorer: PassageScorer) -> None:
    from knowledge.evaluate_qa import evaluate

    for candidate_scorer in (scorer, PassageScorer.plain_cosine(scorer.embedder)):
        metrics = evaluate(EPQA, candidate_scorer, limit=40, progress=False)
        assert metrics.n_relevant > 0
        for value in (metrics.p_at_1, metrics.hit_at_1, metrics.ndcg_at_5):
            assert 0.0 <= value <= 1.0
