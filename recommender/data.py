"""Interaction datasets in the atomic (RecBole/UniSRec) format.

A dataset folder ``DIR`` holds, for one name ``NAME``:

- ``NAME.text``: header line, then ``item_id<TAB>text`` (ASIN, "title. category path. brand.");
- ``NAME.item2index``: ``item_id<TAB>index`` (0-based, dense);
- ``NAME.{train,valid,test}.inter``: header line, then
  ``user<TAB>space-separated history indices (oldest first)<TAB>next item index``.

A side file ``*_items_with_descriptions.json`` (``{key: {title, description, ...}}``), when present,
adds descriptions to items whose title matches exactly.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("train", "valid", "test")


class DatasetError(ValueError):
    """The dataset folder is missing files or holds malformed rows."""


@dataclass(frozen=True)
class Example:
    """One leave-one-out example: a shopper's history (oldest first) and the item that came next."""

    user: str
    history: tuple[int, ...]
    target: int


@dataclass(frozen=True)
class InteractionDataset:
    """Items with their texts, and the examples of each split."""

    name: str
    item_ids: tuple[str, ...]
    item_texts: tuple[str, ...]
    splits: dict[str, tuple[Example, ...]]

    @property
    def num_items(self) -> int:
        return len(self.item_ids)

    def item_counts(self, split: str = "train") -> list[int]:
        """How often each item occurs in a split, each interaction counted once.

        A split holds one row per prefix of a user's sequence; the user's longest row (its
        history plus its target) is their whole sequence, so only that row is counted.
        """
        longest: dict[str, Example] = {}
        for example in self.splits[split]:
            kept = longest.get(example.user)
            if kept is None or len(example.history) > len(kept.history):
                longest[example.user] = example
        counts = [0] * self.num_items
        for example in longest.values():
            for item in (*example.history, example.target):
                counts[item] += 1
        return counts


def _dataset_name(folder: Path) -> str:
    texts = sorted(folder.glob("*.text"))
    if len(texts) != 1:
        raise DatasetError(f"{folder}: expected exactly one NAME.text file, found {len(texts)}")
    return texts[0].name[: -len(".text")]


def _read_tsv(path: Path) -> list[tuple[int, list[str]]]:
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    rows = []
    with path.open(encoding="utf-8") as handle:
        next(handle, None)  # header
        for line_no, line in enumerate(handle, start=2):
            line = line.rstrip("\n")
            if line:
                rows.append((line_no, line.split("\t")))
    return rows


