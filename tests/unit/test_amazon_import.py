"""Amazon Scientific items: title, category levels, brand and joined descriptions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisle.settings import Settings
from catalog.importers.amazon import (
    category_levels,
    parse_scientific,
    split_category,
    split_item_text,
)


def test_split_item_text_handles_dots_in_titles_and_empty_categories() -> None:
    assert split_item_text(
        "Glue No. 2. Bottle, Brown. Industrial & Scientific Tapes, Adhesives & Sealants Glues. Gorilla. "
    ) == (
        "Glue No. 2. Bottle, Brown",
        "Industrial & Scientific Tapes, Adhesives & Sealants Glues",
        "Gorilla",
    )
    assert split_item_text("Exhaust Fan, 120 Volt. . TPI. ") == ("Exhaust Fan, 120 Volt", "", "TPI")


def test_category_levels_come_from_whole_paths_in_the_data() -> None:
    flat = {
        "Industrial & Scientific Abrasive & Finishing Products",
        "Industrial & Scientific Abrasive & Finishing Products Manual Sanding Products",
        "Industrial & Scientific Abrasive & Finishing Products Manual Sanding Products Sanding Rolls",
        "Industrial & Scientific Abrasive & Finishing Products Manual Sanding Products Sanding Sheets",
    }
    levels = category_levels(flat)
    # "... Sanding" shared by Rolls and Sheets adds one word to a known node: not a level.
    assert split_category(sorted(flat)[2], levels) == (
        "Industrial & Scientific/Abrasive & Finishing Products/Manual Sanding Products/Sanding Rolls"
    )


def test_tiny_folder_with_description_join(tmp_path: Path) -> None:
    (tmp_path / "Scientific.text").write_text(
        "item_id:token\ttext:token_seq\n"
        "A1\tRuler 30 cm. Industrial & Scientific Test, Measure & Inspect. Acme. \n"
        "A2\tNo Index Item. . Acme. \n",
        encoding="utf-8",
    )
    (tmp_path / "Scientific.item2index").write_text("A1\t0\n", encoding="utf-8")
    (tmp_path / "industrial_items_with_descriptions.json").write_text(
        json.dumps(
            {"0": {"title": "Ruler 30 cm", "description": "['Steel <b>ruler</b>.', 'Metric']"}}
        ),
        encoding="utf-8",
    )
    catalog = parse_scientific(tmp_path)
    (ruler,) = catalog.products
    assert (ruler.id, ruler.name, ruler.brand, ruler.price) == ("A1", "Ruler 30 cm", "Acme", None)
    assert ruler.category == "Industrial & Scientific/Test, Measure & Inspect"
    assert ruler.product_type == "Test, Measure & Inspect"
    assert ruler.description == "Steel ruler. Metric."
    assert [str(i) for i in catalog.issues] == [
        "Scientific.text:3: ASIN A2 not in Scientific.item2index"
    ]


def test_real_scientific_items() -> None:
    folder = Settings().data_dir / "amazon-scientific"
    if not (folder / "Scientific.text").exists():
        pytest.skip(f"Amazon Scientific data not found at {folder} (set AISLE_DATA_DIR)")
    catalog = parse_scientific(folder)
    assert len(catalog.products) == 4385 and not catalog.issues
    assert len({p.id for p in catalog.products}) == 4385
    assert sum(1 for p in catalog.products if p.description) > 2000
    glue = next(p for p in catalog.products if p.id == "B0000223UV")
    assert glue.brand == "Gorilla" and glue.product_type == "Urethane Adhesives"
