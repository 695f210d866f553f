"""Whether a search the NLU tagged no kind of product for names a kind this store lacks.

When the NLU tags the shopper's kind of product, the catalog's vocabulary decides whether the
store carries it (:meth:`catalog.vocabulary.CatalogVocabulary.product_type`). When it tags
nothing, the turn used to search the words as free text, and hybrid search always returns its
nearest products, shown as matches ("running shoes" in a lab-supply store: 5 "matches"). This
reads the shopper's own words the way the tagged path reads the tag, so both paths answer alike:

* the content words (stop words, shopping request words, numbers, audience words and the words
  of the colour, material, size and activity already read are left out) are looked up together in the
  vocabulary: a product type, a category or the name of some product holding all of them
  means the store has it;
* a kind the words name that the store has ("food", "mat", "board") counts with the words it
  makes a compound with ("dog food", "yoga mat", "board game"): the compound must name a kind
  too, or its other words be held by the text of a product of that kind; and a kind found only
  after the first thing asked for ("sofas for my lab") does not make that thing carried.

Nothing here is one store's: every decision reads the imported catalog (its vocabulary and its
full-text index), so it holds for Luma, Scientific and any imported catalog alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from catalog.filters import ProductFilters
from catalog.text import is_dictionary_word, is_stopword, lemma, tokens
from catalog.vocabulary import AUDIENCE_WORDS, CatalogVocabulary
from dialogue.constraints import query_words

#: Words of asking to shop in any store, greetings, chat shorthand, price words and whom a
#: present is for; they name no kind of product ("do you sell …", "got any …", "hi, …",
#: "… asap", "60 max", "my wife wants …").
REQUEST_WORDS = frozenset(
    """buy purchase order get got need want like look looking find search shop store sell
    carry stock have recommend suggest show something anything stuff thing item product
    please help kind sort type new good best great nice cheap size
    hi hello hey hiya thanks thank cheers ok okay yeah yes yep hmm um uh oh ugh
    asap pls plz thx u ur try trying max min maximum minimum budget price
    gift present idea ideas recommendation recommendations recs rec
    husband wife boyfriend girlfriend gf bf partner mom mum dad mother father son daughter
    brother sister friend friends""".split())  # noqa: SIM905


class KindSearcher(Protocol):
    """What the check reads: the catalog's vocabulary and its full-text index."""

    vocabulary: CatalogVocabulary

    def holds_words(self, words: str, filters: ProductFilters | None = None) -> bool: ...


@dataclass(frozen=True)
class _Word:
    said: str  # as the shopper wrote it (lower case)
    key: str  # its lemma, misspelling corrected to a catalog word


@cache
def _request_lemmas() -> frozenset[str]:
    return frozenset(lemma(w) for w in REQUEST_WORDS)


def _runs(text: str, vocabulary: CatalogVocabulary, consumed: frozenset[str]
          ) -> list[list[_Word]]:
    """The runs of consecutive content words of ``text`` (any other word ends a run)."""
    runs: list[list[_Word]] = [[]]
    for word in tokens(query_words(text)):
        base = lemma(word)
        if (is_stopword(word) or base in _request_lemmas() or base in AUDIENCE_WORDS
                or base in consumed or not any(c.isalpha() for c in word)):
            runs.append([])
            continue
        runs[-1].append(_Word(word, vocabulary.correct(base)))
    return [run for run in runs if run]


def _consumed(filters: ProductFilters) -> frozenset[str]:
    """Lemmas of the colour, material, size and activity already read: they describe, they do
    not name a kind. (Brands stay: their words are in the names of the products they make, and
    a brand with a kind it does not make, "dewalt multimeter", is not carried.)"""
    return frozenset(lemma(w) for value in (filters.color, filters.material, filters.size,
                                            filters.activity)
                     if value for w in tokens(value))


def _known(vocabulary: CatalogVocabulary, words: list[_Word]) -> bool:
    return bool(words) and vocabulary.product_type(
        " ".join(w.key for w in words)).kind != "unknown"


