"""The conversation script format, its assertions and its report (ops/conversation_tests)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from catalog.domain import PolicySection, Product, Review, Variant
from commerce.schema import CommerceBase
from ops.conversation_tests.checks import Context, card_rule_problems, category_matches, check_turn
from ops.conversation_tests.facts import CatalogFacts, ShopFacts
from ops.conversation_tests.novelty import normalise, training_examples
from ops.conversation_tests.outcome import TurnOutcome
from ops.conversation_tests.report import RunReport, ScriptResult
from ops.conversation_tests.script import (
    CardRule,
    Expect,
    ScriptError,
    load_scripts,
    parse_script_file,
)
from tests.fakes import InMemoryCatalog

HOODIE = Product(
    id="MH01", name="Chaz Kangeroo Hoodie", description="Ideal for cold-weather training.\n"
    "Soft fleece lining.", category="Men/Tops/Hoodies & Sweatshirts",
    categories=("Men/Tops/Hoodies & Sweatshirts", "Collections/Eco Friendly"), gender="men",
    price=52.0, colors=("Black", "Gray"), sizes=("S", "M"), materials=("Fleece", "Cotton"),
    variants=(Variant("MH01-S-Black", "MH01", "S", "Black", 3, True),
              Variant("MH01-M-Black", "MH01", "M", "Black", 0, False),
              Variant("MH01-M-Gray", "MH01", "M", "Gray", 2, True)))
REVIEW = Review("MH01", 5, "Warm", "Kept me warm on my runs.")
POLICY = PolicySection("returns", "Customer Service", "Returns",
                       "Merchandise must be returned within 30 days of receipt.")


@pytest.fixture
def ctx() -> Context:
    engine = create_engine("sqlite://")
    CommerceBase.metadata.create_all(engine)
    catalog = CatalogFacts(InMemoryCatalog([HOODIE], [REVIEW], [POLICY]))
    return Context(sender="s1", catalog=catalog, shop=ShopFacts(engine))


def _card(product: Product) -> dict:
    return {"id": product.id, "name": product.name, "price": product.price, "currency": "USD",
            "category": product.category, "colors": list(product.colors),
            "sizes": list(product.sizes), "image": None, "reason": ""}


def _turn(*payloads: dict, text: str = "Here you go", **parse) -> TurnOutcome:
    messages = [{"text": text}] + [{"custom": p} for p in payloads]
    return TurnOutcome(user="hi", messages=messages, seconds=0.2, **parse)


def _expect(**data) -> Expect:
    return Expect.model_validate(data)


# --------------------------------------------------------------------------------- format

def test_a_misspelt_assertion_names_file_script_turn_and_key() -> None:
    text = """
scripts:
  - name: hoodies
    turns:
      - user: hoodies please
        expect: {products: {each: {colour: Black}}}
