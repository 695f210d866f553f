"""Leave-categories-out transfer (issue 18 part 4) and WiSE-FT interpolation, on tiny models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from recommender.data import Example, InteractionDataset, load_dataset, write_dataset
from recommender.encoding import encode_texts, shopper_vectors, tokenise
from recommender.factory import weights_fingerprint
from recommender.interpolation import interpolated_state, write_interpolated
from recommender.io import load_base, load_model, new_model, save_model
from recommender.model import PropensityHead
from recommender.transfer import (
    UNCATEGORISED,
    choose_alpha,
    choose_held_out,
    evaluate_transfer,
    format_report,
    main,
    split_by_category,
    top_level_category,
)
from tests.unit.test_recommender_io import TEXTS, model_config, write_base

SCIENTIFIC = Path(__file__).resolve().parents[3] / "shared" / "data" / "amazon-scientific"

# --- the split -------------------------------------------------------------------------------


def test_top_level_category_is_read_by_name_from_the_space_joined_path() -> None:
    assert top_level_category(
        "Klein wire stripper. Industrial & Scientific Industrial Electrical Wiring & Connecting "
        "Wire Strippers. Klein.") == "Industrial Electrical"
    assert top_level_category(
        "Gorilla Glue, 8 ounce. Industrial & Scientific Tapes, Adhesives & Sealants Urethane "
        "Adhesives. Gorilla.") == "Tapes, Adhesives & Sealants"
    assert top_level_category("Hook, 2 in. Industrial & Scientific Industrial Hardware Hooks. "
                              "Acme.") == "Industrial Hardware"
    assert top_level_category("A kit with no path. Acme.") == UNCATEGORISED


CATEGORIES = ("Fasteners", "Filtration", "Cutting Tools", "Robotics", "Raw Materials")


def synthetic_dataset() -> InteractionDataset:
    """25 items, 5 per category; 40 users whose sequences mix categories."""
    texts = tuple(f"Item {i}. Industrial & Scientific {CATEGORIES[i % 5]} Things. Brand{i}."
                  for i in range(25))
    generator = torch.Generator().manual_seed(3)
    tests = []
    for user in range(40):
        length = 6 + user % 7
        sequence = torch.randint(0, 25, (length,), generator=generator).tolist()
        tests.append(Example(f"u{user}", tuple(sequence[:-1]), sequence[-1]))
    return InteractionDataset(name="Tiny", item_ids=tuple(f"I{i}" for i in range(25)),
                              item_texts=texts,
                              splits={"train": tuple(tests), "test": tuple(tests)})


def test_the_split_is_deterministic_and_disjoint_by_category() -> None:
    dataset = synthetic_dataset()
    split, kept, held_out = split_by_category(dataset, seed=5, share=0.3)
    again = split_by_category(dataset, seed=5, share=0.3)
    assert again[0] == split and again[1] == kept and again[2] == held_out
    assert split.held_out and set(split.held_out).isdisjoint(split.kept)
    assert set(split.held_out) | set(split.kept) == set(CATEGORIES)
    held_cats = {top_level_category(t) for t in held_out.item_texts}
    kept_cats = {top_level_category(t) for t in kept.item_texts}
    assert held_cats == set(split.held_out) and held_cats.isdisjoint(kept_cats)
    assert set(held_out.item_ids).isdisjoint(kept.item_ids)
    assert kept.num_items + held_out.num_items == dataset.num_items
    assert split.held_out_share >= 0.3
    for side in (kept, held_out):
        for rows in side.splits.values():
            for e in rows:
                assert 0 <= e.target < side.num_items and all(
                    0 <= i < side.num_items for i in e.history)
    # a user's held-out rows are that user's held-out items, in their order, leave-one-out
    sequence = [*dataset.splits["test"][0].history, dataset.splits["test"][0].target]
    original = [dataset.item_ids[i] for i in sequence
                if top_level_category(dataset.item_texts[i]) in split.held_out]
    rows = {s: [e for e in held_out.splits[s] if e.user == "u0"] for s in ("valid", "test")}
    if len(original) >= 3:
        test_row = rows["test"][0]
        assert [held_out.item_ids[i] for i in (*test_row.history, test_row.target)] == original
        assert rows["valid"][0].target == test_row.history[-1]
    else:
        assert not rows["test"] and not rows["valid"]


def test_another_seed_draws_another_split_and_bad_shares_are_refused() -> None:
    counts = {name: 100 for name in CATEGORIES} | {UNCATEGORISED: 500}
    draws = {choose_held_out(counts, seed=s, share=0.2).held_out for s in range(6)}
    assert len(draws) > 1
    assert all(UNCATEGORISED not in d for d in draws)
    with pytest.raises(ValueError, match="share"):
        choose_held_out(counts, share=1.0)


@pytest.mark.skipif(not SCIENTIFIC.is_dir(), reason="Amazon Scientific not in ../shared/data")
def test_the_documented_scientific_split() -> None:
    split, kept, held_out = split_by_category(load_dataset(SCIENTIFIC, with_descriptions=False))
    assert split.held_out == ("Abrasive & Finishing Products", "Commercial Door Products",
                              "Industrial Electrical", "Lab & Scientific Products",
                              "Professional Medical Supplies",
                              "Retail Store Fixtures & Equipment")
    assert split.held_out_share == pytest.approx(0.2681, abs=1e-4)
    assert (kept.num_items, held_out.num_items) == (3176, 1209)
    assert len(held_out.splits["test"]) == 2418 and len(kept.splits["train"]) == 20003


# --- WiSE-FT interpolation -------------------------------------------------------------------


@pytest.fixture()
def base_and_trained(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The tiny base folder, an untrained model on it, and a 'trained' one whose weights moved."""
    base = write_base(tmp_path / "base", seed=0)
    untrained, tokenizer, _ = new_model(model_config(), base_dir=base)
    trained, _, _ = new_model(model_config(), base_dir=base)
    generator = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for name, param in trained.named_parameters():
            if param.requires_grad:
                param.add_(0.05 * torch.randn(param.shape, generator=generator))
                if name.startswith("text.bert."):  # saved as float16: round now
                    param.copy_(param.half().float())
        trained.shopper.gate.fill_(0.4)
    return base, untrained.eval(), trained.eval(), tokenizer