def _said(words: list[_Word]) -> str:
    return " ".join(w.said for w in words)


def untagged_absent_kind(text: str, filters: ProductFilters, search: KindSearcher) -> str | None:
    """The kind of product ``text`` asks for that this store does not carry, in the shopper's
    words; ``None`` when the words name something the catalog has, or name nothing.

    ``filters`` are the constraints as read from the catalog (``read_filters``), with no
    product type from the NLU; a ``product_type`` there was found in ``text`` itself.
    """
    vocabulary = search.vocabulary
    runs = _runs(text, vocabulary, _consumed(filters))
    if not runs:
        return None
    if filters.product_type:
        return _found_kind(text, runs, filters.product_type, search)
    # all the words together, or the first thing asked for ("ball bearings for my lab")
    if _known(vocabulary, [w for run in runs for w in run]) or _known(vocabulary, runs[0]):
        return None
    return _said(runs[0])


def _found_kind(text: str, runs: list[list[_Word]], kind: str, search: KindSearcher
                ) -> str | None:
    """For a kind found in ``text`` (``kind``, as read into the filters): what the shopper asks
    for that the store lacks, or ``None``.

    The first run of words is what is asked for ("sofas" in "I need sofas for my lab"): when
    the kind was found only in a later run and the first is a noun phrase the store does not
    carry, that is the answer. Otherwise the kind counts with the compound it sits in
    (:func:`_compound`).
    """
    vocabulary = search.vocabulary
    match = vocabulary.find_type(text)
    if match is None or not match.corrected:
        return None
    found = match.corrected.split()
    for index, run in enumerate(runs):
        keys = [w.key for w in run]
        start = next((i for i in range(len(keys) - len(found) + 1)
                      if keys[i:i + len(found)] == found), None)
        if start is None:
            continue
        first = runs[0]
        if index > 0 and _names_a_thing(first[-1].key) and not _known(vocabulary, first):
            return _said(first)
        return _compound(run, start, len(found), kind, search)
    return None


def _compound(run: list[_Word], start: int, length: int, kind: str, search: KindSearcher
              ) -> str | None:
    """The compound around the kind at ``run[start:start + length]`` when it names no kind the
    store has and products of that kind do not hold its other words ("dog food" around "food",
    "board game" around "board"); ``None`` when the kind stands alone or is carried.

    English puts the head of a compound last: a noun right after the kind makes the kind a
    modifier ("board game"); a word right before it narrows it unless it is an adjective
    ("grey tees", "warm jacket" are tees and jackets; "yoga mat" is no floor mat).
    """
    keys = [w.key for w in run]
    first, end = start, start + length
    while first > 0 and not _is_adjective(keys[first - 1]):
        first -= 1
    while end < len(run) and _is_noun(keys[end]):
        end += 1
    compound = run[first:end]
    others = run[first:start] + run[start + length:end]
    if not others or _known(search.vocabulary, compound):
        return None
    if search.holds_words(" ".join(w.key for w in others), ProductFilters(product_type=kind)):
        return None
    return _said(compound)


@cache
def _parts_of_speech() -> dict[str, frozenset[str]]:
    """The English dictionary's base forms by part of speech (WordNet's, in
    spacy-lookups-data, as :func:`catalog.text.is_dictionary_word` reads them)."""
    from spacy.lookups import load_lookups

    index = load_lookups("en", ["lemma_index"]).get_table("lemma_index")
    return {part: frozenset(index[part]) for part in ("noun", "adj")}


def _is_adjective(word: str) -> bool:
    return word in _parts_of_speech()["adj"]


def _is_noun(word: str) -> bool:
    return word in _parts_of_speech()["noun"]


def _names_a_thing(word: str) -> bool:
    """A noun, or a word the dictionary lacks ("smartphone", "earbud")."""
    return _is_noun(word) or not is_dictionary_word(word)
