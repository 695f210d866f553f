"""RecBole peers: trained on our atomic files, scored by RecBole and by our evaluator alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.baselines import popularity_scorer
from recommender.data import Example, InteractionDataset, load_dataset, write_dataset
from recommender.evaluate import score_by_protocol

pytest.importorskip("recbole", reason="RecBole is an optional extra (requirements/bench.txt)")

from recommender.peers import PeerError, train_peer  # noqa: E402

ITEMS = 40


def cyclic_dataset() -> InteractionDataset:
    """120 shoppers walking one of four 10-item cycles: the next item follows from the last."""
    splits: dict[str, list[Example]] = {"train": [], "valid": [], "test": []}
    for user in range(120):
        family, start = user % 4, user % 10
        walk = [family * 10 + (start + step) % 10 for step in range(9)]
        name = str(user)
        for end in range(2, len(walk) - 2):
            splits["train"].append(Example(name, tuple(walk[:end]), walk[end]))
        splits["valid"].append(Example(name, tuple(walk[:-2]), walk[-2]))
        splits["test"].append(Example(name, tuple(walk[:-1]), walk[-1]))
    return InteractionDataset(
        name="Cycles", item_ids=tuple(f"I{i:03d}" for i in range(ITEMS)),
        item_texts=tuple(f"item {i}" for i in range(ITEMS)),
        splits={k: tuple(v) for k, v in splits.items()})


@pytest.fixture(scope="module")
def cycles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(cyclic_dataset(), tmp_path_factory.mktemp("cycles"))


def test_a_trained_peer_scores_the_same_under_recbole_and_under_our_evaluator(
        cycles: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = load_dataset(cycles, with_descriptions=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    run = train_peer("GRU4Rec", cycles, "Cycles", {"learning_rate": 0.01, "eval_batch_size": 64},
                     data.num_items, epochs=15, workdir=tmp_path / "work")
    assert list(cwd.iterdir()) == []  # no log_tensorboard/ or checkpoints left where it ran
    assert 1 <= run.best_epoch <= run.epochs_run <= 15
    ours = score_by_protocol(run.scorer, data.splits["test"], ("kept", "excluded"))
    # RecBole's full sort keeps the history as candidates: the same numbers as our "kept"
    # (RecBole rounds to 4 places)
    for metric in ("recall@10", "ndcg@10", "recall@20", "ndcg@20"):
        assert ours["kept"][metric] == pytest.approx(run.test_recbole[metric], abs=1.5e-4), metric
    # it learned the cycles: far ahead of popularity on the same rows
    popular = score_by_protocol(popularity_scorer(data), data.splits["test"], ("kept",))
    assert ours["kept"]["ndcg@10"] > popular["kept"]["ndcg@10"] + 0.3
    assert ours["excluded"]["recall@10"] >= ours["kept"]["recall@10"]


def test_an_unknown_peer_or_missing_split_is_refused(cycles: Path, tmp_path: Path) -> None:
    with pytest.raises(PeerError, match="unknown peer"):
        train_peer("LightGCN", cycles, "Cycles", {}, ITEMS)
    with pytest.raises(PeerError, match="file not found"):
        train_peer("SASRec", tmp_path, "Cycles", {}, ITEMS)


def test_histories_longer_than_the_peer_reads_are_cut_to_their_most_recent_items(
        cycles: Path, tmp_path: Path) -> None:
    data = load_dataset(cycles, with_descriptions=False)
    assert max(len(e.history) for e in data.splits["test"]) == 8
    # SASRec's position embeddings stop at MAX_ITEM_LIST_LENGTH: longer rows must be cut
    run = train_peer("SASRec", cycles, "Cycles", {"MAX_ITEM_LIST_LENGTH": 4,
                                                  "eval_batch_size": 64},
                     data.num_items, epochs=2, workdir=tmp_path)
    ours = score_by_protocol(run.scorer, data.splits["test"], ("kept",))
    assert ours["kept"]["recall@20"] == pytest.approx(run.test_recbole["recall@20"], abs=1.5e-4)