"""
    with pytest.raises(ScriptError) as error:
        parse_script_file(text, "shop.yml")
    message = str(error.value)
    assert message.startswith("shop.yml: script 'hoodies', turn 1, expect.products.each.colour")
    assert "Extra inputs are not permitted" in message


@pytest.mark.parametrize("text, fragment", [
    ("scripts: [", "not valid YAML"),
    ("- just a list", "a mapping with a `scripts` list"),
    ("scripts:\n  - name: x\n    turns: []", "turns"),
    ("store: Amazon Shop\nscripts:\n  - name: x\n    turns: [{user: hi}]", "store"),
    ("scripts:\n  - {name: x, turns: [{user: a}]}\n  - {name: x, turns: [{user: b}]}",
     "unique"),
    ("scripts:\n  - {name: x, turns: [{user: yes}]}", "quote it"),
])
def test_bad_files_get_a_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(ScriptError, match=fragment):
        parse_script_file(text, "f.yml")


def test_counts_accept_a_number_or_a_range() -> None:
    expect = _expect(products={"count": 3}, promotions={"min": 1})
    assert expect.products.count.holds(3) and not expect.products.count.holds(4)
    assert expect.promotions.holds(5) and not expect.promotions.holds(0)


def test_load_scripts_reports_every_bad_file(tmp_path: Path) -> None:
    (tmp_path / "good.yml").write_text("scripts: [{name: a, turns: [{user: hi}]}]")
    (tmp_path / "bad.yml").write_text("scripts: [{name: b, turns: [{usr: hi}]}]")
    with pytest.raises(ScriptError, match="bad.yml: script 'b', turn 1, user"):
        load_scripts([tmp_path])
    with pytest.raises(ScriptError, match="no such file"):
        load_scripts([tmp_path / "missing.yml"])


# ------------------------------------------------------------------------------ card rules

def test_category_matches_words_of_a_segment_or_a_prefix() -> None:
    path = "men/tops/hoodies & sweatshirts"
    assert category_matches("Hoodies", path) and category_matches("Men/Tops", path)
    assert not category_matches("Hood", path) and not category_matches("Women/Tops", path)


def test_colour_and_size_together_need_one_variant_in_stock() -> None:
    assert card_rule_problems(HOODIE, CardRule(color="black", size="S")) == []
    assert card_rule_problems(HOODIE, CardRule(color="Black", size="M")) == [
        "no variant in stock in Black M"]
    assert card_rule_problems(HOODIE, CardRule(color="Black")) == []
    assert card_rule_problems(HOODIE, CardRule(gender="women", price_max=50, material="Wool")) == [
        "gender is 'men', not 'women' or unisex", "price 52.0 is over 50.0",
        "materials ['Fleece', 'Cotton'] lack 'Wool'"]


def test_cards_are_checked_against_the_catalog_not_their_own_text(ctx: Context) -> None:
    card = {**_card(HOODIE), "price": 10.0}  # the card claims a price the catalog does not have
    outcome = _turn({"type": "products", "products": [card]})
    problems = check_turn(_expect(products={"each": {"price_max": 40}}), outcome, ctx)
    assert problems == ["products: Chaz Kangeroo Hoodie (MH01): price 52.0 is over 40.0"]
    assert check_turn(_expect(products={"count": 1, "names": ["chaz kangeroo hoodie"]}),
                      outcome, ctx) == []
    named = check_turn(_expect(products={"names": ["No Such Thing"]}), outcome, ctx)
    assert named == ["products names: the catalog has no product 'No Such Thing' (script error)"]


# ---------------------------------------------------------------------------------- answers

def _answer(*citations: dict, grounded: bool = True) -> dict:
    return {"type": "answer", "text": "It says so.", "grounded": grounded,
            "citations": list(citations), "product_id": "MH01"}


def test_citations_must_be_verbatim_in_their_source(ctx: Context) -> None:
    good = [{"source": "description", "product_id": "MH01", "title": HOODIE.name,
             "quote": "Ideal for cold-weather training. Soft fleece lining."},
            {"source": "review", "product_id": "MH01", "title": HOODIE.name,
             "quote": "Warm — Kept me warm on my runs."},
            {"source": "attribute", "product_id": "MH01", "title": HOODIE.name,
             "quote": "Material: Fleece, Cotton."}]
    expect = _expect(answer={"grounded": True, "source": "review", "product": "MH01"})
    assert check_turn(expect, _turn(_answer(*good)), ctx) == []
    invented = {"source": "description", "product_id": "MH01", "title": HOODIE.name,
                "quote": "Fully waterproof."}
    problems = check_turn(_expect(answer={}), _turn(_answer(invented)), ctx)
    assert problems and "not verbatim in its description source" in problems[0]
    policy = {"source": "policy", "product_id": None, "title": "Customer Service — Returns",
              "quote": "Merchandise must be returned within 30 days of receipt."}
    assert check_turn(_expect(answer={"source": "policy", "words": ["30 days"]}),
                      _turn({**_answer(policy), "text": "within 30 days"}), ctx) == []


def test_a_payload_that_breaks_the_contract_fails_the_turn(ctx: Context) -> None:
    broken = {"type": "cart", "items": [], "subtotal": 0}
    problems = check_turn(_expect(), _turn(broken), ctx)
    assert problems and problems[0].startswith("payload contract: payload of type 'cart'")


def test_understanding_text_and_slots(ctx: Context) -> None:
    outcome = _turn(text="Which size would you like?", intent="add_to_cart", confidence=0.9,
                    entities=[{"entity": "color", "value": "Black"}],
                    slots={"color": "Black", "size": None})
    expect = _expect(intent=["add_to_cart", "checkout"], entities={"color": "black"},
                     says=["size"], not_says=["sorry"], slots={"size": None, "color": "black"},
                     payloads=[])
    assert check_turn(expect, outcome, ctx) == []
    wrong = _expect(intent="view_cart", entities={"size": "*"}, says=["colour"])
    assert check_turn(wrong, outcome, ctx) == [
        "intent: expected view_cart, parsed add_to_cart (0.9)",
        "entity size: expected '*', extracted none", "says: 'colour' not in the reply"]


def test_shop_side_effects_are_read_from_the_database(ctx: Context) -> None:
    assert check_turn(_expect(shop={"cart_lines": 0, "orders_placed": 0}), _turn(), ctx) == []
    assert check_turn(_expect(shop={"order_status": {"000000001": "cancelled"}}), _turn(),
                      ctx) == ["shop: order 000000001 is None, expected 'cancelled'"]


# ---------------------------------------------------------------------------------- report

def test_report_statuses_summary_and_junit(tmp_path: Path) -> None:
    passed = ScriptResult(Path("a.yml"), "passes", None, [_turn()])
    failed = ScriptResult(Path("a.yml"), "fails", None, [_turn()], {1: ["intent: wrong"]})
    known = ScriptResult(Path("b.yml"), "known", "issue 14: misread", [_turn()], {1: ["x"]})
    fixed = ScriptResult(Path("b.yml"), "fixed", "issue 14: misread", [_turn()])
    report = RunReport([passed, failed, known, fixed], files=2, user_turns=4, novel_turns=3,
                       seconds=5)
    assert [r.status for r in report.results] == ["pass", "fail", "known", "fixed"]
    assert not report.ok
    assert report.summary().startswith(
        "conversation scripts: 1 passed, 1 failed, 1 known issues, 1 fixed (2 files, 4 turns "
        "played; 3 of 4 scripted user turns (75%) not in the NLU data; reply p50 0.20 s")
    lines = report.lines()
    assert "FAIL  a.yml: fails (1 turns, 0.0 s)" in lines and "      turn 1: intent: wrong" in lines
    assert any("remove `known_issue" in line for line in lines)
    report.write_junit(tmp_path / "out.xml")
    suite = ET.parse(tmp_path / "out.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "1"
    assert suite.get("skipped") == "1"
    failure = suite.find("testcase[@name='fails']/failure")
    assert failure is not None and failure.get("message") == "turn 1: intent: wrong"


def test_novelty_compares_with_the_nlu_examples_without_annotations() -> None:
    assert normalise("Show me [tees](product_type) for [men]{\"entity\": \"gender\"}!") == (
        "show me tees for men")
    examples = training_examples(Path(__file__).parents[2] / "bot" / "data" / "nlu")
    assert len(examples) > 500
    assert "hello" in examples or "hi" in examples
