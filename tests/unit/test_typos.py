"""The seeded typo injector of the typo-robustness measure (ops/conversation_tests/typos.py)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from rapidfuzz.distance import OSA

from ops.conversation_tests.typos import (
    CATALOG,
    TypoInjector,
    ValueSpan,
    catalog_spans,
    eligible_words,
    inject,
    merge_spans,
    misspell,
)

MESSAGE = "any black hoodies for women under 60 dollars? mail me at jane.doe@example.com"


def _entity(text: str, value: str, entity: str) -> dict[str, Any]:
    start = text.index(value)
    return {"entity": entity, "start": start, "end": start + len(value), "value": value}


def _parse(text: str) -> list[dict[str, Any]]:
    """A stand-in for Rasa's /model/parse on :data:`MESSAGE`-like texts."""
    found = [("black", "color"), ("hoodies", "product_type"), ("women", "gender"),
             ("60", "price_max"), ("jane.doe@example.com", "email"), ("the second one", "mention"),
             ("that one", "mention"), ("000000001", "order_id"), ("Chaz Kangeroo", "product")]
    return [_entity(text, value, entity) for value, entity in found if value in text]


def _injector(seed: int = 7, catalog: frozenset[tuple[str, ...]] = frozenset()) -> TypoInjector:
    return TypoInjector(seed, _parse, catalog)


def _words(text: str) -> list[str]:
    return text.replace("?", " ").split()


def test_the_same_seed_script_and_turn_give_the_same_typos() -> None:
    first = _injector().rewrite("search", 1, MESSAGE)
    assert first == _injector().rewrite("search", 1, MESSAGE)
    assert first.text != MESSAGE
    variants = {_injector(seed).rewrite("search", turn, MESSAGE).text
                for seed in range(5) for turn in (1, 2)}
    assert len(variants) > 1  # seed and turn both choose


def test_each_eligible_value_gets_exactly_one_edit() -> None:
    for seed in range(200):
        done = _injector(seed).rewrite("search", 3, MESSAGE)
        assert [t.entity for t in done.typos] == ["color", "product_type", "gender"]
        assert done.values == 5
        for typo in done.typos:
            assert OSA.distance(typo.word, typo.typo) == 1
            assert typo.typo[0] == typo.word[0]
        clean, sent = _words(MESSAGE), _words(done.text)
        changed = [(a, b) for a, b in zip(clean, sent, strict=True) if a != b]
        assert [a for a, _ in changed] == ["black", "hoodies", "women"]
        assert all(OSA.distance(a, b) == 1 for a, b in changed)


def test_numbers_prices_ids_emails_and_short_words_are_left_alone() -> None:
    text = "is 000000001 shipped? it's the second one, that one, size 32 XL in red"
    values = [("000000001", "order_id"), ("the second one", "mention"), ("that one", "mention"),
              ("32", "size"), ("XL", "size"), ("red", "color")]
    spans = [ValueSpan(text.index(v), text.index(v) + len(v), kind) for v, kind in values]
    assert all(eligible_words(text, span) == [] for span in spans)
    sent, typos = inject(text, spans, random.Random(1))
    assert sent == text and typos == []
    assert eligible_words("mail a.b@shop.com", ValueSpan(5, 17, "product")) == []
    assert eligible_words("about $4.99 please", ValueSpan(0, 18, "price_max")) == []


def test_words_outside_the_values_are_untouched() -> None:
    text = "compare the Chaz Kangeroo with something cheaper please"
    for seed in range(100):
        done = _injector(seed).rewrite("compare", 1, text)
        assert len(done.typos) == 1
        span = text.index("Chaz Kangeroo"), text.index("Chaz Kangeroo") + len("Chaz Kangeroo")
        assert done.text[:span[0]] == text[:span[0]]
        tail = len(text) - span[1]
        assert done.text[-tail:] == text[-tail:]
        assert OSA.distance(text, done.text) == 1


def test_a_button_payload_is_sent_as_written() -> None:
    injector = _injector()
    assert injector("cart", 2, "/affirm") == "/affirm"
    assert injector.turns[0].typos == ()


def test_catalog_words_the_nlu_missed_are_values_and_overlaps_count_once() -> None:
    text = "something in leather, black please"
    words = frozenset({("leather",), ("black",)})
    leather = ValueSpan(text.index("leather"), text.index(","), "material")
    spans = merge_spans([leather, *catalog_spans(text, words, str)])
    assert [(text[s.start:s.end], s.entity) for s in spans] == [
        ("leather", "material"), ("black", CATALOG)]
    done = TypoInjector(3, lambda t: [_entity(t, "leather", "material")], words).rewrite(
        "x", 1, text)
    assert [t.entity for t in done.typos] == ["material", CATALOG]
    assert done.text.startswith("something in ") and done.text.endswith(" please")


@pytest.mark.parametrize("word", ["jacket", "Hoodies", "tees", "aaaa", "Kangeroo"])
def test_misspell_makes_one_edit_after_the_first_letter(word: str) -> None:
    rng = random.Random(11)
    seen = set()
    for _ in range(300):
        typo, edit = misspell(word, rng)
        seen.add(edit)
        assert typo != word and typo[0] == word[0]
        assert OSA.distance(word, typo) == 1
    assert seen >= {"drop", "double", "neighbour"}


def test_the_injector_records_the_turns_it_played() -> None:
    injector = _injector()
    sent = injector("search", 1, MESSAGE)
    assert [t.text for t in injector.turns] == [sent]
    assert injector.turns[0].clean == MESSAGE


def test_a_catalog_value_of_several_words_is_one_value() -> None:
    text = "tees in organic cotton or stainless steel bottles"
    values = frozenset({("tee",), ("organic", "cotton"), ("cotton",), ("stainless", "steel")})
    lemma = {"tees": "tee"}.get
    spans = catalog_spans(text, values, lambda w: lemma(w) or w)
    assert [text[s.start:s.end] for s in spans] == ["tees", "organic cotton", "stainless steel"]
    for seed in range(50):
        done = TypoInjector(seed, lambda t: [], values, lambda w: lemma(w) or w).rewrite(
            "x", 1, text)
        assert len(done.typos) == 3 and OSA.distance(text, done.text) == 3