def _vectors(model, tokenizer) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[no-untyped-def]
    items = encode_texts(model.eval(), tokenise(tokenizer, TEXTS, model.config.max_item_tokens),
                         "cpu")
    return items, shopper_vectors(model, items, [[0, 1], [2], [3, 0, 1]])


def test_alpha_zero_is_the_base_encoder_and_alpha_one_the_trained_model(base_and_trained) -> None:  # type: ignore[no-untyped-def]
    base, untrained, trained, tokenizer = base_and_trained
    base_bert = load_base(base)[0].state_dict()
    trained_state = {k: v.clone() for k, v in trained.state_dict().items()}
    untrained_items, untrained_shoppers = _vectors(untrained, tokenizer)
    trained_items, trained_shoppers = _vectors(trained, tokenizer)
    assert not torch.allclose(untrained_items, trained_items, atol=1e-3)

    at_zero = interpolated_state(trained_state, base_bert, 0.0)
    for name, tensor in base_bert.items():
        assert torch.equal(at_zero[f"text.bert.{name}"], tensor), name
    assert float(at_zero["shopper.gate"]) == 0.0
    trained.load_state_dict(at_zero)
    items, shoppers = _vectors(trained, tokenizer)
    torch.testing.assert_close(items, untrained_items)
    torch.testing.assert_close(shoppers, untrained_shoppers)  # the zero-shot profile exactly

    trained.load_state_dict(interpolated_state(trained_state, base_bert, 1.0))
    items, shoppers = _vectors(trained, tokenizer)
    torch.testing.assert_close(items, trained_items)
    torch.testing.assert_close(shoppers, trained_shoppers)

    half = interpolated_state(trained_state, base_bert, 0.5)
    name = "text.bert.encoder.layer.1.attention.self.query.weight"
    torch.testing.assert_close(half[name], 0.5 * (trained_state[name] + base_bert[name[10:]]))
    assert float(half["shopper.gate"]) == pytest.approx(0.2)
    with pytest.raises(ValueError, match="alpha"):
        interpolated_state(trained_state, base_bert, 1.5)


