"""A store's gazetteer: the catalog's names for kinds of product, brands, materials, colours and
sizes, written when the store is imported and read by the Rasa process.

Pure Python, no Rasa or catalog imports: ``catalog.gazetteer`` builds it from the imported
products (``python -m catalog.import_catalog``), ``bot.components.catalog_gazetteer`` tags the
names a message holds. Both sides compare words through :func:`match_key`, so they agree on
what matches without sharing the catalog's lemma tables (the Rasa venv has none).

The file is ``<state_dir>/gazetteer-<store>.json``::

    {"version": 1, "store": "scientific",
     "terms": {"product_type": ["beakers", "nitrile gloves", ...], "brand": ["3M", ...], ...}}

Each term is written as the catalog writes it (its canonical value); a missing file means the
store has no gazetteer and nothing is tagged.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

VERSION = 1
#: The entity kinds a gazetteer holds.
KINDS = ("product_type", "brand", "material", "color", "size")
#: The repository root, where a relative ``AISLE_STATE_DIR`` starts (as in ``aisle.settings``).
REPO_ROOT = Path(__file__).resolve().parent.parent
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
#: A word of a message as the gazetteer reads it: "3M", "WD-40", "o-rings", "bag,".
_TOKEN = re.compile(r"\w(?:[\w'’+-]*\w)?")
_NOT_PLURAL = ("ss", "us", "is")
#: Words that end or start a noun phrase rather than extend it ("flap discs for my grinder").
FUNCTION_WORDS = frozenset([
    "a", "an", "the", "this", "that", "these", "those", "my", "your", "our", "his", "her",
    "their", "its", "any", "some", "no", "every", "each", "all", "for", "with", "without", "in",
    "on", "at", "to", "of", "from", "by", "as", "like", "than", "about", "into", "onto", "over",
    "under", "near", "and", "or", "but", "nor", "so", "if", "then", "please", "too", "also",
    "only", "just", "very", "really", "more", "most", "less", "least", "other", "another",
    "same", "such", "what", "which", "who", "whose", "where", "when", "why", "how", "is", "are",
    "was", "were", "be", "been", "am", "do", "does", "did", "can", "could", "will", "would",
    "should", "may", "might", "must", "have", "has", "had", "i", "you", "he", "she", "it", "we",
    "they", "me", "him", "us", "them", "one", "ones"
])

#: Materials of any kind of store. A catalog without material attributes (Amazon's) still has
#: the ones its product names and types use: those join its gazetteer. Words that are also
#: something else more often are left out ("pet", "abs", "iron", "lead", "paper", "gold").
GENERAL_MATERIALS = (
    "stainless steel", "carbon steel", "galvanized steel", "steel", "aluminum", "aluminium",
    "brass", "bronze", "copper", "titanium", "tungsten carbide", "tungsten", "carbide", "cobalt",
    "zinc", "nickel", "cast iron", "chrome", "sterling silver", "platinum", "plastic", "nylon",
    "polypropylene", "polyethylene", "hdpe", "ldpe", "pvc", "ptfe", "teflon", "pla", "petg",
    "tpu", "polycarbonate", "acrylic", "polystyrene", "polyurethane", "delrin", "peek", "epoxy",
    "resin", "vinyl", "silicone", "rubber", "latex", "nitrile", "neoprene", "viton", "epdm",
    "foam", "memory foam", "borosilicate glass", "borosilicate", "glass", "quartz", "ceramic",
    "porcelain", "stoneware", "fiberglass", "carbon fiber", "wood", "bamboo", "oak", "walnut",
    "maple", "pine", "cork", "cotton", "organic cotton", "wool", "merino wool", "linen", "silk",
    "hemp", "jute", "leather", "suede", "canvas", "denim", "felt", "cardboard", "kevlar",
    "polyester", "spandex", "fleece", "microfiber", "velvet", "cashmere", "mesh",
)
#: Colour words of any kind of store (a leading one in "the navy hoodie" describes, not names).
GENERAL_COLORS = (
    "black", "white", "grey", "gray", "red", "blue", "green", "yellow", "orange", "purple",
    "pink", "brown", "beige", "tan", "navy", "teal", "turquoise", "maroon", "burgundy", "gold",
    "silver", "olive", "khaki", "cream", "ivory", "charcoal", "lavender", "lilac", "mint",
    "coral", "magenta", "cyan", "clear", "transparent", "multicolor", "multicolour",
    "dark blue", "light blue", "navy blue", "dark green", "light green", "dark grey",
    "light grey", "dark gray", "light gray", "rose gold",
)


class GazetteerError(ValueError):
    """A gazetteer file that cannot be read as one."""


def gazetteer_path(state_dir: Path, store: str) -> Path:
    """Where ``store``'s gazetteer lives."""
    return state_dir / f"gazetteer-{store}.json"


