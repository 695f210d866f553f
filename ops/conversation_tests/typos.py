"""Seeded typos in the values a shopper names, to measure what a slip of the keyboard costs.

A turn is rewritten by putting exactly one realistic typo into each *entity value* of the
clean message; everything else in the message is left as written.

*Entity values* are (1) the spans the trained NLU extracts from the clean message (Rasa's
``/model/parse``), and (2) the words of the message that name one of the catalog's colours or
materials or a word of one of its product types (compared as lemmas, :mod:`catalog.text`;
"organic cotton" is one value) where the NLU tagged nothing: the dialogue reads those straight from the text when the NLU misses them
(``dialogue/catalog_terms.py``), so the shopper's words matter there too. Overlapping spans
count once (the NLU's first).

In each value, one *eligible word* is picked at random and misspelt once. A word is a run of
letters (``men's`` is ``men`` and ``s``); it is eligible when it has 4 or more letters, is not
part of a token holding a digit or an ``@`` (sizes such as ``32``, order ids, e-mails), is not
a number spelt out (``two``, ``second``: numbers, like ordinals pointing at a card), and is not a
pronoun or demonstrative (``this``, ``those``: the grammar of a reference, not a value). Values
of the kinds that are numbers, prices, ids or addresses (:data:`SKIPPED_ENTITIES`) are never
touched. A value with no eligible word stays clean.

The typo is one of: two adjacent (different) letters swapped, a letter dropped, a letter
doubled, a letter replaced by a neighbouring key on a QWERTY keyboard; never at the first
letter, whose slip shoppers notice. Each is one edit in the optimal string alignment distance.
The choice is deterministic for a (seed, script name, turn number).
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import httpx

    from catalog.vocabulary import CatalogVocabulary

Edit = Literal["swap", "drop", "double", "neighbour"]
#: An NLU parse of a message: Rasa's entity dicts (``entity``, ``start``, ``end``, ``value``).
EntityFinder = Callable[[str], list[dict[str, Any]]]
#: The kind of a catalog word the NLU did not tag.
CATALOG = "catalog"

#: Entities whose values are numbers, prices, ids or addresses: never misspelt.
SKIPPED_ENTITIES = frozenset({"price_min", "price_max", "quantity", "order_id", "email",
                              "measure"})
#: Numbers spelt out, ordinals included ("the second one").
NUMBER_WORDS = frozenset([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "dozen", "first", "second", "third", "fourth", "fifth", "sixth",
    "seventh", "eighth", "ninth", "tenth"])
#: Pronouns and demonstratives that make up a reference ("that one", "these").
REFERENCE_WORDS = frozenset(["this", "that", "these", "those", "them", "they", "their"])
MIN_LETTERS = 4
#: The keys around each letter on a QWERTY keyboard.
QWERTY_NEIGHBOURS: dict[str, str] = {
    "q": "wa", "w": "qeas", "e": "wrsd", "r": "etdf", "t": "ryfg", "y": "tugh", "u": "yihj",
    "i": "uojk", "o": "ipkl", "p": "ol", "a": "qwsz", "s": "awedxz", "d": "serfcx",
    "f": "drtgvc", "g": "ftyhbv", "h": "gyujnb", "j": "huikmn", "k": "jiolm", "l": "kop",
    "z": "asx", "x": "zsdc", "c": "xdfv", "v": "cfgb", "b": "vghn", "n": "bhjm", "m": "njk",
}
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class ValueSpan:
    """Characters ``start:end`` of a message hold a value of ``entity`` (or :data:`CATALOG`)."""

    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class Typo:
    """One misspelt word: in which value, before and after, and how."""

    entity: str
    word: str
    typo: str
    edit: Edit


@dataclass(frozen=True)
class TypoTurn:
    """A user turn before and after the typos; ``values``: entity values found in it."""

    script: str
    turn: int
    clean: str
    text: str
    values: int
    typos: tuple[Typo, ...]


def misspell(word: str, rng: random.Random) -> tuple[str, Edit]:
    """``word`` with one typo (never at its first letter): an edit picked at random among those
    that apply, then a place for it. ``word`` has at least two letters."""
    if len(word) < 2:
        raise ValueError(f"too short to misspell: {word!r}")
    places: dict[Edit, list[int]] = {
        "swap": [i for i in range(1, len(word) - 1) if word[i].lower() != word[i + 1].lower()],
        "drop": list(range(1, len(word))),
        "double": list(range(1, len(word))),
        "neighbour": [i for i in range(1, len(word)) if word[i].lower() in QWERTY_NEIGHBOURS],
    }
    edit: Edit = rng.choice([e for e, found in places.items() if found])
    i = rng.choice(places[edit])
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:], edit
    if edit == "drop":
        return word[:i] + word[i + 1:], edit
    if edit == "double":
        return word[:i + 1] + word[i:], edit
    key = rng.choice(QWERTY_NEIGHBOURS[word[i].lower()])
    return word[:i] + (key.upper() if word[i].isupper() else key) + word[i + 1:], edit


def eligible_words(text: str, span: ValueSpan) -> list[tuple[int, int]]:
    """The (start, end) of each word of ``span`` that may be misspelt (module docstring)."""
    if span.entity in SKIPPED_ENTITIES:
        return []
    found = []
    for match in _WORD.finditer(text, span.start, span.end):
        word = match.group().lower()
        if (len(word) < MIN_LETTERS or word in NUMBER_WORDS or word in REFERENCE_WORDS
                or _in_coded_token(text, match.start(), match.end())):
            continue
        found.append((match.start(), match.end()))
    return found


def _in_coded_token(text: str, start: int, end: int) -> bool:
    """Whether the whitespace-delimited token around ``start:end`` has a digit or an ``@``."""
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    while end < len(text) and not text[end].isspace():
        end += 1
    token = text[start:end]
    return "@" in token or any(c.isdigit() for c in token)


def merge_spans(spans: Iterable[ValueSpan]) -> list[ValueSpan]:
    """``spans`` in text order, each overlapping an earlier-listed one left out."""
    kept: list[ValueSpan] = []
    for span in spans:
        if span.end > span.start and not any(
                span.start < k.end and k.start < span.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def nlu_spans(text: str, entities: Iterable[dict[str, Any]]) -> list[ValueSpan]:
    """The spans of Rasa's entities that point into ``text``."""
    spans = []
    for entity in entities:
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            spans.append(ValueSpan(start, end, str(entity.get("entity"))))
    return spans


