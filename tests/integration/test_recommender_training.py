"""Training and evaluating the two-tower recommender on the real MiniLM, with tiny settings."""

from __future__ import annotations

import json
import math
import os
import random
from pathlib import Path

import pytest
import torch

from recommender.baselines import popularity_scorer
from recommender.data import Example, InteractionDataset, load_dataset, subset, write_dataset
from recommender.encoding import encode_texts, tokenise
from recommender.evaluate import evaluate
from recommender.io import load_model
from recommender.metrics import ranking_metrics
from recommender.scoring import model_scorer, rank_examples
from recommender.train import TrainConfig, train

pytestmark = pytest.mark.integration

RANKING = ("recall@10", "ndcg@10", "recall@20", "ndcg@20", "mrr")


def data_dir() -> Path:
    explicit = os.environ.get("AISLE_DATA_DIR")
    return Path(explicit) if explicit else Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def quick_config(dataset: Path, out: Path, **overrides: object) -> TrainConfig:
    values: dict = dict(dataset=dataset, out=out, epochs=1, batch_size=16, trainable_layers=1,
                        max_item_tokens=24, max_history=10, device="cpu", progress=False)
    values.update(overrides)
    return TrainConfig(**values)


# --- (1) smoke run on a slice of the real Scientific data -------------------------------------


@pytest.fixture(scope="module")
def scientific_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = data_dir() / "amazon-scientific"
    if not source.is_dir():
        pytest.skip(f"{source} not found (set AISLE_DATA_DIR)")
    small = subset(load_dataset(source), max_users=40)
    return write_dataset(small, tmp_path_factory.mktemp("scientific-slice"))


def test_smoke_training_run_produces_a_folder_that_evaluate_scores(
        scientific_slice: Path, tmp_path: Path) -> None:
    out = train(quick_config(scientific_slice, tmp_path / "model", max_steps=3))
    assert out == tmp_path / "model"
    assert {"config.json", "weights.safetensors", "tokenizer", "checkpoint"} <= {
        p.name for p in out.iterdir()}
    config = json.loads((out / "config.json").read_text())
    assert config["training"]["max_steps"] == 3
    assert config["training"]["dataset_name"] == "Scientific"
    assert [entry["step"] for entry in config["metrics"]["valid_by_epoch"]] == [0, 3]

    report = evaluate(out, scientific_slice, split="test", baselines=True, device="cpu",
                      progress=False)
    users = len(load_dataset(scientific_slice).splits["test"])
    assert users == 40
    assert report["protocols"] == ["excluded", "kept"]
    assert "history excluded" in report["history_excluded"]["protocol"]
    assert "history kept" in report["history_kept"]["protocol"]
    for name in ("model", "popularity", "item_knn", "zero_shot_minilm"):
        for protocol in ("history_excluded", "history_kept"):
            metrics = report[protocol][name]
            for key in RANKING:
                assert 0.0 <= metrics[key] <= 1.0, (name, protocol, key, metrics[key])
            assert metrics["users"] == users
            assert metrics["recall@10"] <= metrics["recall@20"]
        # history items as candidates can only push targets down (or keep them)
        assert (report["history_kept"][name]["mrr"]
                <= report["history_excluded"][name]["mrr"] + 1e-9), name
    assert report["model"]["zero_shot_transfer"] is False
    assert set(report["model"]["propensity"]) == {"history_excluded", "history_kept"}
    for propensity in report["model"]["propensity"].values():
        assert propensity["pairs"] == users * 50
        assert 0.0 <= propensity["ece"] <= 1.0
        assert math.isnan(propensity["auc"]) or 0.0 <= propensity["auc"] <= 1.0


# --- (2), (3) a constructed catalog whose next items follow from the text ----------------------

