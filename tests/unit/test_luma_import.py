"""Magento rows: prices, categories, attributes, variants, gear rows and reported bad rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from aisle.settings import Settings
from catalog.importers import luma_rows as rows
from catalog.importers.base import CatalogSourceMissing
from catalog.importers.luma import parse_luma

CONFIG_HEADER = [
    "sku",
    "product_type",
    "categories",
    "name",
    "description",
    "price",
    "special_price",
    "qty",
    "is_in_stock",
    "base_image",
    "additional_attributes",
    "configurable_variations",
]
PARENT_CATS = (
    "Default Category/Women/Tops/Jackets,Default Category/Promotions/Women Sale,Default Category"
)
VARIATIONS = "sku=WJ01-S-Red,size=S,color=Red|sku=WJ01-XS-Blue,size=XS,color=Blue"


def _write(path: Path, header: list[str], data: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(data)


def _simple(sku: str, name: str, price: str, attributes: str, stock: str = "1") -> list[str]:
    return [sku, "simple", PARENT_CATS, name, "", price, "", "100", stock, "", attributes, ""]


@pytest.fixture
def luma_dir(tmp_path: Path) -> Path:
    """A tiny Magento store: one jacket with variants, one gear bag, and four bad rows."""
    folder = tmp_path / "luma"
    folder.mkdir()
    parent = [
        "WJ01",
        "configurable",
        PARENT_CATS,
        "Stellar Jacket",
        "<p>Light.</p>\n<p>&bull; Zip</p>",
        "77",
        "59.5",
        "0",
        "1",
        "/w/j/wj01-red_main.jpg",
        "material=Nylon|Polyester,climate=Cool|Windy,eco_collection=Yes,performance_fabric=0",
        VARIATIONS,
    ]
    _write(
        folder / "products_configurable.csv",
        CONFIG_HEADER,
        [
            parent,  # lines 2-3
            _simple("WJ01-S-Red", "Stellar Jacket-S-Red", "77", "size=S,color=Red", "0"),  # line 4
            _simple("WJ01-XS-Blue", "Stellar Jacket-XS-Blue", "77", "size=XS,color=Blue"),  # line 5
            _simple("", "No Sku", "10", "size=M,color=Red"),  # line 6
            _simple("WJ01-M-Red", "", "77", "size=M,color=Red"),  # line 7
            _simple("WJ01-L-Red", "Stellar Jacket-L-Red", "seventy", "size=L,color=Red"),  # line 8
            _simple("ZZ99-S-Red", "Orphan-S-Red", "10", "size=S,color=Red"),  # line 9
        ],
    )
    _write(
        folder / "products_gear_bags.csv",
        [
            "category",
            "name",
            "sku",
            "price",
            "qty",
            "description",
            "material",
            "activity",
            "gender",
        ],
        [
            [
                "Gear\nBags\nCollections\nErin Recommends",
                "Joust Duffle Bag ",
                "24-MB01",
                "34",
                "100",
                "<p>Big.</p>",
                "Nylon\nPolyester",
                "Gym\nTravel",
                "Men\nWomen\nUnisex",
            ],  # lines 2-9
            ["Gear\nBags", "Bad Bag", "24-MB02", "$x", "1", "", "", "", "Men"],  # lines 10-11
        ],
    )
    _write(
        folder / "reviews.csv",
        ["sku", "rating_value", "title", "review", "reviewer", "email"],
        [
            ["WJ01", "4", "Nice", "Warm.", "Ann", "ann@example.com"],
            ["WJ01-S-Red", "2", "Meh", "Small.", "Bo", ""],
            ["24-MB01", "9", "??", "", "Cy", ""],
        ],
    )
    return folder


def test_special_price_wins_and_list_price_is_kept() -> None:
    assert rows.shop_prices("77", "59.5") == (59.5, 77.0)
    assert rows.shop_prices("52", "") == (52.0, 52.0)
    with pytest.raises(rows.RowError, match="unparsable price 'abc'"):
        rows.shop_prices("abc", "")


def test_categories_main_path_and_gender() -> None:
    paths = rows.category_paths(PARENT_CATS)
    assert paths == ("Women/Tops/Jackets", "Promotions/Women Sale")
    assert rows.main_category(paths) == "Women/Tops/Jackets"
    assert rows.leaf("Women/Tops/Jackets") == "Jackets"
    assert rows.gender_of("Men/Tops/Tees") == "men"
    assert rows.gear_category_paths("Gear\nBags\nCollections\nNew") == (
        "Gear/Bags",
        "Collections/New",
    )
    assert rows.gender_from_column("Men\nWomen\nUnisex") == "unisex"
    assert rows.gender_from_column("Women") == "women"


def test_attributes_and_sizes() -> None:
    attrs = rows.parse_attributes("size=XS,color=Black,material=Cotton|Lycra&reg;")
    assert attrs["size"] == "XS" and rows.split_values(attrs["material"]) == ("Cotton", "Lycra®")
    assert rows.ordered_sizes(["XL", "32", "S", "28", "XS", "S"]) == ("XS", "S", "XL", "28", "32")
    assert rows.image_name("/m/h/mh01-gray_main.jpg") == "mh01-gray_main.jpg"


def test_fixture_store_products_variants_and_issues(luma_dir: Path) -> None:
    catalog = parse_luma(luma_dir)
    jacket = next(p for p in catalog.products if p.id == "WJ01")
    assert (jacket.price, jacket.regular_price) == (59.5, 77.0)
    assert jacket.category == "Women/Tops/Jackets" and jacket.product_type == "Jackets"
    assert jacket.gender == "women" and jacket.eco_friendly and not jacket.performance_fabric
    assert jacket.materials == ("Nylon", "Polyester") and jacket.climates == ("Cool", "Windy")
    assert jacket.colors == ("Red", "Blue") and jacket.sizes == ("XS", "S")
    assert jacket.in_stock and jacket.image == "wj01-red_main.jpg"
    assert jacket.description == "Light. Zip."
    assert {(v.sku, v.in_stock) for v in jacket.variants} == {
        ("WJ01-S-Red", False),
        ("WJ01-XS-Blue", True),
    }
    assert (jacket.rating, jacket.review_count) == (3.0, 2)

    bag = next(p for p in catalog.products if p.id == "24-MB01")
    assert (
        bag.name == "Joust Duffle Bag"
        and bag.category == "Gear/Bags"
        and bag.product_type == "Bags"
    )
    assert bag.categories == ("Gear/Bags", "Collections/Erin Recommends")
    assert bag.gender == "unisex" and bag.activities == ("Gym", "Travel") and bag.price == 34.0

    assert [str(i) for i in catalog.issues] == [
        "products_configurable.csv:6: missing SKU",
        "products_configurable.csv:7: missing name for SKU WJ01-M-Red",
        "products_configurable.csv:8: unparsable price 'seventy' for SKU WJ01-L-Red",
        "products_configurable.csv:9: variant ZZ99-S-Red has no parent product",
        "products_gear_bags.csv:10: unparsable price '$x' for SKU 24-MB02",
        "reviews.csv:4: rating '9' is not 1-5",
    ]
    assert all("@" not in r.text + r.reviewer for r in catalog.reviews)


def test_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogSourceMissing, match="Luma data folder not found"):
        parse_luma(tmp_path / "nope")


@pytest.fixture(scope="module")
def real_luma() -> Path:
    folder = Settings().data_dir / "luma"
    if not (folder / "products_configurable.csv").exists():
        pytest.skip(f"Luma data not found at {folder} (set AISLE_DATA_DIR)")
    return folder


def test_real_luma_counts_and_chaz_hoodie(real_luma: Path) -> None:
    catalog = parse_luma(real_luma)
    assert catalog.counts()["products"] == 147 + 44
    assert catalog.counts()["variants"] == 1847
    assert len(catalog.reviews) == 500
    chaz = next(p for p in catalog.products if p.name == "Chaz Kangeroo Hoodie")
    assert chaz.price == 52.0 and chaz.colors == ("Black", "Gray", "Orange")
    assert chaz.category == "Men/Tops/Hoodies & Sweatshirts" and chaz.gender == "men"
    assert chaz.product_type == "Hoodies & Sweatshirts" and chaz.sizes == (
        "XS",
        "S",
        "M",
        "L",
        "XL",
    )
    assert not [i for i in catalog.issues if i.file.startswith("products_")]
