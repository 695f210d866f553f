"""Cart arithmetic: money rounding, table-rate shipping, each cart price rule, delivery speeds.

Pure functions over cart lines; the rules are the store's real rows, written to a temp dir.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from catalog.domain import PolicySection
from commerce.money import format_money, from_cents, money, to_cents
from commerce.policy import store_policy
from commerce.pricing import CartLine, StoreRules, price_cart
from commerce.promotions import free_units, load_category_paths, load_promotions
from commerce.shipping import Destination, NoShippingRate, load_shipping_table

# The Luma sample rows, verbatim (category references are %url_key=...% placeholders).
PROMOTIONS = r'''name,description,simple_action,discount_amount,discount_step,is_active,stop_rules_processing,is_rss,apply_to_shipping,simple_free_shipping,coupon_type,coupon_code,uses_per_customer,conditions_serialized,actions_serialized
"Buy 3 tee shirts and get the 4th free","Buy 3 tee shirts and get the 4th free","buy_x_get_y",1,3,1,0,1,0,0,1,,,"{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Combine"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all"",""conditions"":[{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product\\Found"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all"",""conditions"":[{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product"",""attribute"":""category_ids"",""operator"":""()"",""value"":%url_key=tees-women,url_key=tees-men%,""is_value_processed"":false}]}]}","{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product\\Combine"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all""}"
"Spend $50 or more - shipping is free!","Free shipping on any purchase over $50","by_percent",0,0,1,0,1,0,2,1,,,"{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Combine"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all"",""conditions"":[{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Address"",""attribute"":""base_subtotal"",""operator"":"">="",""value"":""50"",""is_value_processed"":false}]}","{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product\\Combine"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all""}"
"20% OFF Ever $200-plus purchase!*","Shopping cart price rule for the cart over $200. Does not applied on other sales items","by_percent",20,0,1,0,1,0,0,1,,,"{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Combine"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all"",""conditions"":[{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Address"",""attribute"":""base_subtotal"",""operator"":"">="",""value"":""200"",""is_value_processed"":false}]}","{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product\\Combine"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all"",""conditions"":[{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product\\Combine"",""attribute"":null,""operator"":null,""value"":""0"",""is_value_processed"":null,""aggregator"":""all"",""conditions"":[{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product"",""attribute"":""category_ids"",""operator"":""=="",""value"":%url_key=watches%,""is_value_processed"":false},{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product"",""attribute"":""sale"",""operator"":""=="",""value"":""1"",""is_value_processed"":false}]}]}"
"$4 Luma water bottle (save 70%)","Use promo code H20 at checkout","by_percent",70,0,1,0,1,0,0,2,H20,1,"{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Combine"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all"",""conditions"":[{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product\\Found"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all""}]}","{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product\\Combine"",""attribute"":null,""operator"":null,""value"":""1"",""is_value_processed"":null,""aggregator"":""all"",""conditions"":[{""type"":""Magento\\SalesRule\\Model\\Rule\\Condition\\Product"",""attribute"":""sku"",""operator"":""=="",""value"":""24-UG06"",""is_value_processed"":false}]}"
'''
RATES = """country,region,zip,order_subtotal,price
US,*,*,0,15
US,*,*,50,10
US,*,*,100,5
US,AK,*,0,20
US,AK,*,50,15
US,AK,*,100,10
US,HI,*,0,20
US,HI,*,50,15
US,HI,*,100,10
"""
CATEGORIES = """name,url_key,path,active
Tees,tees-men,Men/Tops,1
Tees,tees-women,Women/Tops,1
Watches,watches,Gear,1
"""
DELIVERY = (
    "Merchandise total up to $200: Standard (5–7 day shipping) $16, Priority (2–3 day shipping)"
    " $26, Overnight (next business day) $33. Merchandise total $200.01–500.00: Standard (5–7 day"
    " shipping) $21, Priority (2–3 day shipping) $31, Overnight (next business day) $38."
    " Merchandise total over $500.00: Standard (5–7 day shipping) $34, Priority (2–3 day"
    " shipping) $44, Overnight (next business day) $51."
)
RETURNS = "Used merchandise cannot be returned. Merchandise must be returned within 30 days of receipt."

MEN_TEE = ("Men/Tops/Tees",)
PANTS = ("Men/Bottoms/Pants",)
WATCH = ("Gear/Watches",)


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> StoreRules:
    folder = tmp_path_factory.mktemp("rules")
    (folder / "rates.csv").write_text(RATES)
    (folder / "promotions.csv").write_text(PROMOTIONS)
    (folder / "categories.csv").write_text(CATEGORIES)
    table, issues = load_shipping_table(folder / "rates.csv")
    promotions, promo_issues = load_promotions(
        folder / "promotions.csv", load_category_paths([folder / "categories.csv"])
    )
    assert issues == [] and promo_issues == [] and len(promotions) == 4
    sections = [
        PolicySection("customer-service", "Customer Service", "Shipping and Delivery", DELIVERY),
        PolicySection("customer-service", "Customer Service", "Returns", RETURNS),
    ]
    return StoreRules(table, tuple(promotions), store_policy(sections))


def line(sku: str, price: str, qty: int = 1, categories: tuple[str, ...] = PANTS,
         on_sale: bool = False) -> CartLine:
    return CartLine(sku, sku.split("-")[0], sku, None, None, qty, Decimal(price), categories, on_sale)


def names(view) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in view.promotions]


# -- money ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.675", "2.68"), (2.675, "2.68"), ("0.125", "0.13"), ("0.005", "0.01"), ("-0.005", "-0.01"),
     (1, "1.00"), ("19.994", "19.99")],
)
def test_money_rounds_half_up_to_cents(value: object, expected: str) -> None:
    assert money(value) == Decimal(expected)  # type: ignore[arg-type]
    assert str(money(value)) == expected  # type: ignore[arg-type]


def test_cents_round_trip_and_format() -> None:
    assert to_cents(Decimal("12.345")) == 1235
    assert from_cents(1235) == Decimal("12.35")
    assert format_money(Decimal("1234.5")) == "$1,234.50"


# -- shipping -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("region", "subtotal", "price"),
    [("*", "0.01", "15"), ("*", "49.99", "15"), ("*", "50", "10"), ("*", "99.99", "10"),
     ("*", "100", "5"), ("*", "1000", "5"), ("Michigan", "10", "15"), ("AK", "10", "20"),
     ("Alaska", "50", "15"), ("hawaii", "100", "10"), ("HI", "75", "15")],
)
def test_table_rate_tiers_and_region_overrides(rules: StoreRules, region: str, subtotal: str,
                                               price: str) -> None:
    assert rules.shipping.price(Destination("US", region), Decimal(subtotal)) == Decimal(price)


def test_no_rate_outside_the_table(rules: StoreRules) -> None:
    with pytest.raises(NoShippingRate):
        rules.shipping.price(Destination("FR"), Decimal("10"))
    view = price_cart("s", [line("MP01", "10")], rules, Destination("FR"))
    assert view.shipping is None and view.total == Decimal("10.00")


def test_bad_rate_rows_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "rates.csv"
    path.write_text("country,region,zip,order_subtotal,price\nUS,*,*,0,15\nUS,*,*,fifty,10\n")
    table, issues = load_shipping_table(path)
    assert len(table.rates) == 1
    assert [str(i) for i in issues] == ["rates.csv:3: subtotal or price is not a number"]


# -- promotions -----------------------------------------------------------------------------
def test_three_tees_pay_full_price(rules: StoreRules) -> None:
    view = price_cart("s", [line("MS04", "29", 3, MEN_TEE)], rules)
    assert view.discount == 0 and "Buy 3 tee shirts and get the 4th free" not in names(view)


def test_fourth_tee_is_free_and_it_is_the_cheapest(rules: StoreRules) -> None:
    lines = [line("MS04", "29", 2, MEN_TEE), line("WS03", "24", 1, ("Women/Tops/Tees",)),
             line("MS08", "39", 1, MEN_TEE)]
    view = price_cart("s", lines, rules)
    assert view.subtotal == Decimal("121.00")
    assert view.promotions[0].name == "Buy 3 tee shirts and get the 4th free"
    assert view.promotions[0].amount == Decimal("24.00")
    assert view.total == Decimal("97.00")  # free shipping over $50 as well


def test_eight_tees_two_free_seven_tees_one_free(rules: StoreRules) -> None:
    assert price_cart("s", [line("MS04", "20", 8, MEN_TEE)], rules).discount == Decimal("40.00")
    assert price_cart("s", [line("MS04", "20", 7, MEN_TEE)], rules).discount == Decimal("20.00")
    assert (free_units(4, 3, 1), free_units(7, 3, 1), free_units(8, 3, 1)) == (1, 1, 2)


def test_tee_offer_does_not_discount_other_items(rules: StoreRules) -> None:
    view = price_cart("s", [line("MS04", "29", 1, MEN_TEE), line("MP01", "10", 4)], rules)
    assert view.discount == 0
    assert price_cart("s", [line("MP01", "10", 4)], rules).discount == 0


def test_free_shipping_from_fifty_dollars(rules: StoreRules) -> None:
    below = price_cart("s", [line("MP01", "49.99")], rules)
    assert below.shipping == Decimal("15.00") and below.total == Decimal("64.99")
    assert names(below) == []
    at = price_cart("s", [line("MP01", "50.00")], rules, Destination("US", "AK"))
    assert at.shipping == 0 and at.total == Decimal("50.00")
    assert names(at) == ["Spend $50 or more - shipping is free!"]
    assert at.promotions[0].free_shipping and at.promotions[0].amount == 0


def test_free_shipping_is_for_standard_delivery_only(rules: StoreRules) -> None:
    view = price_cart("s", [line("MP01", "60")], rules, method="overnight")
    assert view.shipping == Decimal("33.00") and view.total == Decimal("93.00")
    assert {o.method: o.price for o in view.shipping_options} == {
        "standard": Decimal("0.00"), "priority": Decimal("26.00"), "overnight": Decimal("33.00")
    }


def test_twenty_percent_off_from_two_hundred_dollars(rules: StoreRules) -> None:
    assert price_cart("s", [line("MP01", "199.99")], rules).discount == 0
    view = price_cart("s", [line("MP01", "100", 2)], rules)
    assert view.discount == Decimal("40.00") and view.total == Decimal("160.00")
    assert "20% OFF Ever $200-plus purchase!*" in names(view)


def test_twenty_percent_skips_watches_and_sale_items(rules: StoreRules) -> None:
    lines = [line("MP01", "100"), line("24-MG01", "80", 1, WATCH),
             line("WS08", "40", 1, ("Women/Tops/Tees",), on_sale=True)]
    view = price_cart("s", lines, rules)
    assert view.subtotal == Decimal("220.00")
    assert view.discount == Decimal("20.00")  # 20% of the $100 pants only


def test_water_bottle_coupon(rules: StoreRules) -> None:
    bottle = line("24-UG06", "7", 1, ("Gear/Fitness Equipment",))
    assert price_cart("s", [bottle], rules).discount == 0
    view = price_cart("s", [bottle], rules, coupon_code="h20")
    assert view.discount == Decimal("4.90") and view.total == Decimal("17.10")  # 2.10 + 15
    assert names(view) == ["$4 Luma water bottle (save 70%)"]
    assert price_cart("s", [line("MP01", "7")], rules, coupon_code="H20").discount == 0


def test_percent_discount_rounds_half_up(rules: StoreRules) -> None:
    bottle = line("24-UG06", "0.15", 1, ("Gear/Fitness Equipment",))
    # 70% of $0.15 is $0.105: half-up gives $0.11 (banker's rounding would give $0.10).
    assert price_cart("s", [bottle], rules, coupon_code="H20").discount == Decimal("0.11")


def test_discounts_never_exceed_the_line(rules: StoreRules) -> None:
    view = price_cart("s", [line("MS04", "60", 4, MEN_TEE)], rules)
    assert view.subtotal == Decimal("240.00")
    # 4th tee free ($60), then 20% of the $240 line ($48): both fit within the line.
    assert view.discount == Decimal("108.00") and view.total == Decimal("132.00")


def test_unsupported_condition_is_reported_and_never_applies(tmp_path: Path) -> None:
    header = PROMOTIONS.splitlines()[0]
    row = (
        '"Odd rule","x","by_percent",50,0,1,0,1,0,0,1,,,"{""type"":""Magento\\\\SalesRule\\\\'
        'Model\\\\Rule\\\\Condition\\\\Product\\\\Subselect"",""attribute"":""qty"",'
        '""operator"":"">="",""value"":""2""}",""'
    )
    (tmp_path / "p.csv").write_text(f"{header}\n{row}\n")
    rules, issues = load_promotions(tmp_path / "p.csv", {})
    assert len(rules) == 1 and len(issues) == 1
    assert str(issues[0]).startswith("p.csv:2: rule 'Odd rule' never applies")


def test_rows_that_are_not_json_are_skipped(tmp_path: Path) -> None:
    header = PROMOTIONS.splitlines()[0]
    (tmp_path / "p.csv").write_text(f'{header}\n"Broken","x","by_percent",5,0,1,0,1,0,0,1,,,"{{oops",""\n')
    rules, issues = load_promotions(tmp_path / "p.csv", {})
    assert rules == [] and str(issues[0]).startswith("p.csv:2: conditions are not JSON")


# -- store policy ---------------------------------------------------------------------------
def test_delivery_speeds_and_return_window_from_the_page(rules: StoreRules) -> None:
    policy = rules.policy
    assert policy.return_days == 30
    assert policy.return_quote is not None
    assert policy.return_quote.sentence.startswith("Merchandise must be returned within 30 days")
    tier = {s.method: s.price for s in policy.speeds_for(Decimal("200.01"))}
    assert tier == {"standard": Decimal("21"), "priority": Decimal("31"), "overnight": Decimal("38")}
    assert {s.method: s.price for s in policy.speeds_for(Decimal("9999"))}["overnight"] == 51


def test_return_window_default_when_page_is_silent() -> None:
    assert store_policy([], default_return_days=14).return_days == 14
    assert store_policy([]).return_quote is None