FAMILIES = [
    ("Acme", "red widget", "Widgets"), ("Borealis", "copper valve", "Valves"),
    ("Cobalt", "drill bit", "Drill Bits"), ("Dynamo", "battery charger", "Chargers"),
    ("Everest", "pipette tip", "Lab Pipettes"), ("Fathom", "microscope slide", "Microscopy"),
    ("Granite", "sanding disc", "Abrasives"), ("Helix", "hose clamp", "Clamps"),
    ("Ionic", "pH test strip", "Water Testing"), ("Jasper", "welding rod", "Welding"),
    ("Krypton", "LED bulb", "Lighting"), ("Lumen", "solder wire", "Soldering"),
]
PARTS = 8
DISTRACTORS = [
    "Disposable nitrile exam gloves, 100 count. Industrial & Scientific Safety. Generic.",
    "Clear safety glasses, anti-fog. Industrial & Scientific Eye Protection. Generic.",
    "Blue painter's tape, 2 inch. Industrial & Scientific Tapes. Generic.",
    "AA alkaline batteries, 24 pack. Industrial & Scientific Batteries. Generic.",
    "Microfiber cleaning cloths, 12 pack. Industrial & Scientific Cleaning. Generic.",
    "Assorted zip ties, 500 pieces. Industrial & Scientific Fasteners. Generic.",
]
COLD = [f"Quasar titanium mounting bracket part {k}. Industrial & Scientific Brackets. Quasar."
        for k in (1, 2, 3)]


def family_item(family: int, part: int) -> int:
    return family * PARTS + part - 1


def constructed_dataset(users: int = 120, seed: int = 0) -> InteractionDataset:
    """Shoppers buy consecutive parts of one family, with two popular distractors early on.

    Every valid and test target is the next part of the shopper's family; the Quasar items
    appear in no interaction at all.
    """
    rng = random.Random(seed)
    texts = [f"{brand} {noun} part {part}. Industrial & Scientific {category}. {brand}."
             for brand, noun, category in FAMILIES for part in range(1, PARTS + 1)]
    first_distractor = len(texts)
    texts += DISTRACTORS
    texts += COLD
    train_rows, valid_rows, test_rows = [], [], []
    for u in range(users):
        family, start = u % len(FAMILIES), rng.randint(1, PARTS - 4)
        parts = [family_item(family, p) for p in range(start, start + 5)]
        extras = rng.sample(range(first_distractor, first_distractor + len(DISTRACTORS)), 2)
        sequence = parts[:1] + extras[:1] + parts[1:2] + extras[1:] + parts[2:]
        user = f"u{u}"
        train_rows += [Example(user, tuple(sequence[:n]), sequence[n])
                       for n in range(1, len(sequence) - 2)]
        valid_rows.append(Example(user, tuple(sequence[:-2]), sequence[-2]))
        test_rows.append(Example(user, tuple(sequence[:-1]), sequence[-1]))
    return InteractionDataset(
        name="Families", item_ids=tuple(f"I{i:03d}" for i in range(len(texts))),
        item_texts=tuple(texts),
        splits={"train": tuple(train_rows), "valid": tuple(valid_rows), "test": tuple(test_rows)})