def test_an_interpolated_folder_loads_and_records_alpha(base_and_trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, _, trained, tokenizer = base_and_trained
    source = save_model(tmp_path / "trained", trained, tokenizer, PropensityHead(), base,
                        extra={"training": {"dataset_name": "Tiny"}})
    trained_items, _ = _vectors(trained, tokenizer)

    same = write_interpolated(source, 1.0, tmp_path / "alpha1", base_dir=base)
    loaded = load_model(same, base)
    items, _ = _vectors(loaded.model, loaded.tokenizer)
    torch.testing.assert_close(items, trained_items, atol=2e-3, rtol=0)  # float16 storage

    mixed = write_interpolated(source, 0.5, tmp_path / "alpha05", base_dir=base, note="test")
    meta = json.loads((mixed / "config.json").read_text())
    assert meta["interpolation"]["alpha"] == 0.5 and meta["interpolation"]["note"] == "test"
    assert meta["training"]["dataset_name"] == "Tiny" and "repeat_gate" not in meta
    saved = load_file(str(mixed / "weights.safetensors"))
    assert "text.bert.encoder.layer.0.attention.self.query.weight" in saved  # every layer
    assert weights_fingerprint(mixed) != weights_fingerprint(source)  # the index is rebuilt
    loaded = load_model(mixed, base)
    assert float(loaded.model.shopper.gate.detach()) == pytest.approx(0.2)
    items, _ = _vectors(loaded.model, loaded.tokenizer)
    assert not torch.allclose(items, trained_items, atol=1e-3)


# --- the report ------------------------------------------------------------------------------


def test_the_cli_writes_the_split_and_a_labelled_report(base_and_trained, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    base, _, trained, tokenizer = base_and_trained
    folder = write_dataset(synthetic_dataset(), tmp_path / "data")
    main(["split", "--dataset", str(folder), "--out", str(tmp_path / "split"), "--share", "0.3"])
    record = json.loads((tmp_path / "split" / "split.json").read_text())
    assert record["held_out"] and record["rows"]["held_out"]["test"] > 0
    model_dir = save_model(tmp_path / "model", trained, tokenizer, PropensityHead(), base,
                           extra={"training": {"dataset_name": "TinyKept"}})
    report = evaluate_transfer(model_dir, tmp_path / "split" / "held-out", "test",
                               alphas=(0.0, 1.0), base_dir=base)
    assert report["protocols"] == ["history_excluded", "history_kept"]
    assert set(report["rows"]) == {"model alpha=0", "model alpha=1", "zero_shot_minilm",
                                   "popularity", "item_knn"}
    assert set(report["examples_by_category"]) == set(record["held_out"]) & set(
        report["examples_by_category"])
    block = report["rows"]["model alpha=1"]["history_kept"]
    assert block["all"]["users"] == record["rows"]["held_out"]["test"]
    assert sum(block[c]["users"] for c in report["examples_by_category"]) == block["all"]["users"]
    text = format_report(report)
    for label in ("held-out categories of TinyHeldOut, split test", "history_excluded",
                  "history_kept", "zero_shot_minilm", "model alpha=1", "x zero-shot",
                  "propensity, model alpha=1 (top-50 per shopper", "AUC",
                  *report["examples_by_category"]):
        assert label in text


def _report(values: dict[float, tuple[float, float]]) -> dict:
    """A report whose model rows score (recall@10, ndcg@10) on both protocols; zero-shot 0.1."""
    def block(recall: float, ndcg: float) -> dict:
        metrics = {"all": {"recall@10": recall, "ndcg@10": ndcg}}
        return {"history_excluded": metrics, "history_kept": metrics}

    rows = {f"model alpha={a:g}": block(*v) for a, v in values.items()}
    rows["zero_shot_minilm"] = block(0.1, 0.1)
    return {"protocols": ["history_excluded", "history_kept"], "alphas": list(values),
            "rows": rows}


def test_the_rule_picks_the_alpha_whose_worst_ratio_is_best_ties_toward_the_base() -> None:
    # 0.8 has the best recall but the worst ndcg; 0.5 is best on its weaker metric
    assert choose_alpha(_report({0.0: (0.1, 0.1), 0.5: (0.13, 0.12), 0.8: (0.16, 0.11),
                                 1.0: (0.09, 0.13)})) == 0.5
    assert choose_alpha(_report({0.3: (0.12, 0.12), 0.6: (0.12, 0.12)})) == 0.3
