"""Commerce on a real SQLite file with the real Luma catalog, rules and sample orders."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from aisle.settings import Settings
from catalog import SqlCatalog
from catalog.importers import load
from commerce import importer
from commerce.importer import import_sample
from commerce.service import CommerceService

PLACED = datetime(2024, 5, 1, 9, 30)
RONI = "roni_cost@example.com"


@pytest.fixture(scope="module")
def luma_dir() -> Path:
    folder = Settings().data_dir / "luma"
    if not (folder / "promotions.csv").exists():
        pytest.skip(f"Luma data not found at {folder} (set AISLE_DATA_DIR)")
    return folder


@pytest.fixture(scope="module")
def catalog(luma_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> SqlCatalog:
    url = f"sqlite:///{tmp_path_factory.mktemp('catalog') / 'catalog.sqlite'}"
    load.import_catalog("luma", luma_dir.parent, url)
    return SqlCatalog(url, "luma")


def _open(tmp_path: Path, catalog: SqlCatalog, luma_dir: Path) -> CommerceService:
    service = CommerceService.from_files(f"sqlite:///{tmp_path / 'commerce.sqlite'}", catalog,
                                         luma_dir)
    assert service.issues == []
    return service


def test_real_rules_price_a_real_cart(tmp_path: Path, catalog: SqlCatalog, luma_dir: Path) -> None:
    service = _open(tmp_path, catalog, luma_dir)
    assert service.add_to_cart("s1", "MS04", "M", "Black", quantity=4).status == "added"
    view = service.view_cart("s1")
    assert view.subtotal == Decimal("116.00") and view.discount == Decimal("29.00")
    assert [p.name for p in view.promotions] == [
        "Buy 3 tee shirts and get the 4th free", "Spend $50 or more - shipping is free!"
    ]
    assert view.shipping == 0 and view.total == Decimal("87.00")
    assert service.rules.policy.return_days == 30
    assert service.rules.policy.return_quote.heading == "Returns and Replacements"  # type: ignore[union-attr]


def test_cart_survives_a_restart(tmp_path: Path, catalog: SqlCatalog, luma_dir: Path) -> None:
    first = _open(tmp_path, catalog, luma_dir)
    first.add_to_cart("s1", "WS03", "XS", "Red")
    first.apply_coupon("s1", "H20")
    first.set_destination("s1", "US", "Alaska")
    before = first.view_cart("s1")
    first.engine.dispose()
    second = _open(tmp_path, catalog, luma_dir)
    after = second.view_cart("s1")
    assert after == before
    assert after.shipping == Decimal("20.00") and after.coupon_code == "H20"  # Alaska, $29


def test_order_survives_a_restart(tmp_path: Path, catalog: SqlCatalog, luma_dir: Path) -> None:
    first = _open(tmp_path, catalog, luma_dir)
    first.add_to_cart("s1", "24-UG06")
    placed = first.place_order("s1", RONI, "priority")
    assert placed.status == "placed" and placed.order is not None
    assert placed.order.shipping == Decimal("26.00") and placed.order.total == Decimal("33.00")
    first.engine.dispose()
    second = _open(tmp_path, catalog, luma_dir)
    assert second.order_status(placed.order.number, RONI).order == placed.order
    assert second.view_cart("s1").is_empty


def test_import_real_sample_orders(tmp_path: Path, catalog: SqlCatalog, luma_dir: Path) -> None:
    service = _open(tmp_path, catalog, luma_dir)
    summary = import_sample(luma_dir, catalog, service.engine, PLACED)
    assert summary.changed and summary.imported == {"customers": 1, "orders": 2}
    assert summary.issues == []
    again = import_sample(luma_dir, catalog, service.engine, datetime(2030, 1, 1))
    assert not again.changed

    first = service.order_status("#000000001", " Roni_Cost@example.com")
    assert first.status == "found" and first.order is not None
    assert first.order.placed_at == PLACED  # the rerun changed nothing
    line = first.order.lines[0]
    assert (line.sku, line.size, line.color, line.unit_price) == ("WS03-XS-Red", "XS", "Red",
                                                                  Decimal("29.00"))
    assert first.order.status == "processing" and first.order.total == Decimal("34.00")
    second = service.order_status("order 2", RONI)
    assert second.order is not None and second.order.status == "refunded"
    assert second.order.lines[0].sku == "WS08-XS-Blue"

    assert service.order_status("1", "someone@example.com").status == "not_found"
    assert service.request_return("2", RONI, date(2024, 5, 2)).status == "not_returnable"
    assert service.cancel_order("2", RONI).status == "not_cancellable"
    assert service.cancel_order("000000001", RONI).status == "cancelled"


def test_bad_rows_are_reported_and_the_rest_imported(tmp_path: Path, catalog: SqlCatalog,
                                                     luma_dir: Path) -> None:
    data = tmp_path / "luma"
    data.mkdir()
    shutil.copy(luma_dir / "customers.csv", data)
    text = (luma_dir / "orders.csv").read_text()
    bad = '"roni_cost@example.com",USD,"flatrate_flatrate",checkmo,"{""sku"":""NOPE"",""qty"":""1""}",no\n'
    (data / "orders.csv").write_text(text.rstrip("\n") + "\n" + bad + "nobody,USD,x,y,{},no\n")
    service = _open(tmp_path, catalog, luma_dir)
    summary = import_sample(data, catalog, service.engine, PLACED)
    assert [str(i) for i in summary.issues] == [
        "orders.csv:4: unknown product NOPE",
        "orders.csv:5: missing or invalid customer_email",
    ]
    assert summary.imported["orders"] == 2
    assert service.order_status("2", RONI).status == "found"


def test_import_is_all_or_nothing(tmp_path: Path, catalog: SqlCatalog, luma_dir: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    service = _open(tmp_path, catalog, luma_dir)
    import_sample(luma_dir, catalog, service.engine, PLACED)
    service.cancel_order("1", RONI)
    data = tmp_path / "luma"
    data.mkdir()
    shutil.copy(luma_dir / "customers.csv", data)
    (data / "orders.csv").write_text((luma_dir / "orders.csv").read_text().replace('"1"', '"2"'))

    def fail(*_: object) -> None:
        raise RuntimeError("crash midway")

    monkeypatch.setattr(importer, "_order_row", fail)
    with pytest.raises(RuntimeError):
        import_sample(data, catalog, service.engine, PLACED)
    kept = service.order_status("1", RONI).order
    assert kept is not None and kept.status == "cancelled" and kept.lines[0].quantity == 1
