"""Model codes ("PH600", "DW8062B5") name products; measures and brands are no codes."""

from __future__ import annotations

from catalog.repository import _code_matches, model_codes


def test_codes_are_letters_with_digits_without_hyphens() -> None:
    assert model_codes("the milwaukee PH600 tester") == {"ph600"}
    assert model_codes("HM Digital PH-80, DEWALT DW8062B5") == {"ph80", "dw8062b5"}
    assert model_codes("3M tape, 30V, 1.75mm, 4-1/2 inch, size XL") == set()


def test_a_code_matches_itself_or_a_close_longer_one() -> None:
    assert _code_matches("ph600", frozenset({"ph600aq"}))
    assert _code_matches("n95", frozenset({"n95"}))
    assert not _code_matches("dw806", frozenset({"dw8062b5"}))  # three more characters
    assert not _code_matches("n95", frozenset({"n95x"}))        # short codes match exactly
