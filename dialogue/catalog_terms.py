"""The shopper's words for what they want, mapped onto this store's catalog.

The NLU finds *that* a message names a kind of product, a colour, a size or a material; this
maps the words to the imported catalog's own values (misspellings corrected, singular or
plural alike) or finds that the catalog has no such thing, so an unknown value is said, never
used silently as a filter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from catalog.filters import ProductFilters
from catalog.vocabulary import CatalogVocabulary, TypeMatch

#: Constraints checked against the catalog's values, and how the reply names them.
VALUE_FIELDS = {"color": ("colours", "colors"), "size": ("sizes", "sizes"),
                "material": ("materials", "materials")}
#: At most this many catalog values are listed when a shopper's value is not among them.
LISTED_VALUES = 12
#: Letter sizes any clothing store uses ("XXL", "2XL", "xs"), and a size named as one ("size 10",
#: "size M"); single letters count only after "size", as "S", "M" and "L" are words too.
_LETTER_SIZE = re.compile(r"\b(?:[2-6]x[sl]|x{1,4}[sl])\b", re.IGNORECASE)
_NAMED_SIZE = re.compile(r"\bsize\s+([a-z]{1,4}|\d{1,2}(?:\.5)?)\b", re.IGNORECASE)


def size_in_text(text: str) -> str | None:
    """A clothing size the words name, letter sizes in capitals: "in xxl" → "XXL"."""
    match = _NAMED_SIZE.search(text) or _LETTER_SIZE.search(text)
    if match is None:
        return None
    size = match.group(match.lastindex or 0)
    return size.upper() if size.isalpha() else size


@dataclass(frozen=True)
class CatalogReading:
    """The constraints as this catalog understands them.

    ``filters`` search; ``display`` reads back to the shopper (it keeps product words that
    match product names rather than a type, which search by words instead of filtering);
    ``updates`` are slot values to remember in catalog spelling; ``absent_type`` is the
    shopper's kind of product the catalog does not have; ``unknown`` maps a constraint to the
    value the catalog has none of, with the values it does have.
    """

    filters: ProductFilters
    display: ProductFilters
    updates: dict[str, str | None] = field(default_factory=dict)
    absent_type: str | None = None
    unknown: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)

    def unknown_note(self) -> str:
        """``We have no teal ones (colours: black, blue, …), so I left the colour out.``"""
        notes = []
        for name, (value, known) in self.unknown.items():
            label = VALUE_FIELDS[name][0]
            listed = ", ".join(known[:LISTED_VALUES]) + (", …" if len(known) > LISTED_VALUES
                                                         else "")
            noun = "size" if name == "size" else label[:-1]
            notes.append(f"We have nothing in {value} ({label}: {listed}), so I left the "
                         f"{noun} out.")
        return " ".join(notes)


def read_filters(filters: ProductFilters, vocabulary: CatalogVocabulary,
                 text: str | None = None) -> CatalogReading:
    """Map ``filters``' product words, colour, size and material onto ``vocabulary``.

    With ``text`` (the message of a new search), a kind of product, colour or material the
    NLU did not pick out is looked for in the words themselves ("womens jakcet" → jackets).
    """
    updates: dict[str, str | None] = {}
    if text:
        filters = _found_in_text(filters, vocabulary, text, updates)
    search, display = filters, filters
    absent: str | None = None
    if filters.product_type:
        match = vocabulary.product_type(filters.product_type)
        if match.kind in {"type", "category"}:
            canonical = _type_value(match, filters.product_type)
            if canonical.lower() != filters.product_type.lower():
                updates["product_type"] = canonical
                search = display = replace(filters, product_type=canonical)
        elif match.kind == "name":
            search = filters.without("product_type")
            if match.corrected:
                display = replace(filters, product_type=match.corrected)
        else:
            absent = filters.product_type
            search = display = filters.without("product_type")
            updates["product_type"] = None
    unknown: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, (_, attribute) in VALUE_FIELDS.items():
        value = getattr(filters, name)
        known: tuple[str, ...] = getattr(vocabulary, attribute)
        if not value or not known:  # nothing asked, or a catalog without such data
            continue
        canonical = vocabulary.value(known, value)
        if canonical is None:
            unknown[name] = (value, known)
            search, display = search.without(name), display.without(name)
            updates[name] = None
        elif canonical.lower() != value.lower():
            spelled = canonical if name == "size" else canonical.lower()
            search, display = replace(search, **{name: spelled}), replace(display, **{name: spelled})
            updates[name] = spelled
    return CatalogReading(search, display, updates, absent, unknown)


def _type_value(match: TypeMatch, words: str) -> str:
    """The slot value for a matched kind: the catalog's own name when it names one type or
    category, else the shopper's (corrected) ``words``, which the search maps to every type
    they name."""
    if len(match.values) == 1:
        return match.values[0].lower()
    return match.corrected or words


def _found_in_text(filters: ProductFilters, vocabulary: CatalogVocabulary, text: str,
                   updates: dict[str, str | None]) -> ProductFilters:
    """``filters`` plus what ``text`` names of the catalog's kinds, colours and materials that
    the NLU left unset."""
    found: dict[str, str] = {}
    if not filters.product_type:
        match = vocabulary.find_type(text)
        if match is not None:
            found["product_type"] = _type_value(match, str(match.corrected))
    for name, attribute in (("color", "colors"), ("material", "materials")):
        values = getattr(vocabulary, attribute)
        if not getattr(filters, name) and values:
            value = vocabulary.find_value(values, text)
            if value is not None:
                found[name] = value.lower()
    if not filters.size and vocabulary.sizes and (size := size_in_text(text)):
        found["size"] = size
    updates.update(found)
    return replace(filters, **found) if found else filters


def absent_text(kind: str, vocabulary: CatalogVocabulary, closest: int) -> str:
    """``We don't seem to carry smartphones. We sell …; the closest I have:``"""
    sells = vocabulary.summary()
    text = f"We don't seem to carry any {kind}."
    if sells:
        text += f" This store sells {sells}."
    if closest:
        text += " The closest I have:"
    return text
