"""The words of an imported catalog, and shoppers' words mapped onto them.

Built from whatever catalog is imported (any store), so the NLU needs no store's values: it
finds *that* a shopper named a kind of product, a colour or a material, and this maps the
words they used — misspelt, singular or plural — to the catalog's own value, or says that the
catalog has no such thing. Words compare as lemmas (:mod:`catalog.text`); a misspelt word is
corrected to a catalog word by edit distance (RapidFuzz's optimal string alignment, so a
swapped pair of letters counts as one edit), unless it is an English dictionary word: "shirt" is
not a misspelt "short".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, Protocol

from rapidfuzz.distance import OSA
from rapidfuzz.process import extractOne

from catalog.domain import Product
from catalog.text import is_dictionary_word, terms

MatchKind = Literal["type", "category", "name", "unknown"]
#: Category segments that describe who a product is for, not what it is.
AUDIENCE_SEGMENTS = frozenset({"men", "women", "unisex", "kids", "boys", "girls"})
#: Lemmas of audience words a shopper may put in the product words ("womens jacket").
AUDIENCE_WORDS = frozenset({"man", "men", "mens", "woman", "women", "womens", "lady", "ladies",
                            "guy", "unisex", "kid", "boy", "girl"})
#: A product type longer than this (in content words) is not matched against.
MAX_TYPE_TERMS = 6
#: The kinds of value a vocabulary holds besides name words (types and categories counted).
VALUE_KINDS = ("type", "category", "color", "size", "material", "brand")
#: Most product kinds :meth:`CatalogVocabulary.summary` names.
SUMMARY_KINDS = 10


def _max_edits(word: str) -> int:
    """Typos forgiven in a word: none up to 3 letters, one up to 7, two beyond."""
    return 0 if len(word) <= 3 else 1 if len(word) <= 7 else 2


def _content(text: str) -> list[str]:
    """Lemmas of ``text`` without numbers ("80 grit" describes, it does not name a kind)."""
    return [w for w in terms(text) if not w.replace(".", "").replace("/", "").isdigit()]


def _key(text: str) -> frozenset[str]:
    return frozenset(_content(text))


def _runs_after(words: list[str], longest: int
                ) -> Iterator[tuple[frozenset[str], str, str | None]]:
    """:func:`_runs`, each with the word just before it (``None`` at the start)."""
    for size in range(longest, 0, -1):
        for start in range(len(words) - size + 1):
            run = words[start:start + size]
            yield frozenset(run), " ".join(run), words[start - 1] if start else None


def _runs(words: list[str], longest: int) -> Iterator[tuple[frozenset[str], str]]:
    """Each run of consecutive ``words``, longest runs first: its word set and its text."""
    for size in range(longest, 0, -1):
        for start in range(len(words) - size + 1):
            run = words[start:start + size]
            yield frozenset(run), " ".join(run)


@dataclass(frozen=True)
class TypeMatch:
    """What a shopper's product word names in this catalog.

    ``type``: one or more catalog product types (``values``); ``category``: a category segment
    (``values`` holds it, lower case); ``name``: words of product names but no type or category
    (search by the words, without a type filter); ``unknown``: nothing in the catalog.
    ``corrected`` is the shopper's text with misspellings replaced, when any were.
    """

    kind: MatchKind
    values: tuple[str, ...] = ()
    corrected: str | None = None


class NameIndex(Protocol):
    """Which lemmas the catalog's product names hold, and how many names hold a set of them."""

    def words(self) -> Iterable[str]:
        """Every lemma of every product name, each once."""
        ...

    def count_holding(self, words: frozenset[str]) -> int:
        """How many product names hold every one of ``words`` (a non-empty set of lemmas)."""
        ...


@dataclass(frozen=True)
class NamePostings:
    """A :class:`NameIndex` in memory: each name lemma and the numbers of the products whose
    names hold it (for catalogs given as products: tests, in-memory catalogs)."""

    postings: dict[str, frozenset[int]] = field(default_factory=dict)

    def words(self) -> Iterable[str]:
        return self.postings.keys()

    def count_holding(self, words: frozenset[str]) -> int:
        return len(frozenset.intersection(*(self.postings.get(w, frozenset()) for w in words)))


@dataclass(frozen=True)
class VocabularyValues:
    """What a catalog's vocabulary is made of, but for its name words: every distinct value
    in catalog case, and how many products have each product type and category segment."""

    type_counts: dict[str, int]
    category_counts: dict[str, int]
    colors: frozenset[str]
    sizes: frozenset[str]
    materials: frozenset[str]
    brands: frozenset[str]