def path_from_env(environ: Mapping[str, str] | None = None) -> Path | None:
    """The active store's gazetteer path from ``AISLE_STATE_DIR`` and ``AISLE_STORE`` (the Rasa
    process cannot build ``aisle.settings.Settings``; same defaults: ``state``, ``luma``).

    ``AISLE_GAZETTEER`` overrides it: another file, or ``none`` for no gazetteer (the
    evaluation of requests written for no particular store; a switch to turn tagging off)."""
    env = os.environ if environ is None else environ
    override = env.get("AISLE_GAZETTEER", "").strip()
    if override:
        return None if override.lower() == "none" else Path(override)
    state_dir = Path(env.get("AISLE_STATE_DIR") or "state")
    if not state_dir.is_absolute():
        state_dir = REPO_ROOT / state_dir
    return gazetteer_path(state_dir, env.get("AISLE_STORE") or "luma")


def message_words(text: str) -> list[tuple[int, int, str]]:
    """Each word of ``text`` with its start and end offsets."""
    return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def singular(word: str) -> str:
    """A plain English plural's singular, by spelling alone ("boxes" → "box", "batteries" →
    "battery", "gloves" → "glove"); other words, and words of three letters or less, as given."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_NOT_PLURAL):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    return word[:-1]


def match_key(text: str) -> str:
    """The words of ``text`` lower-cased and singular, joined by one space: the form in which
    a message's words and the gazetteer's terms are compared ("Nitrile Gloves" → "nitrile
    glove", "T-Shirts" → "t-shirt")."""
    return " ".join(singular(w) for w in _WORD.findall(text.lower().replace("’", "'")))


@dataclass
class Gazetteer:
    """A store's terms by entity kind, each in catalog spelling."""

    store: str
    terms: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"version": VERSION, "store": self.store,
                           "terms": {k: self.terms.get(k, []) for k in KINDS}},
                          ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Gazetteer:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise GazetteerError(f"not JSON: {error}") from error
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise GazetteerError(f"not a version {VERSION} gazetteer")
        terms = data.get("terms")
        if not isinstance(terms, dict) or not all(
                isinstance(v, list) and all(isinstance(t, str) for t in v) for v in terms.values()):
            raise GazetteerError("'terms' must map each kind to a list of strings")
        return cls(str(data.get("store", "")), {k: list(v) for k, v in terms.items()
                                                 if k in KINDS})

    def write(self, path: Path) -> Path:
        """Write atomically (a reader never sees half a file), return ``path``."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(self.to_json(), encoding="utf-8")
        partial.replace(path)
        return path

    @classmethod
    def read(cls, path: Path) -> Gazetteer:
        return cls.from_json(path.read_text(encoding="utf-8"))


#: The entity kinds tagged from a gazetteer, in the order a term found under two is given.
TAGGED = ("product_type", "material", "brand")
#: Longest run of words matched against a term.
MAX_WORDS = 4
#: Fuzzy matches need this many letters; shorter words are real words too often.
FUZZY_MIN_CHARS = 6


@dataclass(frozen=True)
class Span:
    """A run of a message's words that names a gazetteer term."""

    kind: str
    start: int
    end: int
    value: str
    exact: bool


