"""Fast tests of the passage scorer's keyword, feature and fusion logic with a fake embedder."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from knowledge.qa_data import QAMetrics, ranking_metrics
from knowledge.qa_features import (
    FEATURE_NAMES,
    average_rank,
    bm25,
    canonical_source,
    content_words,
    feature_matrix,
    is_yes_no,
    readable_text,
    split_qa,
)
from knowledge.qa_fit import calibrate_threshold, fit_weights
from knowledge.qa_scoring import Candidate, PassageScorer, ScorerWeights


class BagOfWordsEmbedder:
    """Deterministic fake: hashed bag of content words, L2-normalised."""

    model_name = "fake-bow"
    dim = 64

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in content_words(text):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-6)
        return out


def cosine_only_weights(threshold: float = 0.5) -> ScorerWeights:
    """Weights that use nothing but the answer cosine (so tests can reason about scores)."""
    coef = [0.0] * len(FEATURE_NAMES)
    coef[FEATURE_NAMES.index("answer_cosine")] = 8.0
    return ScorerWeights(FEATURE_NAMES, (0.0,) * len(coef), (1.0,) * len(coef), tuple(coef),
                         -2.0, threshold, {})


def test_content_words_drop_stopwords_and_stem() -> None:
    assert content_words("Does it come with batteries?") == ["come", "battery"]


def test_bm25_prefers_the_passage_with_rare_query_terms() -> None:
    docs = [["battery", "life"], ["strap", "leather"], ["waterproof", "strap"]]
    scores = bm25(["waterproof"], docs)
    assert scores.argmax() == 2 and scores[0] == scores[1] == 0.0
    assert bm25([], docs).tolist() == [0.0, 0.0, 0.0]
    assert bm25(["x"], []).shape == (0,)


def test_average_rank_shares_ties() -> None:
    assert average_rank(np.array([3.0, 1.0, 1.0])).tolist() == [0.0, 0.75, 0.75]
    assert average_rank(np.array([5.0])).tolist() == [0.0]


def test_text_helpers() -> None:
    assert readable_text('compatible_devices:  { value:"galaxy s4" }') == "compatible devices: galaxy s4"
    assert readable_text("material: cotton") == "material: cotton"
    assert split_qa("yes it does. Question: does it fit?") == ("yes it does.", "does it fit?")
    assert split_qa("plain sentence") == ("plain sentence", "")
    assert canonical_source("bullet") == "description" and canonical_source("cqa") == "qa"
    assert canonical_source("policy") == "description"
    assert is_yes_no("Is it waterproof?") and not is_yes_no("What size is it?")
    assert is_yes_no("Does it come in blue?")  # not stemmed to "doe"


def test_answer_cues_yes_no_opening_and_hedge() -> None:
    texts = ["Yes, it fits the 2019 model. Question: does it fit?",
             "I think it might fit, not sure. Question: will it fit?",
             "Contact us within 30 days to start a return."]
    n = len(texts)
    zeros, vectors = np.zeros(n, dtype=np.float32), np.eye(n, 8, dtype=np.float32)

    def column(question: str, name: str) -> list[float]:
        x = feature_matrix(question, texts, ["cqa", "cqa", "policy"], zeros, zeros, zeros, vectors)
        return x[:, FEATURE_NAMES.index(name)].tolist()

    assert column("Does it fit a 2019 model?", "yes_no_x_opening") == [1.0, 0.0, 0.0]
    assert column("What size is it?", "yes_no_x_opening") == [0.0, 0.0, 0.0]
    # Only the answer half is read, and a policy's "contact us" is not a hedge.
    assert column("Does it fit?", "hedged") == [0.0, 1.0, 0.0]


def test_empty_input_gives_empty_scores() -> None:
    scorer = PassageScorer(BagOfWordsEmbedder(), cosine_only_weights())
    assert scorer.score("anything?", []).shape == (0,)
    assert PassageScorer.plain_cosine(BagOfWordsEmbedder()).score("q", []).shape == (0,)


def test_relevant_passage_ranks_first_and_off_topic_is_below_threshold() -> None:
    scorer = PassageScorer(BagOfWordsEmbedder(), cosine_only_weights(threshold=0.5))
    candidates = [Candidate("The battery lasts two years.", "description"),
                  Candidate("This watch is waterproof to 50 metres.", "description"),
                  Candidate("Lovely leather strap.", "review")]
    scores = scorer.score("Is the watch waterproof?", candidates)
    assert scores.shape == (3,) and int(scores.argmax()) == 1
    assert scorer.grounded(scores).tolist() == [False, True, False]


def test_shipped_weights_load_and_rank_with_fake_embedder() -> None:
    scorer = PassageScorer(BagOfWordsEmbedder())
    assert 0.0 < scorer.threshold < 1.0
    candidates = [Candidate("Returns are accepted within 30 days of delivery.", "policy"),
                  Candidate("Standard shipping takes 5-7 business days.", "policy")]
    scores = scorer.score("How many days do I have to return an item?", candidates)
    assert np.all((scores > 0) & (scores < 1)) and int(scores.argmax()) == 0


def test_candidate_vectors_are_used_when_given() -> None:
    embedder = BagOfWordsEmbedder()
    scorer = PassageScorer.plain_cosine(embedder)
    candidates = [Candidate("a waterproof case", "description"), Candidate("red", "attribute")]
    vectors = embedder.embed(["red", "a waterproof case"])  # deliberately swapped
    scores = scorer.score("waterproof?", candidates, candidate_vectors=vectors)
    assert int(scores.argmax()) == 1


def test_weights_round_trip_and_refuse_other_features(tmp_path: Path) -> None:
    weights = cosine_only_weights()
    loaded = ScorerWeights.load(weights.save(tmp_path / "w.json"))
    assert loaded == weights
    (tmp_path / "bad.json").write_text(
        (tmp_path / "w.json").read_text().replace('"cosine"', '"other"', 1))
    with pytest.raises(ValueError):
        ScorerWeights.load(tmp_path / "bad.json")


def test_fit_weights_learns_a_useful_direction() -> None:
    rng = np.random.default_rng(0)
    features, labels = [], []
    for _ in range(40):
        x = rng.normal(size=(10, len(FEATURE_NAMES))).astype(np.float32)
        y = np.where(x[:, FEATURE_NAMES.index("overlap")] > 0.5, 2, 0)
        features.append(x)
        labels.append(y)
    weights = fit_weights(features, labels)
    assert weights.coef[FEATURE_NAMES.index("overlap")] > 1.0
    scores = weights.apply(np.concatenate(features))
    assert calibrate_threshold(scores, np.concatenate(labels)) <= np.median(
        scores[np.concatenate(labels) == 2])


def test_ranking_metrics_conventions_and_pessimistic_ties() -> None:
    scores = [np.array([0.9, 0.1]), np.array([0.5, 0.5]), np.array([0.2, 0.8]),
              np.array([0.3, 0.1])]
    labels = [np.array([2, 0]), np.array([2, 0]), np.array([0, 1]), np.array([0, 0])]
    metrics = ranking_metrics(scores, labels)
    assert isinstance(metrics, QAMetrics)
    assert (metrics.n_answerable, metrics.n_relevant) == (2, 3)
    assert metrics.p_at_1 == pytest.approx(0.5)  # the tie counts against the scorer
    assert metrics.hit_at_1_relevant == pytest.approx(2 / 3)
    assert 0.0 <= metrics.ndcg_at_5 <= 1.0
