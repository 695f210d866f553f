"""The store gazetteer: built from a catalog's products, written as JSON, and matched against a
message's words (exactly, by plural, within a typo), never over a word the NLU's data uses
for something else or over another extractor's span."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aisle.gazetteer import (
    Gazetteer,
    GazetteerError,
    GazetteerMatcher,
    match_key,
    message_words,
    path_from_env,
    training_words,
)
from catalog.domain import Product
from catalog.gazetteer import build_gazetteer, gazetteer_dir, is_brand_name, type_terms_of


def _product(pid: str, product_type: str, brand: str | None = None,
             materials: tuple[str, ...] = ()) -> Product:
    return Product(id=pid, name=f"Item {pid}", description="", category=product_type,
                   product_type=product_type, brand=brand, materials=materials)


LAB = [
    _product("1", "Nitrile Exam Gloves", "Microflex", ("Nitrile",)),
    _product("2", "Analytical Balances", "Ohaus"),
    _product("3", "Beakers", "Pyrex", ("Borosilicate Glass",)),
    _product("4", "Safety Glasses", "3M"),
    _product("5", "Pipette Tips & Accessories", "Generic"),
    _product("6", "Screws", "Small Parts"),
]


def test_terms_are_the_catalogs_names_cut_to_what_shoppers_type() -> None:
    assert type_terms_of("Hoodies & Sweatshirts") == ["hoodies", "sweatshirts"]
    assert type_terms_of("Analytical Balances") == ["analytical balances", "balances"]
    assert type_terms_of("Pipette Tips & Accessories") == ["pipette tips", "tips"]
    gazetteer = build_gazetteer("lab", LAB)
    assert "3M" in gazetteer.terms["brand"] and "Ohaus" in gazetteer.terms["brand"]
    # English words used as brand names would tag "generic" or "small parts" as a brand
    assert not {"Generic", "Small Parts"} & set(gazetteer.terms["brand"])
    assert gazetteer.terms["material"] == ["borosilicate glass", "nitrile"]
    # a catalog without material attributes has the materials its product names use
    plain = [Product(id="1", name="Stainless Steel Funnel, 100 mm", description="",
                     category="Funnels", product_type="Funnels"),
             Product(id="2", name="Nitrile Gloves", description="", category="Gloves")]
    assert build_gazetteer("lab", plain).terms["material"] == ["nitrile", "stainless steel",
                                                               "steel"]
    assert is_brand_name("3M") and not is_brand_name("A") and not is_brand_name("The")


def test_the_file_round_trips_and_a_bad_file_is_a_clear_error(tmp_path: Path) -> None:
    path = build_gazetteer("lab", LAB).write(tmp_path / "g.json")
    assert Gazetteer.read(path).terms == build_gazetteer("lab", LAB).terms
    (tmp_path / "bad.json").write_text('{"version": 1, "terms": {"brand": [3]}}')
    with pytest.raises(GazetteerError, match="list of strings"):
        Gazetteer.read(tmp_path / "bad.json")
    (tmp_path / "old.json").write_text(json.dumps({"version": 0, "terms": {}}))
    with pytest.raises(GazetteerError, match="version 1"):
        Gazetteer.read(tmp_path / "old.json")


def test_the_rasa_process_finds_the_file_the_import_writes(tmp_path: Path) -> None:
    assert path_from_env({"AISLE_STATE_DIR": str(tmp_path), "AISLE_STORE": "lab"}) == (
        tmp_path / "gazetteer-lab.json")
    assert path_from_env({}).name == "gazetteer-luma.json"
    assert path_from_env({"AISLE_STORE": "lab", "AISLE_GAZETTEER": "none"}) is None
    assert path_from_env({"AISLE_GAZETTEER": str(tmp_path / "g.json")}) == tmp_path / "g.json"
    url = f"sqlite:///{tmp_path / 'catalog-lab.sqlite'}"
    assert gazetteer_dir(url, Path("/elsewhere")) == tmp_path
    assert gazetteer_dir("postgresql://db/shop", tmp_path) == tmp_path


def _tags(matcher: GazetteerMatcher, text: str,
          taken: list[tuple[int, int]] = ()) -> list[tuple[str, str, str]]:
    return [(s.kind, text[s.start:s.end], s.value)
            for s in matcher.find(message_words(text), taken)]


@pytest.fixture
def matcher() -> GazetteerMatcher:
    return GazetteerMatcher(build_gazetteer("lab", LAB), common_words=frozenset({"tip"}),
                            known_words=frozenset({"balancer"}))


def test_exact_plural_and_misspelt_terms_get_the_catalogs_value(
        matcher: GazetteerMatcher) -> None:
    assert _tags(matcher, "need an analytical balance from OHAUS") == [
        ("product_type", "analytical balance", "analytical balances"),
        ("brand", "OHAUS", "Ohaus")]
    assert _tags(matcher, "3m safety glasses?") == [
        ("brand", "3m", "3M"), ("product_type", "safety glasses", "safety glasses")]
    assert _tags(matcher, "boroslicate glass beaker") == [  # one letter missing
        ("material", "boroslicate glass", "borosilicate glass"),
        ("product_type", "beaker", "beakers")]
    assert match_key("Nitrile Exam Gloves") == "nitrile exam glove"


def test_common_and_known_words_and_taken_spans_are_left_alone(
        matcher: GazetteerMatcher) -> None:
    assert _tags(matcher, "any tips for me?") == []  # the NLU's data uses "tips" otherwise
    assert _tags(matcher, "pipette tips") == [("product_type", "pipette tips", "pipette tips")]
    assert _tags(matcher, "balanse") == [("product_type", "balanse", "balances")]  # a typo
    assert _tags(matcher, "a balancer") == []  # a word the NLU's data knows is no typo
    assert _tags(matcher, "tip") == []
    text = "pyrex beakers in borosilicate glass"
    # another extractor found "beakers": its span wins, the rest is still read
    assert _tags(matcher, text, [(6, 13)]) == [
        ("material", "borosilicate glass", "borosilicate glass")]
    assert not GazetteerMatcher(Gazetteer("empty"))


def test_words_the_training_data_uses_mostly_outside_entities_are_common() -> None:
    def example(text: str, words: str = "") -> tuple[str, list[dict[str, object]]]:
        start = text.find(words)
        return text, [{"entity": "product_type", "start": start, "end": start + len(words)}
                      ] if words else []

    examples = [example("a gift for my dad"), example("any gift ideas?"),
                example("gift wrap it please"), example("a gift card", "gift card"),
                *(example(f"show me bags {n}", "bags") for n in range(4)),
                example("my bag is full"), example("the bag please"), example("what's in the bag")]
    common, known = training_words(examples)
    assert "gift" in common  # 3 times outside an entity, once in "gift card"
    assert "bag" not in common and "card" not in common  # bag: 3 outside, 4 inside
    common, _ = training_words([*examples, example("my bag again")])
    assert "bag" in common and {"gift", "card", "dad"} <= known


def test_a_type_that_only_modifies_the_head_of_a_noun_compound_is_not_tagged(
        matcher: GazetteerMatcher) -> None:
    # the head of an English noun compound is its last word: "a beaker brush" wants a brush
    assert _tags(matcher, "a beaker brush for cleaning") == []
    # a word before it that the NLU's data never saw narrows it ("radar scanner")
    assert _tags(matcher, "a graduated beaker") == []
    # function words, numbers, punctuation and other spans leave a type alone
    assert _tags(matcher, "a beaker for the lab") == [("product_type", "beaker", "beakers")]
    assert _tags(matcher, "beakers 250 ml") == [("product_type", "beakers", "beakers")]
    assert _tags(matcher, "beakers, please") == [("product_type", "beakers", "beakers")]
    assert _tags(matcher, "OHAUS beakers") == [("brand", "OHAUS", "Ohaus"),
                                              ("product_type", "beakers", "beakers")]