class GazetteerMatcher:
    """Finds a gazetteer's terms in a message's words: exactly (in :func:`match_key` form) or,
    for words the NLU's training data does not know, within one typo (two from ten letters),
    the first letter kept, as RapidFuzz's optimal string alignment distance counts them.

    ``common_words``: keys that alone never make a term (words the training data uses outside
    any product, brand or material: "order", "cart", "gift"); ``known_words``: keys of words
    the training data holds, never taken as misspellings of a term.
    """

    def __init__(self, gazetteer: Gazetteer, kinds: tuple[str, ...] = TAGGED,
                 common_words: frozenset[str] = frozenset(),
                 known_words: frozenset[str] = frozenset()) -> None:
        self.common_words, self.known_words = common_words, known_words
        self.by_key: dict[str, tuple[str, str]] = {}
        for kind in kinds:
            for term in gazetteer.terms.get(kind, []):
                key = match_key(term)
                if key and key not in self.by_key:
                    self.by_key[key] = (kind, term)
        self._fuzzy: dict[tuple[str, int], list[str]] = {}
        for key in self.by_key:
            if len(key.replace(" ", "")) >= FUZZY_MIN_CHARS:
                self._fuzzy.setdefault((key[0], key.count(" ")), []).append(key)

    def __bool__(self) -> bool:
        return bool(self.by_key)

    def find(self, words: list[tuple[int, int, str]],
             taken: list[tuple[int, int]] = ()) -> list[Span]:
        """The terms named by ``words`` ((start, end, text) of each word, in order), longest
        runs first, none overlapping another or a span of ``taken``."""
        keys = [match_key(text) for _, _, text in words]
        busy = list(taken)
        found: list[Span] = []
        for size in range(min(MAX_WORDS, len(words)), 0, -1):
            for first in range(len(words) - size + 1):
                run = keys[first:first + size]
                start, end = words[first][0], words[first + size - 1][1]
                if (not all(run) or any(" " in k for k in run)
                        or any(s < end and start < e for s, e in busy)):
                    continue
                hit = self._lookup(" ".join(run), run)
                if hit is not None:
                    kind, value, exact = hit
                    found.append(Span(kind, start, end, value, exact))
                    busy.append((start, end))
        return sorted((span for span in found
                       if span.kind != "product_type" or not self._modifier(span, words, busy)),
                      key=lambda span: span.start)

    def _modifier(self, span: Span, words: list[tuple[int, int, str]],
                  busy: list[tuple[int, int]]) -> bool:
        """Whether a product type only modifies the noun phrase's head, as in an English noun
        compound, whose head is its last word: the word right after it is a content word
        ("angle grinder", "scanner battery"), or the word right before it is a content word the
        NLU's training data never saw ("radar scanner"). Words another span holds, numbers and
        function words do not count."""
        def content(word: tuple[int, int, str]) -> bool:
            start, end, text = word
            return (text.replace("'", "").isalpha() and text.lower() not in FUNCTION_WORDS
                    and not any(s < end and start < e for s, e in busy))
        after = [w for w in words if w[0] == span.end + 1]
        before = [w for w in words if w[1] == span.start - 1]
        return (bool(after) and content(after[0])) or (
            bool(before) and content(before[0]) and match_key(before[0][2]) not in self.known_words)

    def _lookup(self, key: str, run: list[str]) -> tuple[str, str, bool] | None:
        if len(run) == 1 and (key in self.common_words or len(key) < 2):
            return None
        if key in self.by_key:
            return (*self.by_key[key], True)
        letters = len(key.replace(" ", ""))
        if letters < FUZZY_MIN_CHARS or all(w in self.known_words for w in run):
            return None
        edits = 1 if letters < 10 else 2
        best = extractOne(key, self._fuzzy.get((key[0], key.count(" ")), []),
                          scorer=OSA.distance, score_cutoff=edits)
        return (*self.by_key[best[0]], False) if best else None


def training_words(examples: list[tuple[str, list[dict[str, Any]]]],
                   kinds: tuple[str, ...] = TAGGED,
                   min_count: int = 3) -> tuple[frozenset[str], frozenset[str]]:
    """From (text, entities) training examples: the words used at least ``min_count`` times
    outside every entity and at least as often as inside one of ``kinds`` (common words: "gift"
    40 times outside, 3 in "gift card"), and every word."""
    outside: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    known: set[str] = set()
    for text, entities in examples:
        for start, end, word in message_words(text):
            key = match_key(word)
            known.add(key)
            covering = [e for e in entities if e.get("start", 0) < end and start < e.get("end", 0)]
            if any(e.get("entity") in kinds for e in covering):
                inside[key] += 1
            elif not covering:
                outside[key] += 1
    common = {k for k, n in outside.items() if n >= min_count and n >= inside[k]}
    return frozenset(common), frozenset(known)
