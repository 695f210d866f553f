"""Importing a catalog file in the documented format (docs/catalog-schema.md) into real SQLite:
good rows with their variants, bad rows reported as file:line and skipped, reruns that write
nothing, changes that touch only the changed product, a batch per transaction."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from catalog import SqlCatalog
from catalog.import_catalog import main
from catalog.importers import upsert
from catalog.importers.generic import CatalogFile, CatalogFileError
from catalog.importers.record import json_schema
from catalog.importers.upsert import import_catalog_file, write_records

JACKET = {
    "id": "J1", "name": "Trail Jacket", "description": "Light and warm.",
    "category": "Men / Tops/Jackets", "categories": ["Sale"], "brand": "Acme",
    "price": 80, "regular_price": 99.5, "currency": "EUR", "image": "https://img.example/j1.jpg",
    "attributes": {"material": ["Nylon", "Polyester"], "gender": "Men", "eco_friendly": True,
                   "season": "winter", "fits": ["slim", "regular"]},
    "variants": [
        {"sku": "J1-M-Red", "color": "Red", "size": "M", "stock": 3},
        {"sku": "J1-S-Red", "color": "Red", "size": "S", "stock": 0},
        {"sku": "J1-S-Blue", "color": "Blue", "size": "S", "stock": 2, "price": 70},
    ],
}
MUG = {"id": "M1", "name": "Camp Mug", "price": 9.5, "attributes": {"color": "Green"}}


def _jsonl(path: Path, records: list[object], raw: dict[int, str] | None = None) -> Path:
    lines = [json.dumps(r) for r in records]
    for index, text in (raw or {}).items():
        lines.insert(index, text)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalog.sqlite'}"


def _digest(tmp_path: Path) -> str:
    return hashlib.sha256((tmp_path / "catalog.sqlite").read_bytes()).hexdigest()


def _rowids(tmp_path: Path) -> dict[str, int]:
    with sqlite3.connect(tmp_path / "catalog.sqlite") as db:
        return dict(db.execute("select id, rowid from products"))


def test_jsonl_good_rows_with_variants_and_bad_rows_reported(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "shop.jsonl",
        [JACKET, {"id": "B1", "name": "", "price": -2}, MUG,
         {"id": "B2", "name": "Cap", "variants": [{"sku": "C", "stock": "lots"}]},
         ["not", "an", "object"], {"id": "B3", "name": "Hat", "colour": "red"}],
        raw={2: '{"id": "B4", "name": "Broken"'},
    )
    reported: list[str] = []
    summary = import_catalog_file(path, "acme", _url(tmp_path),
                                  on_issue=lambda i: reported.append(str(i)))
    assert (summary.new, summary.updated, summary.unchanged, summary.skipped) == (2, 0, 0, 5)
    assert reported == [str(i) for i in summary.issues]
    assert reported == [
        "shop.jsonl:2: product B1: name: String should have at least 1 character; "
        "price: Input should be greater than or equal to 0",
        "shop.jsonl:3: not valid JSON (Expecting ',' delimiter, column 30)",
        "shop.jsonl:5: product B2: variants.0.stock: Input should be a valid number, "
        "unable to parse string as a number",
        "shop.jsonl:6: expected a JSON object, got list",
        "shop.jsonl:7: product B3: colour: Extra inputs are not permitted",
    ]
    catalog = SqlCatalog(_url(tmp_path), "acme")
    jacket = catalog.product("J1")
    assert jacket is not None
    assert (jacket.category, jacket.product_type, jacket.categories) == (
        "Men/Tops/Jackets", "Jackets", ("Men/Tops/Jackets", "Sale"))
    assert (jacket.price, jacket.regular_price, jacket.currency, jacket.brand) == (
        80.0, 99.5, "EUR", "Acme")
    assert (jacket.gender, jacket.materials, jacket.eco_friendly) == (
        "men", ("Nylon", "Polyester"), True)
    assert (jacket.colors, jacket.sizes, jacket.in_stock) == (("Red", "Blue"), ("S", "M"), True)
    assert [(v.sku, v.qty, v.in_stock, v.price) for v in jacket.variants] == [
        ("J1-M-Red", 3.0, True, 80.0), ("J1-S-Red", 0.0, False, 80.0),
        ("J1-S-Blue", 2.0, True, 70.0)]
    mug = catalog.product("M1")
    assert mug is not None and (mug.colors, mug.variants, mug.in_stock) == (("Green",), (), True)
    with sqlite3.connect(tmp_path / "catalog.sqlite") as db:
        assert sorted(db.execute("select product_id, name, value from product_attributes")) == [
            ("J1", "fits", "regular"), ("J1", "fits", "slim"), ("J1", "season", "winter")]
    assert catalog.fingerprint() is not None  # the store counts as imported


def test_rerun_writes_nothing_and_a_changed_row_updates_only_itself(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "shop.jsonl", [JACKET, MUG, {**MUG, "id": "M2"}])
    import_catalog_file(path, "acme", _url(tmp_path))
    before, rowids = _digest(tmp_path), _rowids(tmp_path)

    again = import_catalog_file(path, "acme", _url(tmp_path))
    assert (again.changed, again.unchanged) == (0, 3)
    assert again.lines()[0].startswith("store acme: 0 changed")
    assert _digest(tmp_path) == before  # not one byte of the database file changed

    _jsonl(path, [JACKET, {**MUG, "price": 8.0}, {**MUG, "id": "M2"}])
    changed = import_catalog_file(path, "acme", _url(tmp_path))
    assert (changed.new, changed.updated, changed.unchanged) == (0, 1, 2)
    after = _rowids(tmp_path)
    assert {pid for pid in rowids if after[pid] != rowids[pid]} == {"M1"}
    assert SqlCatalog(_url(tmp_path), "acme").product("M1").price == 8.0  # type: ignore[union-attr]

    variants = [{**v, "stock": 9} if v["sku"] == "J1-S-Red" else v for v in JACKET["variants"]]
    _jsonl(path, [{**JACKET, "variants": variants}, {**MUG, "price": 8.0}, {**MUG, "id": "M2"}])
    assert import_catalog_file(path, "acme", _url(tmp_path)).updated == 1
    jacket = SqlCatalog(_url(tmp_path), "acme").product("J1")
    assert jacket is not None and [v.qty for v in jacket.variants] == [3.0, 9.0, 2.0]


def test_csv_one_row_per_variant_grouped_by_product(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text(
        "id,name,description,category,price,currency,attr:material,attr:season,"
        "variant_sku,variant_color,variant_size,variant_stock\n"
        'J1,Trail Jacket,"Light,\nand warm.",Men/Tops/Jackets,80,EUR,Nylon|Polyester,winter,'
        "J1-M-Red,Red,M,3\n"
        "J1,,,,,,,,J1-S-Red,Red,S,0\n"
        "M1,Camp Mug,,Kitchen,9.5,,,,,,,\n"
        ",Nameless,,,,,,,,,,\n"
        "K1,Kettle,,Kitchen,-3,,,,,,,\n"
        "T1,Tent,,Camping,200,,,,T1-2P,Green,,2\n"
        "T1,Tent XL,,,,,,,T1-4P,Green,,1\n"
        "S1,Stove,,Camping,40,,,,S1-A,,,1\n"
        "S1,,,,,,,,S1-B,,,many\n"
        "L1,Lamp,,Camping,20,,,,,,,,\n",
        encoding="utf-8",
    )
    summary = import_catalog_file(path, "acme", _url(tmp_path))
    assert [str(i) for i in summary.issues] == [
        "shop.csv:6: missing id",
        "shop.csv:7: product K1: price: Input should be greater than or equal to 0",
        "shop.csv:9: product T1: name differs from line 8 "
        "(a product's rows must repeat its cells or leave them empty)",
        "shop.csv:11: product S1: variants.1.stock: Input should be a valid number, "
        "unable to parse string as a number",
        "shop.csv:12: 13 cells but 12 columns",
    ]
    assert (summary.new, summary.skipped) == (2, 5)
    jacket = SqlCatalog(_url(tmp_path), "acme").product("J1")
    assert jacket is not None
    assert (jacket.description, jacket.materials, jacket.sizes) == (
        "Light,\nand warm.", ("Nylon", "Polyester"), ("S", "M"))
    assert [(v.sku, v.qty) for v in jacket.variants] == [("J1-M-Red", 3.0), ("J1-S-Red", 0.0)]
    assert import_catalog_file(path, "acme", _url(tmp_path)).changed == 0


def test_unknown_csv_column_stops_before_any_row(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,name,colour\nA,Hat,red\n", encoding="utf-8")
    with pytest.raises(CatalogFileError, match=r"shop.csv:1: unknown column colour"):
        list(CatalogFile(path))


def test_product_given_twice_is_reported_across_batches(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "shop.jsonl",
                  [MUG, {**MUG, "id": "M2"}, {**MUG, "id": "M3"}, {**MUG, "name": "Other mug"}])
    engine = create_engine(_url(tmp_path))
    summary = write_records(CatalogFile(path), "acme", engine, batch_size=2,
                            file_name=path.name)
    assert [str(i) for i in summary.issues] == ["shop.jsonl:4: product M1 already given on line 1"]
    assert SqlCatalog(_url(tmp_path), "acme").product("M1").name == "Camp Mug"  # type: ignore[union-attr]


def test_each_batch_is_one_transaction_and_a_rerun_finishes_the_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = [{**MUG, "id": f"M{i}"} for i in range(5)]
    path = _jsonl(tmp_path / "shop.jsonl", records)
    engine = create_engine(_url(tmp_path))
    real_replace, calls = upsert._Writer._replace, []

    def failing_replace(self, changed):  # type: ignore[no-untyped-def]
        calls.append(len(changed))
        real_replace(self, changed)
        if len(calls) == 2:
            raise RuntimeError("killed")

    monkeypatch.setattr(upsert._Writer, "_replace", failing_replace)
    with pytest.raises(RuntimeError, match="killed"):
        write_records(CatalogFile(path), "acme", engine, batch_size=2)
    assert sorted(_rowids(tmp_path)) == ["M0", "M1"]  # the first batch stayed, the second not
    monkeypatch.setattr(upsert._Writer, "_replace", real_replace)
    summary = write_records(CatalogFile(path), "acme", engine, batch_size=2)
    assert (summary.new, summary.unchanged) == (3, 2)


def test_cli_imports_a_new_store_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _jsonl(tmp_path / "shop.jsonl", [JACKET, {"id": "X", "name": ""}])
    url = _url(tmp_path)
    assert main(["--store", "corner-shop", "--file", str(path), "--db", url]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("store corner-shop: 1 changed (1 new, 0 updated; 3 variants written)")
    assert "shop.jsonl:2: product X: name: String should have at least 1 character" in err
    assert SqlCatalog(url, "corner-shop").product("J1") is not None
    assert SqlCatalog(url, "luma").product("J1") is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--store", "corner-shop"], "error: store 'corner-shop' has no importer of its own"),
        (["--store", "Corner Shop", "--file", "x.jsonl"], "must be 1-32 lower-case letters"),
        (["--store", "../../tmp/evil", "--file", "x.jsonl"], "must be 1-32 lower-case letters"),
        (["--store", "acme", "--file", "missing.jsonl"], "error: catalog file not found"),
        (["--store", "acme", "--file", "shop.txt"], "error: cannot tell the format of shop.txt"),
        (["--store", "acme", "--file", "newer.jsonl"],
         "error: newer.jsonl:1: bad header (version 2 is not one this importer reads (1 to 1))"),
        (["--store", "acme", "--file", "odd.csv"], "error: odd.csv:1: unknown column colour"),
    ],
)
def test_cli_bad_arguments_get_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "shop.txt").write_text("{}\n", encoding="utf-8")
    _jsonl(tmp_path / "newer.jsonl", [{"catalog": {"version": 2}}, MUG])
    (tmp_path / "odd.csv").write_text("id,name,colour\nA,Hat,red\n", encoding="utf-8")
    argv = [str(tmp_path / a) if a.endswith((".jsonl", ".txt", ".csv")) else a for a in argv]
    assert main([*argv, "--db", _url(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "catalog.sqlite").exists()


def test_database_made_before_the_attributes_table_still_opens(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "shop.jsonl", [MUG])
    import_catalog_file(path, "acme", _url(tmp_path))
    with sqlite3.connect(tmp_path / "catalog.sqlite") as db:
        db.execute("drop table product_attributes")
    assert SqlCatalog(_url(tmp_path), "acme").product("M1") is not None
    again = import_catalog_file(_jsonl(path, [JACKET, MUG]), "acme", _url(tmp_path))
    assert (again.new, again.unchanged) == (1, 1)


def test_documented_json_schema_is_the_models() -> None:
    documented = Path(__file__).parents[2] / "docs" / "catalog-record.schema.json"
    assert json.loads(documented.read_text(encoding="utf-8")) == json_schema(), (
        "regenerate: python -m catalog.importers.record > docs/catalog-record.schema.json")


def test_prune_removes_products_missing_from_a_cleanly_read_file(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "shop.jsonl", [JACKET, MUG, {**MUG, "id": "M2"}])
    import_catalog_file(path, "acme", _url(tmp_path))

    _jsonl(path, [JACKET, {**MUG, "id": "M2"}, {"id": "M3", "name": ""}])
    kept = import_catalog_file(path, "acme", _url(tmp_path), prune=True)
    assert (kept.removed, kept.skipped) == (None, 1)
    assert kept.lines()[1] == "nothing removed: 1 rows were skipped"
    assert SqlCatalog(_url(tmp_path), "acme").product("M1") is not None  # bad input loses nothing

    _jsonl(path, [JACKET, {**MUG, "id": "M2"}])
    pruned = import_catalog_file(path, "acme", _url(tmp_path), prune=True)
    assert (pruned.removed, pruned.unchanged) == (1, 2)
    assert pruned.lines()[0].endswith("0 skipped, 1 removed (not in the file)")
    catalog = SqlCatalog(_url(tmp_path), "acme")
    assert catalog.product("M1") is None and catalog.product("J1") is not None
    before = _digest(tmp_path)
    assert import_catalog_file(path, "acme", _url(tmp_path), prune=True).removed == 0
    assert _digest(tmp_path) == before

    _jsonl(path, [])
    empty = import_catalog_file(path, "acme", _url(tmp_path), prune=True)
    assert empty.not_pruned == "the file has no products"
    assert [p.id for p in SqlCatalog(_url(tmp_path), "acme").products()] == ["J1", "M2"]


def test_prune_leaves_other_stores_alone(tmp_path: Path) -> None:
    import_catalog_file(_jsonl(tmp_path / "a.jsonl", [MUG]), "shop-a", _url(tmp_path))
    import_catalog_file(_jsonl(tmp_path / "b.jsonl", [JACKET]), "shop-b", _url(tmp_path),
                        prune=True)
    assert SqlCatalog(_url(tmp_path), "shop-a").product("M1") is not None
    with sqlite3.connect(tmp_path / "catalog.sqlite") as db:
        assert db.execute("select store, count(*) from variants group by store").fetchall() == [
            ("shop-b", 3)]
        assert db.execute("select store, count(*) from products group by store").fetchall() == [
            ("shop-a", 1), ("shop-b", 1)]


def test_a_variant_sku_given_by_two_products_is_reported_not_a_crash(tmp_path: Path) -> None:
    cap = {"id": "C1", "name": "Cap", "variants": [{"sku": "CAP-RED", "color": "Red"}]}
    hat = {"id": "H1", "name": "Hat", "variants": [{"sku": "CAP-RED", "color": "Red"}]}
    path = _jsonl(tmp_path / "shop.jsonl", [cap, MUG, hat, {**hat, "id": "H2"}])
    for batch_size in (500, 2):  # the same batch, then a later one
        (tmp_path / "catalog.sqlite").unlink(missing_ok=True)
        summary = write_records(CatalogFile(path), "acme", create_engine(_url(tmp_path)),
                                batch_size=batch_size, file_name=path.name)
        assert [str(i) for i in summary.issues] == [
            "shop.jsonl:3: product H1: variant SKU CAP-RED already belongs to product C1",
            "shop.jsonl:4: product H2: variant SKU CAP-RED already belongs to product C1",
        ]
        assert summary.new == 2

    # A SKU may move to another product between imports: the new file gives it once.
    moved = import_catalog_file(_jsonl(path, [{**cap, "variants": []}, hat]), "acme",
                                _url(tmp_path))
    assert (moved.new, moved.updated, moved.skipped) == (1, 1, 0)
    hat_now = SqlCatalog(_url(tmp_path), "acme").product("H1")
    assert hat_now is not None and [v.sku for v in hat_now.variants] == ["CAP-RED"]


def test_infinite_or_nan_numbers_are_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "shop.jsonl"
    path.write_text(
        '{"id": "A", "name": "Hat", "price": 1e400}\n'
        '{"id": "B", "name": "Cap", "variants": [{"sku": "B1", "stock": Infinity}]}\n'
        '{"id": "C", "name": "Bag", "attributes": {"weight": NaN}}\n'
        '{"id": "D", "name": "Mug", "price": 3}\n',
        encoding="utf-8",
    )
    summary = import_catalog_file(path, "acme", _url(tmp_path))
    assert [i.line for i in summary.issues] == [1, 2, 3]
    assert all("finite number" in i.reason for i in summary.issues), summary.issues
    assert summary.new == 1


def test_a_byte_order_mark_is_not_part_of_the_first_column_or_line(tmp_path: Path) -> None:
    csv_path = tmp_path / "excel.csv"
    csv_path.write_bytes("id,name,price\nA,Hat,3\n".encode("utf-8-sig"))
    jsonl_path = tmp_path / "notepad.jsonl"
    jsonl_path.write_bytes((json.dumps(MUG) + "\n").encode("utf-8-sig"))
    for path in (csv_path, jsonl_path):
        summary = import_catalog_file(path, "acme", _url(tmp_path))
        assert (summary.new, summary.skipped) == (1, 0), summary.issues