def catalog_spans(text: str, values: frozenset[tuple[str, ...]],
                  lemma: Callable[[str], str]) -> list[ValueSpan]:
    """Each run of consecutive words of ``text`` whose lemmas are one of ``values``
    (:func:`catalog_values`), the longest run first: "organic cotton" is one value."""
    words = list(_WORD.finditer(text))
    lemmas = [lemma(w.group().lower()) for w in words]
    longest = max((len(v) for v in values), default=0)
    spans: list[ValueSpan] = []
    i = 0
    while i < len(words):
        size = next((n for n in range(min(longest, len(words) - i), 0, -1)
                     if tuple(lemmas[i:i + n]) in values), 0)
        if size:
            spans.append(ValueSpan(words[i].start(), words[i + size - 1].end(), CATALOG))
        i += max(size, 1)
    return spans


def catalog_values(vocabulary: CatalogVocabulary) -> frozenset[tuple[str, ...]]:
    """The lemmas of the catalog's colours and materials, and of each word of its product types
    (a shopper says "hoodie", not "Hoodies & Sweatshirts")."""
    from catalog.text import terms

    values = {(w,) for t in vocabulary.types for w in terms(t) if w.isalpha()}
    for value in (*vocabulary.colors, *vocabulary.materials):
        lemmas = tuple(w for w in terms(value) if w.isalpha())
        if lemmas:
            values.add(lemmas)
    return frozenset(values)


def inject(text: str, spans: Iterable[ValueSpan], rng: random.Random) -> tuple[str, list[Typo]]:
    """``text`` with one typo in one eligible word of each span (spans must not overlap)."""
    pieces: list[str] = []
    typos: list[Typo] = []
    done = 0
    for span in sorted(spans, key=lambda s: s.start):
        words = eligible_words(text, span)
        if not words:
            continue
        start, end = rng.choice(words)
        word = text[start:end]
        typo, edit = misspell(word, rng)
        pieces += [text[done:start], typo]
        typos.append(Typo(span.entity, word, typo, edit))
        done = end
    return "".join([*pieces, text[done:]]), typos


@dataclass
class TypoInjector:
    """Rewrites user turns for the runner (``rewrite`` of :func:`runner.run_files`), and keeps
    what it did, in the order the turns were played (safe across runner threads).

    ``entities`` parses a clean message; ``catalog`` holds the catalog's values as lemmas
    (:func:`catalog_values`) and ``lemma`` maps a lower-case word to its lemma.
    """

    seed: int
    entities: EntityFinder
    catalog: frozenset[tuple[str, ...]] = frozenset()
    lemma: Callable[[str], str] = str.lower
    turns: list[TypoTurn] = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def rewrite(self, script: str, turn: int, text: str) -> TypoTurn:
        """The turn with its typos; a button payload (``/affirm``) is sent as written."""
        if text.startswith("/"):
            return TypoTurn(script, turn, text, text, 0, ())
        spans = merge_spans([*nlu_spans(text, self.entities(text)),
                             *catalog_spans(text, self.catalog, self.lemma)])
        rng = random.Random(f"{self.seed}\x1f{script}\x1f{turn}")
        typoed, typos = inject(text, spans, rng)
        return TypoTurn(script, turn, text, typoed, len(spans), tuple(typos))

    def __call__(self, script: str, turn: int, text: str) -> str:
        done = self.rewrite(script, turn, text)
        with self._lock:
            self.turns.append(done)
        return done.text


@dataclass
class RasaEntities:
    """:data:`EntityFinder` over a running Rasa server's ``/model/parse``."""

    rasa_url: str
    token: str | None
    client: httpx.Client

    def __call__(self, text: str) -> list[dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        response = self.client.post(f"{self.rasa_url.rstrip('/')}/model/parse",
                                    json={"text": text}, headers=headers)
        response.raise_for_status()
        return list(response.json().get("entities") or [])


def assistant_typos(seed: int, rasa_url: str, token: str | None, client: httpx.Client,
                    catalog_url: str, store: str) -> TypoInjector:
    """A :class:`TypoInjector` over a running assistant's NLU and the ``store``'s catalog."""
    from catalog.repository import SqlCatalog
    from catalog.text import lemma
    from catalog.vocabulary import CatalogVocabulary

    vocabulary = CatalogVocabulary.from_products(SqlCatalog(catalog_url, store).products())
    return TypoInjector(seed, RasaEntities(rasa_url, token, client), catalog_values(vocabulary),
                        lemma)
