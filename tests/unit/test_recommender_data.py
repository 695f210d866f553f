"""Atomic-format datasets: reading, writing, malformed rows, descriptions, subsets, counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recommender.data import (
    DatasetError,
    Example,
    InteractionDataset,
    add_descriptions,
    load_dataset,
    subset,
    write_dataset,
)


def tiny_dataset() -> InteractionDataset:
    return InteractionDataset(
        name="Tiny",
        item_ids=("A1", "B2", "C3", "D4", "E5"),
        item_texts=(
            "Acme red widget. Industrial & Scientific Widgets. Acme.",
            "Borealis copper valve. Industrial & Scientific Valves. Borealis.",
            "Acme blue widget. Industrial & Scientific Widgets. Acme.",
            "Nitrile gloves, box of 100. Industrial & Scientific Safety. Generic.",
            "Unseen gasket. Industrial & Scientific Seals. Zephyr.",
        ),
        splits={
            "train": (Example("u1", (0,), 2), Example("u2", (1, 3), 0), Example("u3", (), 3)),
            "valid": (Example("u1", (0, 2), 3),),
            "test": (Example("u1", (0, 2, 3), 1),),
        },
    )


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    return write_dataset(tiny_dataset(), tmp_path / "tiny")


def test_write_then_load_round_trips(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == [
        "Tiny.item2index", "Tiny.test.inter", "Tiny.text", "Tiny.train.inter", "Tiny.valid.inter"]
    assert load_dataset(folder) == tiny_dataset()


def test_written_files_are_in_the_atomic_format(folder: Path) -> None:
    assert (folder / "Tiny.train.inter").read_text().splitlines() == [
        "user_id:token\titem_id_list:token_seq\titem_id:token", "u1\t0\t2", "u2\t1 3\t0", "u3\t\t3"]
    assert (folder / "Tiny.item2index").read_text().splitlines()[:2] == ["A1\t0", "B2\t1"]


def test_texts_follow_item2index_order_not_text_file_order(tmp_path: Path) -> None:
    (tmp_path / "X.text").write_text("item_id:token\ttext:token_seq\nb\tBee. \na\tAy.\n")
    (tmp_path / "X.item2index").write_text("a\t0\nb\t1\n")
    (tmp_path / "X.train.inter").write_text("h\n\nu\t0\t1\n")
    data = load_dataset(tmp_path)
    assert data.item_ids == ("a", "b")
    assert data.item_texts == ("Ay.", "Bee.")  # stripped
    assert set(data.splits) == {"train"}
    assert data.splits["train"] == (Example("u", (0,), 1),)


def test_the_real_dataset_format_loads() -> None:
    real = Path(__file__).resolve().parents[3] / "shared" / "data" / "amazon-scientific"
    if not real.is_dir():
        pytest.skip("shared Scientific dataset not present")
    data = load_dataset(real, with_descriptions=False)
    assert data.num_items == 4385
    assert data.splits["train"][0] == Example("0", tuple(range(11)), 11)
    assert data.splits["test"][0] == Example("0", tuple(range(13)), 13)
    assert len(data.splits["valid"]) == len(data.splits["test"]) == 8442


@pytest.mark.parametrize(("file", "content", "message"), [
    ("Tiny.train.inter", "h\nu1\t0\t2\nu2\t1 3\n", r"Tiny\.train\.inter:3: expected user<TAB>history<TAB>target"),
    ("Tiny.valid.inter", "h\nu1\t0 x\t3\n", r"Tiny\.valid\.inter:2: item indices must be integers"),
    ("Tiny.test.inter", "h\nu1\t0\t1\nu1\t0 2\t5\n", r"Tiny\.test\.inter:3: item index outside 0\.\.4"),
    ("Tiny.test.inter", "h\nu1\t-1\t1\n", r"Tiny\.test\.inter:2: item index outside"),
    ("Tiny.item2index", "A1\t0\nB2\tone\n", r"Tiny\.item2index:2: expected item_id<TAB>index"),
    ("Tiny.item2index", "A1\t0\nB2\t2\n", r"Tiny\.item2index: indices are not 0\.\.1"),
    ("Tiny.text", "h\nA1\tWidget.\nB2 no tab\n", r"Tiny\.text:3: expected item_id<TAB>text"),
])
def test_malformed_rows_name_the_file_and_line(folder: Path, file: str, content: str,
                                               message: str) -> None:
    (folder / file).write_text(content)
    with pytest.raises(DatasetError, match=message):
        load_dataset(folder)


def test_items_without_text_are_refused(folder: Path) -> None:
    (folder / "Tiny.text").write_text("h\nA1\tWidget.\n")
    with pytest.raises(DatasetError, match=r"Tiny\.text: no text for 4 items, e\.g\. B2"):
        load_dataset(folder)


def test_missing_files_are_refused(folder: Path, tmp_path: Path) -> None:
    (folder / "Tiny.train.inter").unlink()
    with pytest.raises(DatasetError, match=r"Tiny\.train\.inter not found"):
        load_dataset(folder)
    (folder / "Tiny.item2index").unlink()
    with pytest.raises(DatasetError, match=r"Tiny\.item2index: file not found"):
        load_dataset(folder)
    (folder / "Other.text").write_text("h\n")
    with pytest.raises(DatasetError, match="expected exactly one NAME.text file, found 2"):
        load_dataset(folder)
    with pytest.raises(DatasetError, match="not a folder"):
        load_dataset(tmp_path / "absent")


def write_side_file(folder: Path) -> Path:
    side = folder / "industrial_items_with_descriptions.json"
    side.write_text(json.dumps({
        "0": {"title": "Acme red widget", "description": "['Bright red.', 'Made of  steel.']"},
        "1": {"title": "Acme red widget", "description": "A later duplicate is ignored."},
        "2": {"title": "Acme blue", "description": "A prefix of a title does not match."},
        "3": {"title": "Borealis copper valve.", "description": ["Brass", "fittings"]},
        "4": {"title": "Nitrile gloves, box of 100", "description": ""},
        "5": {"title": "Unrelated", "description": "Nothing links here."},
    }))
    return side


def test_add_descriptions_joins_by_exact_title(tmp_path: Path) -> None:
    texts, added = add_descriptions(tiny_dataset().item_texts, write_side_file(tmp_path))
    assert added == 2
    assert texts == [
        "Acme red widget. Industrial & Scientific Widgets. Acme. Bright red. Made of steel.",
        "Borealis copper valve. Industrial & Scientific Valves. Borealis. Brass fittings",
        "Acme blue widget. Industrial & Scientific Widgets. Acme.",
        "Nitrile gloves, box of 100. Industrial & Scientific Safety. Generic.",
        "Unseen gasket. Industrial & Scientific Seals. Zephyr.",
    ]


def test_load_dataset_applies_the_side_file_unless_told_not_to(folder: Path) -> None:
    write_side_file(folder)
    assert load_dataset(folder).item_texts[0].endswith("Acme. Bright red. Made of steel.")
    assert load_dataset(folder, with_descriptions=False).item_texts == tiny_dataset().item_texts


def test_subset_keeps_the_first_users_and_reindexes_their_items() -> None:
    small = subset(tiny_dataset(), max_users=1)  # u1 touches items 0, 2, 3, 1
    assert small.item_ids == ("A1", "B2", "C3", "D4")
    assert small.splits == {
        "train": (Example("u1", (0,), 2),),
        "valid": (Example("u1", (0, 2), 3),),
        "test": (Example("u1", (0, 2, 3), 1),),
    }
    two = subset(tiny_dataset(), max_users=2)
    assert two.item_ids == ("A1", "B2", "C3", "D4")
    assert two.splits["train"] == (Example("u1", (0,), 2), Example("u2", (1, 3), 0))


def test_subset_drops_unused_items_and_keeps_texts_aligned() -> None:
    data = InteractionDataset(
        name="S", item_ids=("a", "b", "c", "d"), item_texts=("ta", "tb", "tc", "td"),
        splits={"train": (Example("x", (3,), 1), Example("y", (0,), 2))})
    small = subset(data, max_users=1)
    assert small.item_ids == ("b", "d") and small.item_texts == ("tb", "td")
    assert small.splits["train"] == (Example("x", (1,), 0),)


def prefix_rows(user: str, sequence: list[int], longest_first: bool) -> list[Example]:
    rows = [Example(user, tuple(sequence[:n]), sequence[n]) for n in range(1, len(sequence))]
    return rows[::-1] if longest_first else rows


def counts_dataset(longest_first: bool) -> InteractionDataset:
    rows = prefix_rows("u", [0, 1, 2, 3], longest_first) + prefix_rows("v", [2, 4], longest_first)
    return InteractionDataset(name="C", item_ids=tuple("abcde"), item_texts=tuple("abcde"),
                              splits={"train": tuple(rows)})


def test_item_counts_count_each_interaction_once_shortest_row_first() -> None:
    assert counts_dataset(longest_first=False).item_counts() == [1, 1, 2, 1, 1]


def test_item_counts_count_each_interaction_once_longest_row_first() -> None:
    assert counts_dataset(longest_first=True).item_counts() == [1, 1, 2, 1, 1]
