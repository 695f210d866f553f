"""Misspelt words put right before the NLU reads them ("boack jakcet" → "black jacket").

Pure Python (no Rasa imports), so it is unit-tested from the app venv and runs in the Rasa
process without new dependencies. The look-up is SymSpell's symmetric delete: every word that
may be corrected to is stored with its one-letter deletions, so a misspelling is matched by its
own deletions in a few dictionary look-ups, and the candidates are then checked with the
optimal-string-alignment distance (a swap of two neighbouring letters is one edit).

Only words that are unknown are touched: a word the training data uses, or one in the sentence
encoder's English vocabulary (``boots``, ``tess``), stays as written, so real words are never
"corrected" into others. A word of 4–7 letters may be one edit away from its correction, a
longer one two; the correction keeps the word's first letter (people rarely mistype it). Of
several at the smallest distance, the likeliest wins: how often the training data uses the word
times how common the slip is (:func:`typo_likelihood`, a small noisy-channel model: "boack" is
"black" with a neighbouring key, not "back" with an "o" typed in; "woen" is "women" with a
letter dropped, not "when" with a far key).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

#: Words shorter than this are never corrected ("teh" may be a typo, "tee" a product).
MIN_LENGTH = 4
#: Words of at least this many letters may be two edits from their correction.
TWO_EDITS_FROM = 8
#: A word, contractions whole ("doesn't": "doesnt" is one edit from it, not from "doesn").
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True)
class Correction:
    start: int
    end: int
    written: str
    corrected: str


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    neighbouring letters each cost one."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


_KEYBOARD = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_POSITION = {ch: (row, col) for row, keys in enumerate(_KEYBOARD) for col, ch in enumerate(keys)}


def _neighbours(a: str, b: str) -> bool:
    """Whether two letters are next to each other on a QWERTY keyboard."""
    if a not in _POSITION or b not in _POSITION:
        return False
    (ra, ca), (rb, cb) = _POSITION[a], _POSITION[b]
    return abs(ra - rb) <= 1 and abs(ca - cb) <= 1 and (ra, ca) != (rb, cb)


def typo_likelihood(typo: str, word: str) -> float:
    """How likely typing ``word`` gives ``typo`` by one slip, relative to other slips: a dropped
    letter, a doubled one, two swapped neighbours or a neighbouring key are common (1.0);
    another letter typed in, or a key far away, rare (0.1). Two slips: 0.5."""
    if len(typo) == len(word) - 1:
        return 1.0  # a letter dropped
    if len(typo) == len(word) + 1:
        i = next((k for k in range(len(word)) if typo[k] != word[k]), len(word))
        extra = typo[i]
        beside = [typo[k] for k in (i - 1, i + 1) if 0 <= k < len(typo)]
        if extra in beside:
            return 1.0  # a letter doubled
        return 0.5 if any(_neighbours(extra, b) for b in beside) else 0.1
    diffs = [k for k in range(len(word)) if k < len(typo) and typo[k] != word[k]]
    if len(typo) == len(word) and len(diffs) == 1:
        return 1.0 if _neighbours(typo[diffs[0]], word[diffs[0]]) else 0.1
    if len(typo) == len(word) and len(diffs) == 2 and diffs[1] == diffs[0] + 1:
        return 1.0  # two neighbours swapped
    return 0.5


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def max_edits(word: str) -> int:
    if len(word) < MIN_LENGTH:
        return 0
    return 2 if len(word) >= TWO_EDITS_FROM else 1


class SpellingCorrector:
    """Corrects unknown words to the closest, most frequent word of ``counts``.

    Args:
        counts: the words that may be corrected to, with how often the training data uses them.
        known: further words that are never corrected (an English vocabulary).
    """

    def __init__(self, counts: Counter[str], known: Iterable[str] = ()) -> None:
        self.counts = counts
        self.known = frozenset(known) | frozenset(counts)
        self._index: dict[str, list[str]] = {}
        for word in counts:
            if len(word) < MIN_LENGTH - 1:
                continue
            keys = {word} | _deletes(word)
            if len(word) >= TWO_EDITS_FROM - 1:  # two edits away from a long misspelling
                keys |= {d for key in list(keys) for d in _deletes(key)}
            for key in keys:
                self._index.setdefault(key, []).append(word)

    def best(self, word: str) -> str | None:
        """The correction of one lower-case ``word``, or ``None`` when it is known, too short,
        or nothing is close enough."""
        edits = max_edits(word)
        if not edits or word in self.known:
            return None
        keys = {word} | _deletes(word)
        if edits > 1:
            keys |= {d for key in list(keys) for d in _deletes(key)}
        candidates = {c for key in keys for c in self._index.get(key, ())}
        scored = [(osa_distance(word, c), c) for c in candidates if c[0] == word[0]]
        scored = [(d, -typo_likelihood(word, c) * self.counts[c], c)
                  for d, c in scored if d <= edits]
        return min(scored)[-1] if scored else None

    def corrections(self, text: str) -> Iterator[Correction]:
        for match in _WORD.finditer(text):
            written = match.group(0)
            corrected = self.best(written.lower())
            if corrected is not None:
                yield Correction(match.start(), match.end(), written, _cased_like(written, corrected))

    def correct(self, text: str) -> tuple[str, list[Correction]]:
        """``text`` with its unknown words corrected, and the corrections made."""
        found = list(self.corrections(text))
        pieces, last = [], 0
        for fix in found:
            pieces += [text[last:fix.start], fix.corrected]
            last = fix.end
        pieces.append(text[last:])
        return "".join(pieces), found


def _cased_like(written: str, word: str) -> str:
    if written.isupper() and len(written) > 1:
        return word.upper()
    if written[0].isupper():
        return word[0].upper() + word[1:]
    return word


def words(text: str) -> list[str]:
    """The lower-case words of ``text`` the corrector reads (letters only)."""
    return [w.lower() for w in _WORD.findall(text)]
