"""The one text normaliser: how Aisle turns shopper and catalog text into comparable words.

Search, grounded answers, recommendation reasons and catalog name look-ups all go through
here, so "hoodies" means the same everywhere. Built on spaCy's English tokenizer
(``spacy.blank("en")``), the English lookup lemmatizer table of ``spacy-lookups-data`` and
spaCy's English stop words, loaded once per process on first use (nothing happens at import).

* :func:`tokens` - lower-cased word tokens (no punctuation, symbols or clitics such as ``'s``);
* :func:`words` - the same with hyphenated words kept whole, to quote the shopper's words;
* :func:`lemma` - the dictionary form of one word (``hoodies`` -> ``hoodie``, ``running`` -> ``run``);
* :func:`terms` - lemmas of the content words (stop words dropped), what keyword matching uses;
* :func:`is_stopword` / :func:`stopwords` - spaCy's English stop words, less a few shop words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.lookups import Table
    from spacy.tokenizer import Tokenizer

#: Where the lookup table is wrong for shop words (no "hoodies"; "legging" -> "leg"; "does" ->
#: "doe"), or splits what search always matched ("mens" must meet "Men's" -> "men" -> "man").
LEMMA_EXCEPTIONS: dict[str, str] = {
    "hoodies": "hoodie",
    "hoody": "hoodie",
    "legging": "legging",  # the table says "leg"
    "does": "do",
    "mens": "man",
    "womens": "woman",
}
#: spaCy stop words that name product parts or features in a shop ("tops", "down jacket",
#: "front pocket", "full zip"): they stay content words.
SHOP_WORDS = frozenset(["back", "bottom", "down", "empty", "front", "full", "side", "top"])
#: Tokens spaCy splits off a word that carry no meaning of their own for matching.
_CLITICS = frozenset(["'s", "'d", "'ll", "'m", "'re", "'ve", "n't"])
_HYPHENS = frozenset(["-", "‐", "‑", "–"])  # noqa: RUF001 - the dashes people type in names
#: Stems spaCy leaves before "n't" ("won't" -> "wo", "n't"), read as the words they stand for.
_CONTRACTED = {"wo": "will", "ca": "can", "sha": "shall"}
#: Letter/digit runs (with inner "." or "'": "3.5", "e.g", "o'neill") of a token spaCy keeps
#: whole although it joins words ("value:1", "windows_xp", "1/2", "at&t").
_WORD_PART = re.compile(r"[^\W_]+(?:[.'][^\W_]+)*")
_EDGE_MARKS = "".join(_HYPHENS) + "'"  # "wind- and water-resistant", "'quoted'"
_NOT_PLURAL = ("ss", "us", "is")  # "dress", "cactus", "tennis"
_LEMMA_CACHE_SIZE = 65536


@lru_cache(maxsize=1)
def _tokenizer() -> Tokenizer:
    import spacy

    return spacy.blank("en").tokenizer


@lru_cache(maxsize=1)
def _lemma_table() -> Table:
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=1)
def _dictionary_words() -> frozenset[str]:
    from spacy.lookups import load_lookups

    index = load_lookups("en", ["lemma_index"]).get_table("lemma_index")
    return frozenset(word for part in ("noun", "verb", "adj", "adv") for word in index[part])


def is_dictionary_word(word: str) -> bool:
    """Whether a lower-cased lemma is an English dictionary word (WordNet's base forms in
    spacy-lookups-data): ``shirt`` and ``sock`` are, ``jakcet`` and ``safty`` are not."""
    return word in _dictionary_words()


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """spaCy's English stop words, apostrophes normalised, minus :data:`SHOP_WORDS`."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.replace("’", "'").replace("‘", "'") for w in STOP_WORDS) - SHOP_WORDS


def is_stopword(word: str) -> bool:
    """Whether a lower-cased word is a stop word ("the", "does", "with"; not "top")."""
    return word in stopwords()


@lru_cache(maxsize=_LEMMA_CACHE_SIZE)
def lemma(word: str) -> str:
    """Dictionary form of one word, lower-cased: ``Hoodies`` -> ``hoodie``, ``boxes`` -> ``box``.

    Words the table does not know lose a plain plural ``s`` (``thumbholes`` -> ``thumbhole``;
    not ``-ss``, ``-us``, ``-is``, nor words of four letters or less); other unknown words
    (brand names, numbers) come back lower-cased unchanged.
    """
    word = word.lower()
    if word in LEMMA_EXCEPTIONS:
        return LEMMA_EXCEPTIONS[word]
    found = _lemma_table().get(word)
    if found is not None:
        return found
    if len(word) > 4 and word.endswith("s") and not word.endswith(_NOT_PLURAL):
        return word[:-1]
    return word


def _words(text: str, join_hyphenated: bool) -> Iterator[str]:
    for group in _word_groups(text):
        yield from group
        if join_hyphenated and len(group) > 1:
            yield "".join(group)


def _word_groups(text: str) -> Iterator[list[str]]:
    """Word tokens, those joined by a hyphen without spaces ("gore-tex") in one group."""
    doc = _tokenizer()(text.lower().replace("’", "'").replace("‘", "'"))
    group: list[str] = []
    glued = linked = False  # last word touches the next token / a hyphen joins it to the next
    for token in doc:
        word = token.text
        if word in _HYPHENS:
            linked, glued = glued and not token.whitespace_, False
            continue
        if word.isalnum():  # the usual case; the regex only for marks inside or around it
            parts = [word]
        else:
            parts = [] if word in _CLITICS else _WORD_PART.findall(word.strip(_EDGE_MARKS))
        if len(parts) != 1:
            if group:
                yield group
            yield from ([part] for part in parts)
            group, glued, linked = [], False, False
            continue
        word = parts[0]
        if word in _CONTRACTED and token.i + 1 < len(doc) and doc[token.i + 1].text == "n't":
            word = _CONTRACTED[word]
        if group and not linked:
            yield group
            group = []
        group.append(word)
        glued, linked = not token.whitespace_, False
    if group:
        yield group


def tokens(text: str, *, join_hyphenated: bool = False) -> list[str]:
    """Lower-cased word tokens of ``text``, in order.

    Punctuation, symbols and clitics (``'s``, ``n't``) are dropped: ``"Women's Gore-Tex
    jacket!"`` -> ``women, gore, tex, jacket``. Decimal numbers stay whole (``3.5``).

    Args:
        text: any text.
        join_hyphenated: also give each hyphenated word joined after its parts (``gore, tex,
            goretex``) so that either spelling matches.
    """
    return list(_words(text, join_hyphenated))


def words(text: str) -> list[str]:
    """Lower-cased words as a shopper reads them, hyphenated ones whole: ``gore-tex, jacket``.

    For reporting which of the shopper's words matched; match on :func:`terms`.
    """
    return ["-".join(group) for group in _word_groups(text)]


def terms(text: str, *, keep_stopwords: bool = False, join_hyphenated: bool = False) -> list[str]:
    """Lemmas of the content words of ``text``: ``"Hoodies with pockets"`` -> ``hoodie, pocket``.

    Stop words are judged on the word as written (before lemmatising), so ``does`` is dropped
    rather than turned into a content word.
    """
    stop = frozenset() if keep_stopwords else stopwords()
    return [lemma(w) for w in _words(text, join_hyphenated) if w not in stop]