def product_values(product: Product) -> tuple[dict[str, Counter[str]], list[str]]:
    """One product's share of the vocabulary: its values by kind (``type``, ``category``,
    ``color``, ``size``, ``material``, ``brand``) with what each adds to that value's count,
    and its name's lemmas.

    A category segment counts once for each distinct path of the product that holds it
    ("Women" twice for "Women/Tops/Jackets" and "Women/Sale"), as the vocabulary always
    counted. The one definition of what a product adds, whether the vocabulary is built in
    memory (:meth:`CatalogVocabulary.from_products`) or stored at import
    (:mod:`catalog.vocabulary_tables`).
    """
    categories: Counter[str] = Counter()
    for path in {product.category, *product.categories}:
        categories.update({s.strip() for s in path.split("/") if s.strip()})
    values: dict[str, Counter[str]] = {
        "type": Counter([product.product_type] if product.product_type else []),
        "category": categories,
        "color": Counter({c for c in (*product.colors, *(v.color for v in product.variants))
                          if c}),
        "size": Counter({s for s in (*product.sizes, *(v.size for v in product.variants)) if s}),
        "material": Counter(set(product.materials)),
        "brand": Counter([product.brand] if product.brand else []),
    }
    return values, terms(product.name)


@dataclass
class CatalogVocabulary:
    """Product types, category segments, colours, sizes, materials, brands and name words.

    Built in memory from products (:meth:`from_products`), or from what the catalog database
    stored at import (:meth:`from_values` with a :class:`NameIndex` over its tables), so a
    process start reads distinct values, not every product.
    """

    types: tuple[str, ...]
    categories: tuple[str, ...]
    colors: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    materials: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    names: NameIndex = field(default_factory=NamePostings)
    type_counts: dict[str, int] = field(default_factory=dict)
    category_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_values(cls, values: VocabularyValues, names: NameIndex) -> CatalogVocabulary:
        """The vocabulary of stored ``values`` and a ``names`` index."""
        return cls(tuple(sorted(values.type_counts)), tuple(sorted(values.category_counts)),
                   tuple(sorted(values.colors)), tuple(sorted(values.sizes)),
                   tuple(sorted(values.materials)), tuple(sorted(values.brands)), names,
                   dict(values.type_counts), dict(values.category_counts))

    @classmethod
    def from_products(cls, products: Iterable[Product]) -> CatalogVocabulary:
        counts: dict[str, Counter[str]] = {kind: Counter() for kind in VALUE_KINDS}
        postings: dict[str, set[int]] = {}
        for number, p in enumerate(products):
            found, name_terms = product_values(p)
            for kind, added in found.items():
                counts[kind].update(added)
            for term in name_terms:
                postings.setdefault(term, set()).add(number)
        values = VocabularyValues(dict(counts["type"]), dict(counts["category"]),
                                  *(frozenset(counts[k]) for k in VALUE_KINDS[2:]))
        return cls.from_values(values, NamePostings(
            {t: frozenset(ids) for t, ids in postings.items()}))

    # ------------------------------------------------------------------------ the words

    @cached_property
    def _type_keys(self) -> list[tuple[frozenset[str], str]]:
        """Each product type's lemmas; a "type" of more than :data:`MAX_TYPE_TERMS` content
        words is a description that slipped into the field, not a name to match words to."""
        keys = [(_key(t), t) for t in self.types]
        return [(k, t) for k, t in keys if len(k) <= MAX_TYPE_TERMS]

    @cached_property
    def _category_keys(self) -> list[tuple[frozenset[str], str]]:
        return [(_key(c), c) for c in self.categories if c.lower() not in AUDIENCE_SEGMENTS]

    @cached_property
    def _known_words(self) -> list[str]:
        """Every lemma of the catalog's types, categories, colours, materials and names."""
        found: set[str] = set(self.names.words())
        for values in (self.types, self.categories, self.colors, self.materials):
            for value in values:
                found.update(terms(value))
        return sorted(w for w in found if w.isalpha())

    def correct(self, word: str) -> str:
        """``word`` (a lemma) or the catalog word it misspells; unchanged when none is close.

        The correction keeps the first letter (people rarely mistype it), and a misspelt plural
        is matched without its ending ("tess" → "tee", "wathce" → "watch")."""
        edits = _max_edits(word)
        if (not edits or word in self._known_set or not word.isalpha()
                or is_dictionary_word(word)):  # a real word, just not one this store uses
            return word
        candidates = self._known_by_initial.get(word[0], [])
        # "tess" is "tees" misspelt; "wathce" the lemma of "wathces" ("-es" lost its "s" only)
        forms = [word] + [word[:-len(end)] for end in ("s", "es", "e") if word.endswith(end)
                          and len(word) - len(end) > 2]
        found = [best for form in forms if (best := extractOne(
            form, candidates, scorer=OSA.distance, score_cutoff=_max_edits(form) or 1))]
        return min(found, key=lambda match: match[1])[0] if found else word

    @cached_property
    def _known_by_initial(self) -> dict[str, list[str]]:
        by_initial: dict[str, list[str]] = {}
        for known in self._known_words:
            by_initial.setdefault(known[0], []).append(known)
        return by_initial

    @cached_property
    def _known_set(self) -> frozenset[str]:
        return frozenset(self._known_words)

    # ------------------------------------------------------------------ product kinds

    def product_type(self, text: str) -> TypeMatch:
        """What ``text`` (the shopper's words for a kind of product) names in this catalog."""
        words = [w for w in _content(text) if w not in AUDIENCE_WORDS]
        if not words:
            return TypeMatch("unknown")
        fixed = [self.correct(w) for w in words]
        corrected = " ".join(fixed) if fixed != words else None
        key = frozenset(fixed)
        types = self._types_holding(key)
        if types:
            return TypeMatch("type", types, corrected)
        categories = tuple(c.lower() for k, c in self._category_keys if k and key <= k)
        if categories:
            return TypeMatch("category", categories[:1], corrected)
        if self.named_products(key):
            return TypeMatch("name", (), corrected)
        return TypeMatch("unknown", (), corrected)

    def find_type(self, text: str) -> TypeMatch | None:
        """A kind of product this catalog has, named somewhere in ``text`` (a whole message):
        the longest run of words that is a product type (or part of one: "hoodie" for
        "Hoodies & Sweatshirts"), else one that is exactly a category; ``None`` when none is."""
        fixed = [self.correct(w) for w in _content(text) if w not in AUDIENCE_WORDS]
        for key, run, before in _runs_after(fixed, 3):
            types = self._types_holding(key)
            if types and not self._narrowed(key, before):
                return TypeMatch("type", types, run)
        for key, run in _runs(fixed, 3):
            categories = tuple(c.lower() for k, c in self._category_keys if k == key)
            if categories:
                return TypeMatch("category", categories[:1], run)
        return None

    def find_value(self, values: tuple[str, ...], text: str) -> str | None:
        """The first of ``values`` (colours, materials) that a word or two of ``text`` names,
        misspellings of non-dictionary words corrected; ``None`` when none does."""
        by_key = {frozenset(terms(v)): v for v in values if terms(v)}
        fixed = [self.correct(w) for w in terms(text)]
        return next((by_key[key] for key, _ in _runs(fixed, 2) if key in by_key), None)

    def _narrowed(self, key: frozenset[str], before: str | None) -> bool:
        """Whether the word ``before`` the run makes it another kind than the types that
        merely contain it: "radar scanner" is no "3D Scanners", while "warm jacket" is a
        "Jackets" and "black hoodie" a "Hoodies & Sweatshirts" (one of its alternatives
        whole). Colours, materials and sizes describe; they never narrow."""
        if before is None or key in self._alternatives:
            return False
        return before not in self._describing_words

    @cached_property
    def _describing_words(self) -> frozenset[str]:
        """The lemmas of the catalog's colours, materials and sizes."""
        return frozenset(w for v in (*self.colors, *self.materials, *self.sizes) for w in terms(v))

    @cached_property
    def _alternatives(self) -> frozenset[frozenset[str]]:
        """The lemma sets of each type's alternatives ("Hoodies & Sweatshirts" → {hoodie},
        {sweatshirt}; "3D Scanners" → {3d, scanner})."""
        return frozenset(frozenset(_content(part)) for t in self.types
                         for part in re.split(r"[&,/]| and ", t) if _content(part))

    def _types_holding(self, key: frozenset[str]) -> tuple[str, ...]:
        """The product types whose words include all of ``key`` ("hoodie" → "Hoodies &
        Sweatshirts")."""
        return tuple(t for k, t in self._type_keys if k and key <= k)

    def named_products(self, words: frozenset[str]) -> int:
        """How many product names hold every one of ``words`` (lemmas)."""
        return self.names.count_holding(words) if words else 0

    def value(self, values: tuple[str, ...], text: str) -> str | None:
        """The catalog value among ``values`` (colours, materials, sizes, brands) that ``text``
        names, ignoring case and small misspellings; ``None`` when the catalog has none."""
        wanted = text.strip().lower()
        for value in values:
            if value.lower() == wanted:
                return value
        if len(wanted) <= 3:  # sizes and short words: exact only
            return None
        best = extractOne(wanted, [v.lower() for v in values], scorer=OSA.distance,
                          score_cutoff=_max_edits(wanted))
        return values[best[2]] if best else None

    # ---------------------------------------------------------------------- read-outs

    def summary(self) -> str:
        """What the store sells, in a few words: its product types when there are few, else
        the broadest categories below the catalog's root, most products first."""
        if 0 < len(self.types) <= SUMMARY_KINDS:
            kinds = sorted(self.types, key=lambda t: -self.type_counts.get(t, 0))
        else:
            kinds = self._broad_categories()
        kinds = [k.lower() for k in kinds[:SUMMARY_KINDS]]
        if not kinds:
            return ""
        return kinds[0] if len(kinds) == 1 else f"{', '.join(kinds[:-1])} and {kinds[-1]}"

    def _broad_categories(self) -> list[str]:
        total = max(self.category_counts.values(), default=0)
        broad = [c for c, n in self.category_counts.items()
                 if n < total and c.lower() not in AUDIENCE_SEGMENTS]
        return sorted(broad, key=lambda c: -self.category_counts[c])