def _load_items(folder: Path, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    texts = {}
    for line_no, cols in _read_tsv(folder / f"{name}.text"):
        if len(cols) < 2:
            raise DatasetError(f"{name}.text:{line_no}: expected item_id<TAB>text")
        texts[cols[0]] = cols[1].strip()
    index_path = folder / f"{name}.item2index"
    if not index_path.is_file():
        raise DatasetError(f"{index_path}: file not found")
    order: dict[int, str] = {}
    with index_path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 2 or not cols[1].isdigit():
                raise DatasetError(f"{name}.item2index:{line_no}: expected item_id<TAB>index")
            order[int(cols[1])] = cols[0]
    if sorted(order) != list(range(len(order))):
        raise DatasetError(f"{name}.item2index: indices are not 0..{len(order) - 1}")
    item_ids = tuple(order[i] for i in range(len(order)))
    missing = [item for item in item_ids if item not in texts]
    if missing:
        raise DatasetError(f"{name}.text: no text for {len(missing)} items, e.g. {missing[0]}")
    return item_ids, tuple(texts[item] for item in item_ids)


def _load_split(folder: Path, name: str, split: str, num_items: int) -> tuple[Example, ...]:
    examples = []
    for line_no, cols in _read_tsv(folder / f"{name}.{split}.inter"):
        where = f"{name}.{split}.inter:{line_no}"
        if len(cols) != 3:
            raise DatasetError(f"{where}: expected user<TAB>history<TAB>target")
        try:
            history = tuple(int(tok) for tok in cols[1].split())
            target = int(cols[2])
        except ValueError as exc:
            raise DatasetError(f"{where}: item indices must be integers") from exc
        if any(not 0 <= item < num_items for item in (*history, target)):
            raise DatasetError(f"{where}: item index outside 0..{num_items - 1}")
        examples.append(Example(user=cols[0], history=history, target=target))
    return tuple(examples)


def _title_of(text: str) -> str:
    return text.split(". ", 1)[0].strip().rstrip(".")


def _clean_description(raw: object) -> str:
    if isinstance(raw, list):
        parts = [str(part) for part in raw]
    else:
        text = str(raw or "").strip()
        try:
            value = ast.literal_eval(text) if text.startswith("[") else text
        except (ValueError, SyntaxError):
            value = text
        parts = [str(part) for part in value] if isinstance(value, list) else [str(value)]
    return " ".join(" ".join(parts).split())


def description_side_file(folder: Path) -> Path | None:
    """The ``*_items_with_descriptions.json`` file of a dataset folder, if there is one."""
    found = sorted(folder.glob("*_items_with_descriptions.json"))
    return found[0] if found else None


def add_descriptions(item_texts: Sequence[str], side_file: Path) -> tuple[list[str], int]:
    """Append descriptions from ``side_file`` to texts whose title matches exactly.

    Returns:
        The new texts and how many items gained a description.
    """
    records = json.loads(side_file.read_text(encoding="utf-8"))
    by_title: dict[str, str] = {}
    for record in records.values():
        title = str(record.get("title", "")).strip().rstrip(".")
        description = _clean_description(record.get("description"))
        if title and description:
            by_title.setdefault(title, description)
    texts, added = [], 0
    for text in item_texts:
        description = by_title.get(_title_of(text))
        if description:
            texts.append(f"{text.rstrip()} {description}")
            added += 1
        else:
            texts.append(text)
    return texts, added


def load_dataset(folder: Path, *, with_descriptions: bool = True) -> InteractionDataset:
    """Read an atomic-format dataset folder (see the module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder")
    name = _dataset_name(folder)
    item_ids, item_texts = _load_items(folder, name)
    side_file = description_side_file(folder) if with_descriptions else None
    if side_file is not None:
        item_texts = tuple(add_descriptions(item_texts, side_file)[0])
    splits = {
        split: _load_split(folder, name, split, len(item_ids))
        for split in SPLITS
        if (folder / f"{name}.{split}.inter").is_file()
    }
    if "train" not in splits:
        raise DatasetError(f"{folder}: {name}.train.inter not found")
    return InteractionDataset(name=name, item_ids=item_ids, item_texts=item_texts, splits=splits)


def subset(dataset: InteractionDataset, max_users: int) -> InteractionDataset:
    """The first ``max_users`` users of every split, items re-indexed to those they touch."""
    users = list(dict.fromkeys(e.user for e in dataset.splits["train"]))[:max_users]
    keep = set(users)
    used = sorted({item for examples in dataset.splits.values() for e in examples
                   if e.user in keep for item in (*e.history, e.target)})
    new_index = {old: new for new, old in enumerate(used)}
    splits = {
        split: tuple(Example(e.user, tuple(new_index[i] for i in e.history), new_index[e.target])
                     for e in examples if e.user in keep)
        for split, examples in dataset.splits.items()
    }
    return InteractionDataset(name=dataset.name, item_ids=tuple(dataset.item_ids[i] for i in used),
                              item_texts=tuple(dataset.item_texts[i] for i in used), splits=splits)


def write_dataset(dataset: InteractionDataset, folder: Path, name: str | None = None) -> Path:
    """Write ``dataset`` in the atomic format (see the module docstring) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = name or dataset.name
    with (folder / f"{name}.text").open("w", encoding="utf-8") as handle:
        handle.write("item_id:token\ttext:token_seq\n")
        for item, text in zip(dataset.item_ids, dataset.item_texts, strict=True):
            handle.write(f"{item}\t{text}\n")
    with (folder / f"{name}.item2index").open("w", encoding="utf-8") as handle:
        for index, item in enumerate(dataset.item_ids):
            handle.write(f"{item}\t{index}\n")
    for split, examples in dataset.splits.items():
        with (folder / f"{name}.{split}.inter").open("w", encoding="utf-8") as handle:
            handle.write("user_id:token\titem_id_list:token_seq\titem_id:token\n")
            for e in examples:
                handle.write(f"{e.user}\t{' '.join(map(str, e.history))}\t{e.target}\n")
    return folder
