"""The one text normaliser (catalog/text.py) with the real spaCy tokenizer and lookup tables."""

from __future__ import annotations

import pytest

from catalog.text import is_stopword, lemma, terms, tokens, words


@pytest.mark.parametrize(("plural", "singular"), [
    ("hoodies", "hoodie"), ("hoody", "hoodie"), ("jackets", "jacket"), ("shorts", "short"),
    ("pants", "pant"), ("leggings", "legging"), ("legging", "legging"), ("tees", "tee"),
    ("bras", "bra"), ("dresses", "dress"), ("glasses", "glass"), ("boxes", "box"),
    ("batteries", "battery"), ("watches", "watch"), ("shoes", "shoe"), ("tanks", "tank"),
    ("Sweatshirts", "sweatshirt"), ("thumbholes", "thumbhole"),
])
def test_shopping_plurals_share_one_lemma(plural: str, singular: str) -> None:
    assert lemma(plural) == lemma(singular) == singular


def test_words_that_are_not_plurals_keep_their_s() -> None:
    assert [lemma(w) for w in ("dress", "chaz", "does", "mens", "womens", "bus", "tennis")] == [
        "dress", "chaz", "do", "man", "woman", "bus", "tennis"]
    assert lemma("running") == lemma("runs") == "run"


def test_terms_drop_stop_words_but_keep_shop_words() -> None:
    assert terms("Does it come with batteries?") == ["come", "battery"]
    assert terms("the top with a front pocket and full zip") == ["top", "front", "pocket", "full",
                                                                  "zip"]
    assert is_stopword("the") and is_stopword("does") and not is_stopword("top")
    assert terms("the hoodies", keep_stopwords=True) == ["the", "hoodie"]


def test_punctuation_hyphens_and_apostrophes() -> None:
    assert tokens("Jackets, HOODIES & boxes!") == ["jackets", "hoodies", "boxes"]
    assert tokens("Women's Gore-Tex jacket") == ["women", "gore", "tex", "jacket"]
    assert tokens("Gore-Tex t-shirt", join_hyphenated=True) == [
        "gore", "tex", "goretex", "t", "shirt", "tshirt"]
    assert words("Women’s Gore-Tex jacket, don't") == ["women", "gore-tex", "jacket", "do"]
    assert tokens("wind- and water-resistant") == ["wind", "and", "water", "resistant"]
    assert tokens("a - b -- c") == ["a", "b", "c"]
    assert tokens("size S, 3.5 mm, $60") == ["size", "s", "3.5", "mm", "60"]
    assert tokens("won't, can't, it's") == ["will", "can", "it"]


def test_words_glued_by_other_marks_are_split() -> None:
    assert tokens("value:1 windows_xp 1/2 at&t Men/Tops/Hoodies") == [
        "value", "1", "windows", "xp", "1", "2", "at", "t", "men", "tops", "hoodies"]
    assert terms("O'Neill e.g. Hoodies") == ["o'neill", "e.g", "hoodie"]


def test_empty_and_non_ascii_input() -> None:
    assert tokens("") == terms("") == words("") == []
    assert tokens("  ?!  🙂 ") == []
    assert tokens("Café NAÏVE über-jacke 🙂") == ["café", "naïve", "über", "jacke"]
    assert lemma("") == ""


def test_very_long_input_is_read_whole() -> None:
    sentence = "Waterproof hoodies with pockets, for hiking & running. "
    text = sentence * 5000  # 275 000 characters
    found = terms(text)
    # Every repetition yields the same terms as the sentence alone: nothing cut off or merged
    # at the end, however long the input.
    assert terms(sentence) == ["waterproof", "hoodie", "pocket", "hike", "run"]
    assert found == terms(sentence) * 5000
