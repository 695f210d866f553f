"""Unit tests for the pure-Python price phrase parser (bot/components/prices.py)."""

import pytest

from bot.components.prices import (
    PRICE_MAX,
    PRICE_MIN,
    find_price_phrases,
    parse_amount,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("50", 50.0),
        ("50 bucks", 50.0),
        ("$19.99", 19.99),
        ("19.99 dollars", 19.99),
        ("a hundred", 100.0),
        ("one hundred and fifty", 150.0),
        ("twenty five dollars", 25.0),
        ("fifty-five", 55.0),
        ("1,200", 1200.0),
        ("2k", 2000.0),
        ("under 50", 50.0),
        ("$50 or less", 50.0),
        ("€30", 30.0),
        ("40 usd", 40.0),
        ("80ish", 80.0),
    ],
)
def test_parse_amount(text, expected):
    assert parse_amount(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "   ", "abc", "blue", "size M", "cheap", "$"])
def test_parse_amount_rejects_non_amounts(text):
    assert parse_amount(text) is None


def _found(text):
    return [(p.entity, p.value, p.text) for p in find_price_phrases(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("under 50 bucks", [(PRICE_MAX, 50.0, "50 bucks")]),
        ("below $80", [(PRICE_MAX, 80.0, "$80")]),
        ("less than 100", [(PRICE_MAX, 100.0, "100")]),
        ("cheaper than 70", [(PRICE_MAX, 70.0, "70")]),
        ("max 60", [(PRICE_MAX, 60.0, "60")]),
        ("$50 or less", [(PRICE_MAX, 50.0, "$50")]),
        ("up to 45", [(PRICE_MAX, 45.0, "45")]),
        ("shorts for 40 bucks max", [(PRICE_MAX, 40.0, "40 bucks")]),
        ("i dont want to spend more than 60", [(PRICE_MAX, 60.0, "60")]),
        ("budget of 75", [(PRICE_MAX, 75.0, "75")]),
        ("jackets under a hundred dollars", [(PRICE_MAX, 100.0, "a hundred dollars")]),
        ("something under fifty", [(PRICE_MAX, 50.0, "fifty")]),
        ("over 30", [(PRICE_MIN, 30.0, "30")]),
        ("at least $25", [(PRICE_MIN, 25.0, "$25")]),
        ("bags above $100.50", [(PRICE_MIN, 100.5, "$100.50")]),
        ("pants for 20 or more", [(PRICE_MIN, 20.0, "20")]),
        ("$40 and up", [(PRICE_MIN, 40.0, "$40")]),
        (
            "between $20 and $40",
            [(PRICE_MIN, 20.0, "$20"), (PRICE_MAX, 40.0, "$40")],
        ),
        (
            "from 20 to 40 dollars",
            [(PRICE_MIN, 20.0, "20"), (PRICE_MAX, 40.0, "40 dollars")],
        ),
        ("tees $15-$25", [(PRICE_MIN, 15.0, "$15"), (PRICE_MAX, 25.0, "$25")]),
        ("hoodies 30-50 dollars", [(PRICE_MIN, 30.0, "30"), (PRICE_MAX, 50.0, "50 dollars")]),
        (
            "between 40 and 20 dollars",
            [(PRICE_MIN, 20.0, "20 dollars"), (PRICE_MAX, 40.0, "40")],
        ),
        ("Under 50 BUCKS please", [(PRICE_MAX, 50.0, "50 BUCKS")]),
    ],
)
def test_find_price_phrases(text, expected):
    assert sorted(_found(text), key=lambda x: x[0]) == sorted(expected, key=lambda x: x[0])


@pytest.mark.parametrize(
    "text",
    [
        "size 8-10 pants",
        "delivered in 2 to 3 days",
        "is it under 2 kg",
        "do you have it in more than one color",
        "anything rated over 4 stars",
        "show me blue hoodies",
        "",
    ],
)
def test_find_price_phrases_ignores_non_prices(text):
    assert find_price_phrases(text) == []


def test_span_points_at_amount():
    text = "red jackets under $60 for women"
    (match,) = find_price_phrases(text)
    assert text[match.start:match.end] == "$60"
    assert match.entity == PRICE_MAX