@pytest.fixture(scope="module")
def families(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The constructed dataset folder and a model trained on it for 30 steps."""
    root = tmp_path_factory.mktemp("families")
    dataset_dir = write_dataset(constructed_dataset(), root / "data")
    model_dir = train(quick_config(dataset_dir, root / "model", max_steps=30))
    return dataset_dir, model_dir


def test_constructed_dataset_is_what_the_tests_assume(families: tuple[Path, Path]) -> None:
    data = load_dataset(families[0])
    assert data.num_items == len(FAMILIES) * PARTS + len(DISTRACTORS) + len(COLD)
    counts = data.item_counts("train")
    distractor_counts = counts[len(FAMILIES) * PARTS:-len(COLD)]
    assert min(distractor_counts) > max(counts[:len(FAMILIES) * PARTS])
    assert counts[-len(COLD):] == [0, 0, 0]
    assert all(e.target < len(FAMILIES) * PARTS for e in data.splits["test"])


def test_saved_model_beats_popularity_on_text_related_next_items(
        families: tuple[Path, Path]) -> None:
    dataset_dir, model_dir = families
    config = json.loads((model_dir / "config.json").read_text())
    assert [e["step"] for e in config["metrics"]["valid_by_epoch"]] == [0, 30]
    report = evaluate(model_dir, dataset_dir, split="test", baselines=True, device="cpu",
                      progress=False)
    results = report["history_excluded"]
    model, popularity = results["model"], results["popularity"]
    assert model["users"] == popularity["users"] == 120
    assert model["recall@10"] >= popularity["recall@10"] + 0.3, (model, popularity)
    assert model["ndcg@10"] > popularity["ndcg@10"] + 0.2
    assert model["mrr"] > popularity["mrr"]
    # the best checkpoint is kept, so training never leaves it behind the untrained towers
    assert model["ndcg@10"] >= results["zero_shot_minilm"]["ndcg@10"] - 0.05


@pytest.fixture(scope="module")
def loaded_families(families: tuple[Path, Path]):  # type: ignore[no-untyped-def]
    """The model after its last training step (the folder may keep the untrained one as best).

    Returns the loaded model carrying the last checkpoint's weights, the dataset and the item
    vectors those weights give.
    """
    dataset_dir, model_dir = families
    loaded = load_model(model_dir, device="cpu")
    state = torch.load(model_dir / "checkpoint" / "train_state.pt", map_location="cpu",
                       weights_only=False)
    assert state["step"] == 30
    loaded.model.load_state_dict(state["model"])
    loaded.model.eval()
    data = load_dataset(dataset_dir)
    texts = tokenise(loaded.tokenizer, data.item_texts, loaded.model.config.max_item_tokens)
    return loaded, data, encode_texts(loaded.model, texts, "cpu")


def test_the_last_step_weights_were_trained(loaded_families) -> None:  # type: ignore[no-untyped-def]
    loaded, _, _ = loaded_families
    assert loaded.model.shopper.gate.item() != 0.0
    assert loaded.model.temperature.item() != pytest.approx(0.05, abs=1e-4)


def test_trained_weights_beat_popularity_on_the_test_split(loaded_families) -> None:  # type: ignore[no-untyped-def]
    loaded, data, vectors = loaded_families
    examples = data.splits["test"]
    model = ranking_metrics(rank_examples(model_scorer(loaded.model, vectors), examples))
    popularity = ranking_metrics(rank_examples(popularity_scorer(data), examples))
    assert model["recall@10"] >= popularity["recall@10"] + 0.5, (model, popularity)
    assert model["ndcg@10"] > popularity["ndcg@10"] + 0.3
    assert model["mrr"] > popularity["mrr"] + 0.2


def test_shopper_without_history_gets_finite_scores(loaded_families) -> None:  # type: ignore[no-untyped-def]
    loaded, data, vectors = loaded_families
    newcomer = [Example("new", (), 0), Example("known", (0, 1), 2)]
    scores = model_scorer(loaded.model, vectors)(newcomer)
    assert scores.shape == (2, data.num_items)
    assert torch.isfinite(scores).all()
    ranks = rank_examples(model_scorer(loaded.model, vectors), newcomer)
    assert 0 <= int(ranks[0]) < data.num_items


def test_item_never_seen_in_training_ranks_first_for_a_textually_close_shopper(
        loaded_families) -> None:  # type: ignore[no-untyped-def]
    loaded, data, vectors = loaded_families
    q1, q2, q3 = range(data.num_items - 3, data.num_items)
    assert data.item_counts("train")[q3] == 0
    shopper = [Example("cold", (q1, q2), q3)]
    assert rank_examples(model_scorer(loaded.model, vectors), shopper).tolist() == [0]
    # popularity cannot: an item with no interactions ties for last place
    assert rank_examples(popularity_scorer(data), shopper).tolist() == [data.num_items - 3]
